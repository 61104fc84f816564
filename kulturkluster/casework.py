"""Staff work on cases that needs more than the case store: replies go out as mail.

The CLI and the web app call these functions; each takes an open session and the services, and never
commits (the caller's unit of work does), so a reply is stored and queued together or not at all.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from cases import service as case_service
from cases import store as case_store
from cases.models import SUBSCRIPTION_TAG, Case, CaseMessage, CaseStatus, CaseTag, Direction
from inbound.answers import Answer, AnswerKind
from inbound.subject_rules import strip_prefixes
from mailer.compose import Addressing, compose, new_message_id
from mailer.render import Rendered
from subscribers import service as subscriber_service
from subscribers.models import Channel
from subscribers.service import Evidence, SubscribeOutcome
from subscribers.tokens import Purpose

from .errors import KulturklusterError
from .settings import ConfirmPolicy
from .texts import t
from .wiring import Services

_TAG = re.compile(r"\s*\[\s*KK-\d{4}-\d{3,}\s*\]\s*", re.IGNORECASE)


class CaseError(KulturklusterError):
    """A case operation that cannot be done as asked."""


def find(session: Session, reference: str) -> Case:
    try:
        return case_store.by_reference(session, reference)
    except case_store.CaseNotFound as exc:
        raise CaseError(t("cases.not_found", reference=reference)) from exc


def clean_subject(subject: str) -> str:
    """The case's subject without reply prefixes or our tag, for "SV: [KK-…] <subject>"."""
    return _TAG.sub(" ", strip_prefixes(subject)).strip() or "(inget ämne)"


@dataclass(frozen=True, slots=True)
class ReplyDraft:
    """A reply as it will be sent: the rendered mail and who it goes to, in which thread."""

    rendered: Rendered
    envelope: Addressing
    body: str


def draft_reply(svc: Services, case: Case, body: str) -> ReplyDraft:
    """The reply mail for ``body`` exactly as ``reply`` sends it (the web app's preview shows this)."""
    if not body.strip():
        raise CaseError(t("cases.empty_reply"))
    thread = [m for m in case.messages if m.direction != Direction.NOTE and m.message_id]
    last_in = next((m for m in reversed(case.messages) if m.direction == Direction.IN), None)
    to_address = (last_in.from_address if last_in else None) or case.contact.email
    org = svc.settings.org
    subject = clean_subject(case.subject)
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", body.strip()) if p.strip()]
    rendered = svc.renderer.render(
        "system/case_reply.mjml.j2",
        {
            "org": org,
            "public_url": svc.settings.public_url,
            "paragraphs": paragraphs,
            "case": {"reference": case.reference, "subject": subject},
            "recipient": {"email": to_address, "greeting_name": ""},
        },
    )
    envelope = Addressing(
        from_address=org.address,
        from_name=org.name,
        to_address=to_address,
        to_name=case.contact.name,
        message_id=new_message_id(org.domain, svc.tokens.make(Purpose.CASE, case.reference)),
        in_reply_to=last_in.message_id if last_in else None,
        references=tuple(m.message_id for m in thread[-20:] if m.message_id),
    )
    return ReplyDraft(rendered, envelope, body.strip())


def reply(
    svc: Services, session: Session, case: Case, body: str, author: str, *, close: bool = False
) -> CaseMessage:
    """Send ``body`` to the case's requester as a threaded mail from the shared address, and record it.

    The mail is queued in the caller's transaction; the caller flushes the outbox after the commit.
    """
    draft = draft_reply(svc, case, body)
    composed = compose(draft.rendered, draft.envelope, automatic=False, kind="case_reply")
    to_address = draft.envelope.to_address
    outgoing = svc.outbox.enqueue(
        session,
        composed,
        kind="case_reply",
        sender=svc.settings.org.address,
        to_address=to_address,
        automatic=False,
    )
    session.flush()
    return case_service.record_reply(
        session,
        case,
        message_id=composed.message_id,
        subject=composed.subject,
        text=draft.body,
        author=author,
        outgoing_message_id=outgoing.id,
        close=close,
    )


