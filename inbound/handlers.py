"""What happens for each route, inside the pipeline's transaction.

The list handlers are thin adapters: they gather from the mail who asked and on what evidence, call the
use case in ``subscribers.requests`` or ``subscribers.bounces``, and return the answers to send; they
never commit and never send. Routes without a handler here (auto_reply, quarantine) are stored and filed.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from cases import service as case_service
from cases import store as case_store
from cases.attachments import AttachmentStore
from cases.models import Case, CaseStatus
from cases.service import InboundMail
from cases.thread_match import Action, SiblingMatch
from kulturkluster.answers import Answer, AnswerKind, answers_our_automatic_mail
from kulturkluster.errors import ErrorKind, KulturklusterError
from kulturkluster.settings import ConfirmPolicy, UnsubscribeConfirm
from kulturkluster.subjects import strip_prefixes
from kulturkluster.texts import SV, t
from mailer import sent_messages
from subscribers import bounces, requests
from subscribers.address import local_part, normalize_address
from subscribers.models import Channel
from subscribers.service import Evidence
from subscribers.tokens import Purpose, ReturnPaths, TokenSigner

from . import signals, staff_mail
from .authres import dmarc_pass
from .batch import BatchCache
from .classify import ClassifyContext, Decision, Route
from .message import ParsedMail
from .models import InboundMessage


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
    unsubscribe_confirm: UnsubscribeConfirm = UnsubscribeConfirm.AUTO
    new_cases_per_sender_per_day: int = 3


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
    trail = "; ".join(mail.authentication_results[:1]) or t("evaluation.evidence_no_auth")
    decision = incoming.decision
    detail = t(
        "evaluation.evidence_mail",
        rule=t(f"rule.{decision.rule}") if f"rule.{decision.rule}" in SV else decision.rule,
        sender=mail.from_address,
        reason=decision.reason,
        trail=trail,
    )
    return Evidence(
        channel=channel,
        message_id=mail.message_id,
        detail=detail[:2000],
        policy=policy,
    )


class MissingAddress(KulturklusterError):
    """A list command routed to a handler without the address it concerns (a classifier bug, not mail)."""

    kind = ErrorKind.INVALID

    def __init__(self, route: Route, row_id: int) -> None:
        super().__init__(t("inbound.no_address", route=route.value))
        self.route = route
        self.row_id = row_id


def _requester(incoming: Incoming, address: str | None) -> requests.Requester:
    """Who asked, answered in the mail's own thread."""
    if not address:
        raise MissingAddress(incoming.decision.route, incoming.row_id)
    mail = incoming.mail
    return requests.Requester(
        address=address,
        name=mail.from_name,
        in_reply_to=mail.message_id,
        references=mail.references,
        inbound_message_id=incoming.row_id,
    )


def handle_subscribe(session: Session, incoming: Incoming, config: HandlerConfig) -> list[Answer]:
    mail = incoming.mail
    requester = _requester(incoming, mail.from_address)
    verified = dmarc_pass(mail.authentication_results, config.trusted_authserv_id, mail.from_domain)
    _outcome, answer = requests.subscribe_by_request(
        session,
        requester,
        _evidence(incoming, Channel.EMAIL),
        config.confirm_policy,
        verified=verified,
        verified_how=f"dmarc={'pass' if verified else 'unverified'}",
        cache=incoming.batch.subscribers,
    )
    return [answer]


def handle_confirm(session: Session, incoming: Incoming, _config: HandlerConfig) -> list[Answer]:
    requester = _requester(incoming, incoming.context.confirm_address)
    evidence = _evidence(incoming, Channel.EMAIL, "token in reply")
    _outcome, answer = requests.confirm(session, requester, evidence, cache=incoming.batch.subscribers)
    return [answer] if answer is not None else []


def handle_unsubscribe(session: Session, incoming: Incoming, config: HandlerConfig) -> list[Answer]:
    """At once with proof (our signed token, or a DMARC pass from the trusted server under ``auto``);
    otherwise the person confirms by replying."""
    mail = incoming.mail
    by_token = incoming.context.unsubscribe_address
    requester = _requester(incoming, by_token or mail.from_address)
    channel = Channel.LIST_UNSUBSCRIBE if by_token else Channel.EMAIL
    dmarc = dmarc_pass(mail.authentication_results, config.trusted_authserv_id, mail.from_domain)
    never = config.unsubscribe_confirm is UnsubscribeConfirm.NEVER
    how = "signed token" if by_token else f"dmarc={'pass' if dmarc else 'unverified'}"
    evidence = _evidence(incoming, channel, f"unsubscribe confirm={config.unsubscribe_confirm.value}; {how}")
    # No goodbye to a robot: an automatic "unsubscribe" would answer it, and on it goes.
    goodbye = not signals.auto_submitted(mail)
    _outcome, answer = requests.unsubscribe_by_mail(
        session,
        requester,
        evidence,
        proven=bool(by_token) or dmarc or never,
        goodbye=goodbye,
        cache=incoming.batch.subscribers,
    )
    return [answer] if answer is not None else []


