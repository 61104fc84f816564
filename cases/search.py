"""Case search: the threads' text, with Swedish word forms ("bidrag" finds "bidragen"), and the requester's
address, name and organisation (any part of them, in any case: "norrlyset" finds info@norrlyset.example).

A case matches when its thread holds every word of the query (in any of its messages) or its requester
matches; requester matches come first, then the better text match, then the newest.

PostgreSQL: each message has a generated ``tsvector`` with the ``swedish`` configuration (migration 0003)
and each case the words of its whole thread in ``case_search``, kept by triggers, with a GIN index
(migration 0021): the match and the rank read one document per case, not every matching message.
SQLite: FTS5 over ``case_messages.search_text``, which holds the Snowball-stemmed words of the subject
and text, written when a message is stored; the query is stemmed the same way and each word's messages
are grouped by case.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import snowballstemmer
from sqlalchemy import (
    BindParameter,
    Float,
    Integer,
    Select,
    Subquery,
    bindparam,
    column,
    func,
    or_,
    select,
    table,
    text,
)
from sqlalchemy.orm import Session
from sqlalchemy.sql.base import ExecutableOption

from kulturkluster.db import fold, folded

from .models import Case, CaseMessage, Contact

# Each case's thread as one tsvector (PostgreSQL only; migration 0021 creates it and its triggers keep it).
DOCUMENTS = table("case_search", column("case_id", Integer), column("document"))
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


@dataclass(frozen=True, slots=True)
class Page:
    """One page of search results and how many cases match in all."""

    cases: list[Case]
    total: int


def search(session: Session, query: str, limit: int = 50) -> list[Case]:
    """Cases whose thread holds every word of ``query`` (in any form) or whose requester's address, name
    or organisation contains it: requester matches first, then the best text match."""
    return page(session, select(Case).where(Case.merged_into_id.is_(None)), query, 0, limit).cases


def page(
    session: Session,
    cases: Select[Case],
    query: str,
    offset: int,
    limit: int,
    options: Sequence[ExecutableOption] = (),
) -> Page:
    """The ``cases`` (a filtered list, such as the staff inbox's) that match ``query``, from ``offset``
    on, and how many match in all. A query without any word matches nothing.

    One statement: the matches are ranked, counted (a window count) and ordered as narrow rows, and only
    the page's cases are read whole.
    """
    if not _WORD.search(query):
        return Page([], 0)
    if session.get_bind().dialect.name == "postgresql":
        hits = _postgres_hits(query, cases.with_only_columns(Case.id).order_by(None))
    else:
        hits = _sqlite_hits(query)
    matches = cases.order_by(None).join(hits, hits.c.case_id == Case.id)
    # The matches as narrow rows, ranked once; materialised so that the count and the sort after it carry
    # (id, time, rank), not the documents.
    narrow = (
        matches.with_only_columns(Case.id, Case.received_at, hits.c.other, hits.c.rank)
        .cte("matches")
        .prefix_with("MATERIALIZED", dialect="postgresql")
    )
    ranked = (
        select(narrow, func.count().over().label("total"))
        .order_by(
            narrow.c.other, narrow.c.rank.desc().nulls_last(), narrow.c.received_at.desc(), narrow.c.id.desc()
        )
        .offset(offset)
        .limit(limit)
        .subquery()
    )
    found = (
        select(Case, ranked.c.total)
        .join(ranked, ranked.c.id == Case.id)
        .order_by(
            ranked.c.other, ranked.c.rank.desc().nulls_last(), ranked.c.received_at.desc(), ranked.c.id.desc()
        )
        .options(*options)
    )
    rows = session.execute(found).all()
    if rows:
        return Page([row[0] for row in rows], int(rows[0][1]))
    if not offset:
        return Page([], 0)
    # Past the last page: no row carries the count, so count on its own.
    every = matches.with_only_columns(Case.id).subquery()
    return Page([], session.scalar(select(func.count()).select_from(every)) or 0)


def _postgres_hits(query: str, filtered: Select[int]) -> Subquery:
    """Every case whose document matches ``query`` (its rank, higher is better) or whose requester does
    (``other`` false): each half through its own index (the documents' GIN index; contacts, then
    ``cases.contact_id``), joined in full, since an OR of the two would read every document. Only the
    ``filtered`` cases' documents are ranked (a ranking reads the whole document)."""
    # The words and the needle go into the statement's text (``literal_execute``): a prepared statement's
    # generic plan, made without them, misjudges how many cases a word matches (2x the CPU for a common
    # word at a million subscribers), while each search's own plan is made in well under a millisecond.
    tsquery = func.websearch_to_tsquery("swedish", bindparam("words", query, literal_execute=True))
    text_hits = (
        select(DOCUMENTS.c.case_id, func.ts_rank(DOCUMENTS.c.document, tsquery).label("rank"))
        .where(DOCUMENTS.c.document.op("@@")(tsquery), DOCUMENTS.c.case_id.in_(filtered))
        .subquery()
    )
    asked = select(Case.id).where(Case.contact_id.in_(requesters(query, inline=True))).subquery()
    return (
        select(
            func.coalesce(text_hits.c.case_id, asked.c.id).label("case_id"),
            text_hits.c.rank,
            asked.c.id.is_(None).label("other"),
        )
        .select_from(text_hits.join(asked, asked.c.id == text_hits.c.case_id, full=True))
        .subquery()
    )


def _sqlite_hits(query: str) -> Subquery:
    """Every case whose messages hold every stem of ``query`` (a rank, higher is better) or whose requester
    matches (``other`` false). FTS5's bm25 ``rank`` is lower for better matches, so each word's best
    message is negated, and the words' ranks are added."""
    words = []
    for stem in dict.fromkeys(stemmed(query).split()):
        fts = (
            text("SELECT rowid AS id, rank FROM case_messages_fts WHERE case_messages_fts MATCH :word")
            .bindparams(bindparam("word", f'"{stem}"', unique=True))
            .columns(id=Integer(), rank=Float())
            .subquery()
        )
        words.append(
            select(CaseMessage.case_id, (-func.min(fts.c.rank)).label("rank"))
            .join(fts, fts.c.id == CaseMessage.id)
            .group_by(CaseMessage.case_id)
            .subquery()
        )
    first, *rest = words
    every = select(first.c.case_id, sum((w.c.rank for w in rest), first.c.rank).label("rank"))
    for word in rest:
        every = every.join(word, word.c.case_id == first.c.case_id)
    text_hits = every.subquery()
    asked = requesters(query).subquery()
    return (
        select(Case.id.label("case_id"), text_hits.c.rank, asked.c.id.is_(None).label("other"))
        .outerjoin(text_hits, text_hits.c.case_id == Case.id)
        .outerjoin(asked, asked.c.id == Case.contact_id)
        .where(or_(text_hits.c.case_id.is_not(None), asked.c.id.is_not(None)))
        .subquery()
    )


def requesters(query: str, inline: bool = False) -> Select[int]:
    """Ids of the contacts whose address, name or organisation contains ``query`` (folded case);
    ``inline``: the pattern in the statement's text, for a plan made with it (``_postgres_hits``)."""
    needle = fold(" ".join(query.split()))
    escaped = needle.replace("/", "//").replace("%", "/%").replace("_", "/_")
    pattern: BindParameter[str] = bindparam("needle", f"%{escaped}%", literal_execute=inline)
    return select(Contact.id).where(
        or_(
            *(
                folded(column).like(pattern, escape="/")
                for column in (Contact.email, Contact.name, Contact.organisation)
            )
        )
    )
