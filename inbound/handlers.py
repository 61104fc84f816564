"""What happens for each route, inside the pipeline's transaction.

Handlers change the list (through ``subscribers.service``) and return the answers to send; they never
commit and never send. Routes without a handler here (bounce, auto_reply, cases) are stored and filed.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from cases import service as case_service
from cases.attachments import AttachmentStore
from cases.models import Case
from cases.service import InboundMail
from cases.thread_match import Action, SiblingMatch
from kulturkluster.settings import ConfirmPolicy
from subscribers import service
from subscribers.address import local_part
from subscribers.models import Channel
from subscribers.service import ConfirmOutcome, Evidence, SubscribeOutcome, UnsubscribeOutcome
from subscribers.tokens import Purpose, ReturnPaths, TokenSigner

from . import signals
from .answers import Answer, AnswerKind, answers_our_automatic_mail
from .authres import dmarc_pass
from .batch import BatchCache
from .classify import ClassifyContext, Decision, Route
from .message import ParsedMail
from .subject_rules import strip_prefixes


@dataclass(frozen=True, slots=True)
class HandlerConfig:
    confirm_policy: ConfirmPolicy
    trusted_authserv_id: str
    attachments: AttachmentStore
    tokens: TokenSigner
    reopen_window: timedelta = timedelta(days=30)
    bounce_threshold: float = 3.0
    automatic_subjects: frozenset[str] = frozenset()  # subjects of our automatic answers
    return_paths: ReturnPaths | None = None  # VERP: bounces to these name their subscriber


@dataclass(frozen=True, slots=True)
class Incoming:
    """Everything a handler may look at: the stored row's id, the parsed mail (parsed once: handlers never
    read the raw bytes), how it was routed and on which facts, and the batch's shared lookups."""

    row_id: int
    mail: ParsedMail
    decision: Decision
    context: ClassifyContext
    received_at: datetime
    batch: BatchCache = field(default_factory=BatchCache)


Handler = Callable[[Session, Incoming, HandlerConfig], list[Answer]]


def _reply(incoming: Incoming, kind: AnswerKind, to: str) -> Answer:
    mail = incoming.mail
    return Answer(
        kind=kind,
        to_address=to,
        to_name=mail.from_name,
        in_reply_to=mail.message_id,
        references=mail.references,
        inbound_message_id=incoming.row_id,
    )


def _evidence(incoming: Incoming, channel: Channel, policy: str | None = None) -> Evidence:
    mail = incoming.mail
    trail = "; ".join(mail.authentication_results[:1]) or "no Authentication-Results"
    return Evidence(
        channel=channel,
        message_id=mail.message_id,
        detail=f"{incoming.decision.reason}. From: {mail.from_address}. {trail}"[:2000],
        policy=policy,
    )


def handle_subscribe(session: Session, incoming: Incoming, config: HandlerConfig) -> list[Answer]:
    mail = incoming.mail
    assert mail.from_address
    verified = dmarc_pass(mail.authentication_results, config.trusted_authserv_id, mail.from_domain)
    confirm_first = service.needs_confirmation(config.confirm_policy, verified)
    policy = f"confirm={config.confirm_policy.value}; dmarc={'pass' if verified else 'unverified'}"
    outcome = service.subscribe(
        session,
        mail.from_address,
        mail.from_name,
        _evidence(incoming, Channel.EMAIL, policy),
        confirm_first=confirm_first,
        cache=incoming.batch.subscribers,
    )
    kind = {
        SubscribeOutcome.ACTIVATED: AnswerKind.WELCOME,
        SubscribeOutcome.CONFIRMATION_NEEDED: AnswerKind.CONFIRM,
        SubscribeOutcome.ALREADY_ACTIVE: AnswerKind.ALREADY_SUBSCRIBED,
    }[outcome]
    return [_reply(incoming, kind, mail.from_address)]


def handle_confirm(session: Session, incoming: Incoming, _config: HandlerConfig) -> list[Answer]:
    address = incoming.context.confirm_address
    assert address
    evidence = _evidence(incoming, Channel.EMAIL, "token in reply")
    outcome = service.confirm(session, address, evidence, cache=incoming.batch.subscribers)
    return [_reply(incoming, AnswerKind.WELCOME, address)] if outcome is ConfirmOutcome.ACTIVATED else []


def handle_unsubscribe(session: Session, incoming: Incoming, _config: HandlerConfig) -> list[Answer]:
    mail = incoming.mail
    by_token = incoming.context.unsubscribe_address
    address = by_token or mail.from_address
    assert address
    channel = Channel.LIST_UNSUBSCRIBE if by_token else Channel.EMAIL
    outcome = service.unsubscribe(
        session, address, _evidence(incoming, channel), cache=incoming.batch.subscribers
    )
    if outcome is not UnsubscribeOutcome.UNSUBSCRIBED or signals.auto_submitted(mail):
        return []
    return [_reply(incoming, AnswerKind.GOODBYE, address)]