def handle_bounce(session: Session, incoming: Incoming, config: HandlerConfig) -> list[Answer]:
    """Gather what ties a returned mail to mail we sent; ``subscribers.bounces`` decides what it means.

    Our own signed tokens in the returned message, VERP return paths and our Message-IDs quoted in the
    returned part name an address for sure (nobody else can know them); what the detectors found only
    says what kind of failure it was. The stored mail's reason says what was done, or why nothing was.
    """
    mail = incoming.mail
    texts = mail.bounce_texts()
    tokened = frozenset(
        claim.address
        for claim in config.tokens.find(texts)
        if claim.purpose in {Purpose.CONFIRM, Purpose.UNSUBSCRIBE}
    )
    quoted = {mid for text in texts for mid in _QUOTED_MSGID.findall(text)} - {mail.message_id}
    report = bounces.DeliveryReport(
        complaint=bool(mail.complaint_addresses) or (mail.report_type or "").lower() == "feedback-report",
        complaint_addresses=tuple(mail.complaint_addresses),
        permanent=frozenset(mail.bounce.permanent),
        temporary=frozenset(mail.bounce.temporary),
        named=tokened,
        named_ids=tuple(incoming.context.return_path_ids),
        sent_to=frozenset(sent_messages.recipients(session, quoted).values()),
    )
    evidence = _evidence(incoming, Channel.SYSTEM)
    done = bounces.apply_report(
        session, report, evidence, threshold=config.bounce_threshold, cache=incoming.batch.subscribers
    )
    row = session.get(InboundMessage, incoming.row_id)
    if row is not None:
        row.reason = f"{row.reason}; {done}"[:2000]
    return []


# A Message-ID header line of the returned message (or of its headers), wherever the report quotes it.
_QUOTED_MSGID = re.compile(r"^[ \t>]*Message-ID:[ \t]*<([^<>\s]{1,250})>", re.I | re.M)


_NO_REPLY = re.compile(
    r"^(no-?reply|do-?not-?reply|noreply[.+_-].*|no-?reply[.+_-].*|bounces?([.+_-].*)?)$", re.I
)


def handle_case(session: Session, incoming: Incoming, config: HandlerConfig) -> list[Answer]:
    """Thread the mail into the case the pipeline matched when routing it (``context.case_match``), or
    open a new case and send a receipt with the reference. A staff member's reply from their own mail
    program is recorded as theirs (``inbound.staff_mail``)."""
    mail = incoming.mail
    staff = incoming.context.staff_mail
    if staff is not None and staff.case_id is not None:
        case = staff_mail.record(session, staff, mail, config.attachments, inbound_row_id=incoming.row_id)
        incoming.batch.joined_case(mail.message_id, case)
        return []
    sender = mail.sender()
    inbound = InboundMail(
        row_id=incoming.row_id,
        message_id=mail.message_id,
        from_address=sender,
        subject=mail.subject,
        text=mail.text,
        html=mail.html,
        attachments=[(a.filename, a.content_type, a.spooled or a.data) for a in mail.attachments],
    )
    joined, follows = _matched_case(session, incoming)
    if joined is None and follows is None:
        joined = _chatty_sender_case(session, incoming, sender, config.new_cases_per_sender_per_day)
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
    return [
        replace(receipt, case_reference=case.reference, case_subject=mail.subject or t("cases.no_subject"))
    ]


def _chatty_sender_case(session: Session, incoming: Incoming, sender: str, limit: int) -> Case | None:
    """The newest open case of a sender that already opened ``limit`` in 24 hours (a rude autoresponder
    changes its subject every time), counting cases opened earlier in this batch (not flushed yet)."""
    address = normalize_address(sender)
    contacts = incoming.batch.cases.contacts
    # The batch preloaded the contacts: one that is not stored yet has no stored cases to count.
    new_contact = address in contacts and getattr(contacts[address], "id", None) is None
    stored: list[Case] = []
    if not new_contact:
        stored = case_store.opened_since(session, address, incoming.received_at - timedelta(days=1))
    recent = [*reversed(incoming.batch.opened_for(address)), *stored]
    if len(recent) < limit:
        return None
    return next((c for c in recent if c.status != CaseStatus.CLOSED), None)


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
