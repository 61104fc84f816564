"""A case's context: the requester's other cases and their organisation's other cases (newest first)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from kulturkluster.db import fold, folded

from .models import Case, Contact

LIMIT = 20  # per list; the page links to the search for the rest


@dataclass(frozen=True, slots=True)
class RelatedCase:
    reference: str
    subject: str
    status: str
    received_at: datetime
    requester: str  # name, or address without one (or "" for a phone case with neither)


@dataclass(frozen=True, slots=True)
class Related:
    requester: list[RelatedCase]
    organisation: list[RelatedCase]  # other requesters of the same organisation


def related(session: Session, case: Case, limit: int = LIMIT) -> Related:
    base = (
        select(Case.reference, Case.subject, Case.status, Case.received_at, Contact.name, Contact.email)
        .join(Contact, Contact.id == Case.contact_id)
        .where(Case.id != case.id, Case.merged_into_id.is_(None))
        .order_by(Case.received_at.desc(), Case.id.desc())
        .limit(limit)
    )
    own = _rows(session, base.where(Case.contact_id == case.contact_id))
    organisation = " ".join(case.contact.organisation.split())
    colleagues: list[RelatedCase] = []
    if organisation:
        same = select(Contact.id).where(
            folded(func.trim(Contact.organisation)) == fold(organisation), Contact.id != case.contact_id
        )
        colleagues = _rows(session, base.where(Case.contact_id.in_(same)))
    return Related(own, colleagues)


def _rows(session: Session, query: Select[str, str, str, datetime, str, str | None]) -> list[RelatedCase]:
    return [
        RelatedCase(reference, subject, status, received, name or email or "")
        for reference, subject, status, received, name, email in session.execute(query)
    ]