def handle_bounce(session: Session, incoming: Incoming, config: HandlerConfig) -> list[Answer]:
    """Complaints unsubscribe at once; failures are scored against the address they concern.

    The address comes first from our own signed tokens in the returned message (nobody can forge those),
    then from what the detectors found; addresses not on the list change nothing.
    """
    mail = incoming.mail
    evidence = _evidence(incoming, Channel.SYSTEM)
    if mail.complaint_addresses or (mail.report_type or "").lower() == "feedback-report":
        for address in mail.complaint_addresses:
            service.complain(session, address, evidence, cache=incoming.batch.subscribers)
        return []
    tokened = {
        claim.address
        for claim in config.tokens.find(mail.bounce_texts())
        if claim.purpose in {Purpose.CONFIRM, Purpose.UNSUBSCRIBE}
    }
    tokened.update(service.emails_by_id(session, incoming.context.return_path_ids).values())
    permanent, temporary = set(mail.bounce.permanent), set(mail.bounce.temporary) - mail.bounce.permanent
    # A token names the address for sure; a failure of unknown kind counts as permanent.
    (temporary if temporary and not permanent else permanent).update(tokened)
    for address in sorted(permanent):
        service.record_bounce(
            session,
            address,
            permanent=True,
            evidence=evidence,
            threshold=config.bounce_threshold,
            cache=incoming.batch.subscribers,
        )
    for address in sorted(temporary):
        service.record_bounce(
            session,
            address,
            permanent=False,
            evidence=evidence,
            threshold=config.bounce_threshold,
            cache=incoming.batch.subscribers,
        )
    return []


_NO_REPLY = re.compile(
    r"^(no-?reply|do-?not-?reply|noreply[.+_-].*|no-?reply[.+_-].*|bounces?([.+_-].*)?)$", re.I
)


def handle_case(session: Session, incoming: Incoming, config: HandlerConfig) -> list[Answer]:
    """Thread the mail into the case the pipeline matched when routing it (``context.case_match``), or
    open a new case and send a receipt with the reference."""
    mail = incoming.mail
    sender = mail.sender()
    inbound = InboundMail(
        row_id=incoming.row_id,
        message_id=mail.message_id,
        from_address=sender,
        subject=mail.subject,
        text=mail.text,
        html=mail.html,
        attachments=[(a.filename, a.content_type, a.data) for a in mail.attachments],
    )
    joined, follows = _matched_case(session, incoming)
    if joined is not None:
        case_service.add_inbound(session, joined, inbound, config.attachments)
        incoming.batch.joined_case(mail.message_id, joined)
        return []
    case = case_service.open_case(
        session, sender, mail.from_name, mail.subject, incoming.received_at, incoming.batch.cases
    )
    case.follows_case_id = follows
    case_service.add_inbound(session, case, inbound, config.attachments)
    incoming.batch.joined_case(mail.message_id, case)
    replies_to_us = answers_our_automatic_mail(mail.in_reply_to) or (
        strip_prefixes(mail.subject) in config.automatic_subjects
    )
    if _NO_REPLY.match(local_part(sender)) or replies_to_us:
        return []  # a reply to our own automatic answer gets none: that is how mail loops start
    receipt = _reply(incoming, AnswerKind.RECEIPT, sender)
    return [replace(receipt, case_reference=case.reference, case_subject=mail.subject or "(inget ämne)")]


def _matched_case(session: Session, incoming: Incoming) -> tuple[Case | None, int | None]:
    """The case to add the mail to (reopened if the match says so), else the id of the case a new one
    follows (None for none)."""
    match = incoming.context.case_match
    if isinstance(match, SiblingMatch):
        sibling_case = incoming.batch.case_joined_by(match.message_id)
        if sibling_case is not None:
            return sibling_case, None
        match = match.otherwise  # that mail's handling failed: what the store knew when routing
    if match is None:
        return None, None
    if match.action is Action.FOLLOW_UP:
        return None, match.case_id
    case = session.get_one(Case, match.case_id)
    if match.action is Action.REOPEN:
        case_service.reopen(case)
    return case, None


HANDLERS: dict[Route, Handler] = {
    Route.SUBSCRIBE: handle_subscribe,
    Route.CONFIRM: handle_confirm,
    Route.UNSUBSCRIBE: handle_unsubscribe,
    Route.NEW_CASE: handle_case,
    Route.BOUNCE: handle_bounce,
    Route.CASE_REPLY: handle_case,
}
