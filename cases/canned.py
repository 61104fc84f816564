"""Canned answers ("svarsmallar"): stored texts with placeholders that start a reply. Never commits.

A template's text names values in braces: ``{förnamn}`` (the requester's first name), ``{ärende}`` (the
case's reference) and ``{handläggare}`` (the name of the staff member who answers). Filling is a plain
search and replace, not ``str.format``: a template can reach no attribute or index of anything, a
placeholder we do not know is refused with its name, and ``{{`` / ``}}`` write a literal brace.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kulturkluster.db import utcnow
from kulturkluster.errors import ErrorKind, KulturklusterError
from kulturkluster.texts import t

from .models import Case, ReplyTemplate

FIRST_NAME, REFERENCE, STAFF_NAME = "förnamn", "ärende", "handläggare"
PLACEHOLDERS = (FIRST_NAME, REFERENCE, STAFF_NAME)
MAX_NAME = 120
MAX_BODY = 20_000

# A doubled brace, or one placeholder: braces around anything but braces and line breaks.
_TOKEN = re.compile(r"\{\{|\}\}|( ?)\{([^{}\n]*)\}")  # with the space before it


class UnknownPlaceholder(KulturklusterError):
    """A template names a placeholder we cannot fill."""

    kind = ErrorKind.INVALID

    def __init__(self, name: str) -> None:
        *first, last = (f"{{{p}}}" for p in PLACEHOLDERS)
        known = f"{', '.join(first)} och {last}"
        super().__init__(t("answering.unknown_placeholder", name=name[:60], known=known))
        self.name = name


class InvalidTemplate(KulturklusterError):
    """A template without a name or a text, or one that is too long."""

    kind = ErrorKind.INVALID


class DuplicateTemplate(KulturklusterError):
    """Another template already has this name."""

    kind = ErrorKind.CONFLICT


class TemplateNotFound(KulturklusterError):
    """No template has this id or name."""

    kind = ErrorKind.NOT_FOUND


def fill(text: str, values: Mapping[str, str]) -> str:
    """``text`` with each ``{placeholder}`` replaced by its value (``UnknownPlaceholder`` for the rest).
    An empty value takes the space before it along: "Hej {förnamn}!" without a known name is "Hej!"."""

    def replace(match: re.Match[str]) -> str:
        token = match.group(0)
        if token in ("{{", "}}"):
            return token[0]
        space, name = match.group(1), match.group(2).strip()
        if name not in values:
            raise UnknownPlaceholder(name)
        return space + values[name] if values[name] else ""

    return _TOKEN.sub(replace, text)


def first_name(name: str) -> str:
    """The first name in "Gunilla Berg", "Berg, Gunilla" or "Maria Lind, Teater Vingen" (a name, then the
    organisation); "" when no name is known."""
    before, comma, after = name.partition(",")
    reversed_order = bool(comma and after.strip()) and len(before.split()) == 1  # "Berg, Gunilla"
    words = (after if reversed_order else before).split()
    return words[0] if words else ""


def values_for(case: Case, staff_name: str) -> dict[str, str]:
    return {
        FIRST_NAME: first_name(case.contact.name or ""),
        REFERENCE: case.reference,
        STAFF_NAME: staff_name,
    }


@dataclass(frozen=True, slots=True)
class TemplateText:
    """What staff type for a template, checked: a name and a text whose placeholders we all know."""

    name: str
    body: str

    @classmethod
    def checked(cls, name: str, body: str) -> TemplateText:
        name, body = " ".join(name.split()), body.replace("\r\n", "\n").strip()
        if not name:
            raise InvalidTemplate(t("answering.name_missing"))
        if len(name) > MAX_NAME:
            raise InvalidTemplate(t("answering.name_too_long", limit=MAX_NAME))
        if not body:
            raise InvalidTemplate(t("answering.body_missing"))
        if len(body) > MAX_BODY:
            raise InvalidTemplate(t("answering.body_too_long", limit=MAX_BODY))
        fill(body, dict.fromkeys(PLACEHOLDERS, ""))  # names an unknown placeholder now, not at reply time
        return cls(name, body)


def all_templates(session: Session) -> list[ReplyTemplate]:
    return list(session.scalars(select(ReplyTemplate).order_by(func.lower(ReplyTemplate.name))))


def by_id(session: Session, template_id: int) -> ReplyTemplate:
    found = session.get(ReplyTemplate, template_id)
    if found is None:
        raise TemplateNotFound(t("answering.not_found", name=str(template_id)))
    return found


def by_name(session: Session, name: str) -> ReplyTemplate:
    wanted = " ".join(name.split()).lower()
    found = next((tpl for tpl in all_templates(session) if tpl.name.lower() == wanted), None)
    if found is None:
        raise TemplateNotFound(t("answering.not_found", name=name[:MAX_NAME]))
    return found


def _refuse_duplicate(session: Session, name: str, keep: int | None) -> None:
    for other in all_templates(session):
        if other.name.lower() == name.lower() and other.id != keep:
            raise DuplicateTemplate(t("answering.duplicate", name=name))


def add(session: Session, text: TemplateText, author: str) -> ReplyTemplate:
    _refuse_duplicate(session, text.name, None)
    template = ReplyTemplate(name=text.name, body=text.body, updated_by=author, updated_at=utcnow())
    session.add(template)
    session.flush()
    return template


def update(session: Session, template: ReplyTemplate, text: TemplateText, author: str) -> None:
    _refuse_duplicate(session, text.name, template.id)
    template.name, template.body = text.name, text.body
    template.updated_by, template.updated_at = author, utcnow()


def remove(session: Session, template: ReplyTemplate) -> None:
    session.delete(template)
