"""Case search: the threads' text, with Swedish word forms ("bidrag" finds "bidragen"), and the requester's
address, name and organisation (any part of them, in any case: "norrlyset" finds info@norrlyset.example).

PostgreSQL: a generated ``tsvector`` with the ``swedish`` configuration and a GIN index (migration 0003).
SQLite: FTS5 over ``case_messages.search_text``, which holds the Snowball-stemmed words of the subject
and text, written when a message is stored; the query is stemmed the same way.
"""

from __future__ import annotations

import re
from functools import lru_cache

import snowballstemmer
from sqlalchemy import (
    ColumnElement,
    Float,
    Integer,
    Select,
    case,
    false,
    func,
    literal_column,
    or_,
    select,
    text,
    union,
)
from sqlalchemy.orm import Session

from kulturkluster.db import fold, folded

from .models import Case, CaseMessage, Contact

_WORD = re.compile(r"\w+", re.UNICODE)
_MAX_INDEXED_CHARS = 100_000


@lru_cache(maxsize=1)
def _stemmer() -> snowballstemmer.stemmer:
    return snowballstemmer.stemmer("swedish")


def stemmed(*texts: str) -> str:
    """The texts as lower-case Swedish stems, space-separated."""
    words = _WORD.findall(" ".join(texts)[:_MAX_INDEXED_CHARS].casefold())
    return " ".join(_stemmer().stemWords(words))


def needs_search_text(session: Session) -> bool:
    return session.get_bind().dialect.name == "sqlite"


def search(session: Session, query: str, limit: int = 50) -> list[Case]:
    """Cases whose messages match every word of ``query`` (in any form) or whose requester's address, name
    or organisation contains it: requester matches first, then the best text match."""
    if not _WORD.search(query):
        return []
    found = matching(session, select(Case).where(Case.merged_into_id.is_(None)), query)
    return list(session.scalars(found.limit(limit)))


def matching(session: Session, cases: Select[Case], query: str) -> Select[Case]:
    """``cases`` narrowed to those whose messages match every word of ``query`` or whose requester's
    address, name or organisation contains ``query``; requester matches first, then best text match first.

    The staff inbox combines this with its filters; ``search`` is the same on every case. A query
    without any word matches nothing.
    """
    if not _WORD.search(query):
        return cases.where(false())
    postgres = session.get_bind().dialect.name == "postgresql"
    if postgres:
        tsquery = func.websearch_to_tsquery("swedish", query)
        vector: ColumnElement[object] = literal_column("case_messages.search_vector")
        rank = func.max(func.ts_rank(vector, tsquery))
        hits = (
            select(CaseMessage.case_id, rank.label("rank"))
            .where(vector.op("@@")(tsquery))
            .group_by(CaseMessage.case_id)
            .subquery()
        )
    else:
        terms = " ".join(f'"{stem}"' for stem in stemmed(query).split())
        fts = (
            text("SELECT rowid AS id, rank FROM case_messages_fts WHERE case_messages_fts MATCH :terms")
            .bindparams(terms=terms)
            .columns(id=Integer(), rank=Float())
            .subquery()
        )
        hits = (
            select(CaseMessage.case_id, func.min(fts.c.rank).label("rank"))
            .join(fts, fts.c.id == CaseMessage.id)
            .group_by(CaseMessage.case_id)
            .subquery()
        )
    order = hits.c.rank.desc() if postgres else hits.c.rank.asc()
    by_requester = select(Case.id).where(Case.contact_id.in_(requesters(query)))
    # Both halves use their own index (the text index; contacts, then cases.contact_id); an OR of the
    # two over the joined rows would read every case.
    found = union(select(hits.c.case_id), by_requester).subquery()
    requester = Case.id.in_(by_requester)
    return (
        cases.where(Case.id.in_(select(found.c[0])))
        .outerjoin(hits, hits.c.case_id == Case.id)
        .order_by(None)
        .order_by(case((requester, 0), else_=1), order.nulls_last(), Case.received_at.desc(), Case.id.desc())
    )


def requesters(query: str) -> Select[int]:
    """Ids of the contacts whose address, name or organisation contains ``query`` (folded case)."""
    needle = fold(" ".join(query.split()))
    return select(Contact.id).where(
        or_(
            *(
                folded(column).contains(needle, autoescape=True)
                for column in (Contact.email, Contact.name, Contact.organisation)
            )
        )
    )