def set_fields(
    case: Case,
    *,
    status: str | None = None,
    focus: str | None = None,
    actor_type: str | None = None,
    assignee: str | None = None,
    tags: list[str] | None = None,
    organisation: str | None = None,
    municipality: str | None = None,
) -> None:
    """``cases set`` and the case page's field form: change what is given (None leaves a field alone)."""
    if status is not None:
        case_service.set_status(case, status)
    case_service.set_fields(case, focus=focus, actor_type=actor_type, assignee=assignee, tags=tags)
    if organisation is not None:
        case.contact.organisation = organisation.strip()
    if municipality is not None:
        case.contact.municipality = municipality.strip()


def merge(session: Session, source: Case, target: Case) -> None:
    """Move every message and tag of ``source`` into ``target``; ``source`` is closed and points there."""
    if source.id == target.id:
        raise CaseError(t("cases.merge_self", reference=source.reference))
    session.execute(update(CaseMessage).where(CaseMessage.case_id == source.id).values(case_id=target.id))
    have = set(session.scalars(select(CaseTag.tag).where(CaseTag.case_id == target.id)))
    for tag in [existing.tag for existing in source.tags if existing.tag not in have]:
        target.tags.append(CaseTag(tag=tag))
    source.merged_into_id = target.id
    case_service.set_status(source, CaseStatus.CLOSED)
    target.received_at = min(target.received_at, source.received_at)
    session.expire(target, ["messages"])


def mark_subscription(svc: Services, session: Session, case: Case, actor: str) -> SubscribeOutcome:
    """Staff judged the case a newsletter sign-up, not a question: subscribe the sender and close the case.

    The consent log names the staff member and the case, with the sender's mail as evidence. The case is
    closed and tagged ``SUBSCRIPTION_TAG``; the reports leave such cases out (they are not guidance
    work). The sender gets the same answer as a sign-up by mail (welcome, or a confirmation request when
    the list always asks for one, or "already subscribed"). The caller flushes the outbox after commit.
    """
    if any(tag.tag == SUBSCRIPTION_TAG for tag in case.tags):
        raise CaseError(t("cases.already_subscription", reference=case.reference))
    first_in = next((m for m in case.messages if m.direction == Direction.IN), None)
    address = (first_in.from_address if first_in else None) or case.contact.email
    policy = svc.settings.subscribe.confirm
    evidence = Evidence(
        channel=Channel.STAFF,
        message_id=first_in.message_id if first_in else None,
        detail=f"{actor} judged case {case.reference} to be a request to join the newsletter"[:2000],
        policy=f"confirm={policy.value}; staff judgement",
        actor=actor,
    )
    outcome = subscriber_service.subscribe(
        session, address, case.contact.name, evidence, confirm_first=policy is ConfirmPolicy.ALWAYS
    )
    kind = {
        SubscribeOutcome.ACTIVATED: AnswerKind.WELCOME,
        SubscribeOutcome.CONFIRMATION_NEEDED: AnswerKind.CONFIRM,
        SubscribeOutcome.ALREADY_ACTIVE: AnswerKind.ALREADY_SUBSCRIBED,
    }[outcome]
    thread = tuple(m.message_id for m in case.messages if m.direction != Direction.NOTE and m.message_id)
    svc.system_mailer.answer(
        session,
        Answer(
            kind=kind,
            to_address=address,
            to_name=case.contact.name,
            in_reply_to=first_in.message_id if first_in else None,
            references=thread[-20:],
            inbound_message_id=first_in.inbound_message_id if first_in else None,
        ),
    )
    case_service.set_fields(case, tags=[*(tag.tag for tag in case.tags), SUBSCRIPTION_TAG])
    case_service.add_note(session, case, t("cases.subscription_note", address=address), actor)
    case_service.set_status(case, CaseStatus.CLOSED)
    return outcome
