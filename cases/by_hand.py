"""Cases recorded by hand: guidance given by phone, at a visit, a meeting or an event (or a mail that
reached someone's own inbox). The CLI (``cases create``) and the staff app ("Nytt ärende") both call
``create``; the values arrive as text and are checked here, with Swedish errors. Never commits.

The requester may come without an address (a phone call gives a name, an organisation and a number): the
contact then has no email and never gets mail. What was asked is the case's first message, recorded by
the staff member. Guidance given in a conversation was answered there, so a case of any channel but
``epost`` has its first response at the time it happened. No receipt is sent for a case made by hand.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from kulturkluster.db import utcnow
from kulturkluster.errors import ErrorKind, KulturklusterError
from kulturkluster.texts import t
from subscribers.address import InvalidAddress, normalize_address

from . import service, store
from .models import Case, CaseMessage, CaseStatus, Channel, Contact, Direction

LOCAL_TIME = ZoneInfo("Europe/Stockholm")  # the time staff type is Swedish time
_NAME_AND_ADDRESS = re.compile(r"^\s*(.*?)\s*<([^<>]*)>\s*$")
_AT_FORMATS = ("%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d")


class InvalidHandCase(KulturklusterError):
    """A case made by hand lacks something it needs, or a value is not one of the allowed ones."""

    kind = ErrorKind.INVALID


class RequesterWithoutAddress(KulturklusterError):
    """Mail to the requester of a case made by hand who gave no address (a reply, a sign-up)."""

    kind = ErrorKind.INVALID

    def __init__(self, reference: str) -> None:
        super().__init__(t("intake.requester_without_address", reference=reference))
        self.reference = reference


@dataclass(frozen=True, slots=True)
class HandCase:
    """What staff typed: text as given (``create`` checks it)."""

    requester: str  # "Name <address>", "address" or just a name
    channel: str
    subject: str
    body: str
    at: str = ""  # when it happened, Swedish time ("2026-11-28 14:30"); empty: now
    organisation: str = ""
    phone: str = ""
    focus: str = ""
    actor_type: str = ""
    municipality: str = ""


def channel_label(value: str) -> str:
    """The Swedish name of a channel (E-post, Telefon, ...)."""
    return t(f"intake.channel.{value}") if value in Channel._value2member_map_ else value


def parse_requester(value: str) -> tuple[str, str | None]:
    """(name, normalised address or None) from "Name <address>", a bare address or a bare name."""
    text = " ".join(value.split())
    found = _NAME_AND_ADDRESS.match(text)
    name, address = (found.group(1).strip('"'), found.group(2).strip()) if found else (text, "")
    if not found and "@" in text and " " not in text:
        name, address = "", text
    try:
        email = normalize_address(address) if address else None
    except InvalidAddress as exc:
        raise InvalidHandCase(t("intake.bad_address", value=address, why=exc.why)) from None
    return name[:200], email


def parse_at(value: str, now: datetime | None = None) -> datetime:
    """The moment typed in Swedish time, in UTC; empty means now. Not in the future."""
    now = now or utcnow()
    text = value.strip()
    if not text:
        return now
    for pattern in _AT_FORMATS:
        try:
            moment = datetime.strptime(text, pattern).replace(tzinfo=LOCAL_TIME)
            break
        except ValueError:
            continue
    else:
        raise InvalidHandCase(t("intake.bad_at", value=value))
    if moment > now:
        raise InvalidHandCase(t("intake.future_at", value=value))
    return moment.astimezone(now.tzinfo)


def parse_channel(value: str) -> Channel:
    cleaned = value.strip().lower().replace("ö", "o").replace("é", "e").replace("-", "")
    try:
        return Channel(cleaned)
    except ValueError:
        allowed = ", ".join(member.value for member in Channel)
        raise InvalidHandCase(t("intake.bad_channel", value=value, allowed=allowed)) from None


def create(session: Session, spec: HandCase, author: str) -> Case:
    """Check ``spec`` and open the case it describes, recorded by ``author``; raises InvalidHandCase."""
    name, email = parse_requester(spec.requester)
    channel = parse_channel(spec.channel)
    subject, body = " ".join(spec.subject.split()), spec.body.strip()
    organisation, phone = " ".join(spec.organisation.split()), " ".join(spec.phone.split())[:40]
    if not (name or email):
        raise InvalidHandCase(t("intake.no_requester"))
    if not subject:
        raise InvalidHandCase(t("intake.no_subject"))
    if not body:
        raise InvalidHandCase(t("intake.no_body"))
    received_at = parse_at(spec.at)
    contact = _contact(session, name, email)
    case = Case(
        reference=store.next_reference(session, received_at.year),
        contact=contact,
        subject=subject[:2000],
        status=CaseStatus.NEW,
        channel=channel.value,
        received_at=received_at,
        updated_at=utcnow(),
        first_response_at=None if channel is Channel.EMAIL else received_at,
    )
    session.add(case)
    service.set_fields(
        case,
        focus=spec.focus or None,
        actor_type=spec.actor_type or None,
        organisation=organisation or None,
        municipality=spec.municipality or None,
    )
    if phone:
        contact.phone = phone
    session.flush()
    question = CaseMessage(
        case_id=case.id,
        direction=Direction.IN,
        from_address=email,
        author=author[:120],
        subject=subject[:2000],
        text=body,
        created_at=received_at,
    )
    service.index(session, question)
    session.add(question)
    return case


def _contact(session: Session, name: str, email: str | None) -> Contact:
    if email is not None:
        return store.contact_for(session, email, name)
    contact = Contact(email=None, name=name)  # no address to know them by: a contact of its own
    session.add(contact)
    return contact
