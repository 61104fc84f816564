"""Where a message goes: an ordered tuple of small named rules over plain data.

``classify`` is pure. What it needs from the database or the settings (our addresses, whether the message
answers a known thread, which of our signed tokens it carries) is computed by the pipeline beforehand and
handed in as a ``ClassifyContext``. The first rule that matches decides; its name and reason are stored with
the message so staff can always see why a mail went where it went.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from cases.thread_match import Action, CaseMatch

from . import signals
from .message import ParsedMail
from .staff_mail import StaffMail
from .subject_rules import SubjectCommand, subject_command


class Route(StrEnum):
    SUBSCRIBE = "subscribe"
    UNSUBSCRIBE = "unsubscribe"
    CONFIRM = "confirm"
    BOUNCE = "bounce"
    AUTO_REPLY = "auto_reply"
    CASE_REPLY = "case_reply"
    NEW_CASE = "new_case"
    QUARANTINE = "quarantine"


@dataclass(frozen=True, slots=True)
class ClassifyContext:
    """Facts about a message that need the database or settings, gathered before classification."""

    own_addresses: frozenset[str] = frozenset()
    confirm_address: str | None = None  # address named by a valid confirmation token the mail carries
    unsubscribe_address: str | None = None  # address named by a valid unsubscribe token in the subject
    case_match: CaseMatch | None = None  # the case this mail threads into (cases.thread_match decided)
    case_references: tuple[str, ...] = ()  # case references named by our signed tokens in the thread
    return_path_ids: tuple[int, ...] = ()  # subscribers named by our VERP return path it was delivered to
    # Our marker header carries our seal over its kind and this mail's Message-ID (anyone can add the marker).
    our_marker_sealed: bool = False
    staff_mail: StaffMail | None = None  # written by staff or as the shared mailbox (inbound.staff_mail)


@dataclass(frozen=True, slots=True)
class Decision:
    route: Route
    rule: str
    reason: str


Check = Callable[[ParsedMail, ClassifyContext], str | None]


@dataclass(frozen=True, slots=True)
class Rule:
    name: str
    route: Route
    check: Check
    description: str


def _sig(fn: Callable[[ParsedMail], str | None]) -> Check:
    return lambda mail, _ctx: fn(mail)


def _from_ourselves(mail: ParsedMail, ctx: ClassifyContext) -> str | None:
    sender = (mail.from_address or "").lower()
    return f"sent from our own address {sender}" if sender and sender in ctx.own_addresses else None


def _staff_reply(_mail: ParsedMail, ctx: ClassifyContext) -> str | None:
    staff = ctx.staff_mail
    return staff.reason if staff and staff.case_id is not None else None


def _staff_mail(mail: ParsedMail, ctx: ClassifyContext) -> str | None:
    staff = ctx.staff_mail
    if staff is None or staff.case_id is not None or subject_command(mail.subject)[0] is not None:
        return None  # staff may sign up for the newsletter like anyone
    return staff.reason


def _no_sender(mail: ParsedMail, _ctx: ClassifyContext) -> str | None:
    return None if mail.from_address else "no usable From address"


def _verp(_mail: ParsedMail, ctx: ClassifyContext) -> str | None:
    if ctx.return_path_ids:
        return f"delivered to the return path of subscriber {ctx.return_path_ids[0]}"
    return None


def _confirm_token(_mail: ParsedMail, ctx: ClassifyContext) -> str | None:
    if ctx.confirm_address:
        return f"answers our confirmation request to {ctx.confirm_address}"
    return None


def _unsubscribe_token(_mail: ParsedMail, ctx: ClassifyContext) -> str | None:
    if ctx.unsubscribe_address:
        return f"carries a signed unsubscribe token for {ctx.unsubscribe_address}"
    return None


def _case_thread(_mail: ParsedMail, ctx: ClassifyContext) -> str | None:
    match = ctx.case_match
    return match.reason if match and match.action is not Action.FOLLOW_UP else None


def _follows_closed_case(_mail: ParsedMail, ctx: ClassifyContext) -> str | None:
    match = ctx.case_match
    return match.reason if match and match.action is Action.FOLLOW_UP else None


def _our_marker(mail: ParsedMail, ctx: ClassifyContext) -> str | None:
    # A forged or copied marker counts for nothing: the mail is classified as if it had none.
    return signals.our_marker(mail) if ctx.our_marker_sealed else None


def _subject_is(command: SubjectCommand) -> Check:
    def check(mail: ParsedMail, _ctx: ClassifyContext) -> str | None:
        found, reason = subject_command(mail.subject)
        return reason if found is command else None

    return check


def _new_case(mail: ParsedMail, _ctx: ClassifyContext) -> str:
    _found, reason = subject_command(mail.subject)
    return f"a question from a person ({reason})"


RULES: tuple[Rule, ...] = (
    Rule("our_marker", Route.AUTO_REPLY, _our_marker, "mail we sent ourselves, come back"),
    Rule(
        "staff_reply",
        Route.CASE_REPLY,
        _staff_reply,
        "staff answered the requester from their own mail program: recorded as their reply",
    ),
    Rule("from_ourselves", Route.AUTO_REPLY, _from_ourselves, "From is the shared mailbox itself"),
    Rule(
        "spam_complaint",
        Route.BOUNCE,
        _sig(signals.spam_complaint),
        "ARF feedback report from a mailbox provider",
    ),
    Rule(
        "bounce_detected",
        Route.BOUNCE,
        _sig(signals.detected_failures),
        "flufl.bounce found failed addresses",
    ),
    Rule(
        "delivery_report", Route.BOUNCE, _sig(signals.delivery_report), "RFC 3464 DSN or X-Failed-Recipients"
    ),
    Rule(
        "mailer_daemon", Route.BOUNCE, _sig(signals.from_mailer_daemon), "failure notice from MAILER-DAEMON"
    ),
    Rule("failure_subject", Route.BOUNCE, _sig(signals.failure_subject), "a failed-delivery subject"),
    # Before the automatic-mail rules: some mail programs send the mailto unsubscribe as automatic mail.
    Rule("unsubscribe_token", Route.UNSUBSCRIBE, _unsubscribe_token, "our List-Unsubscribe mailto link"),
    Rule("auto_submitted", Route.AUTO_REPLY, _sig(signals.auto_submitted), "RFC 3834 Auto-Submitted"),
    Rule("read_receipt", Route.AUTO_REPLY, _sig(signals.read_receipt), "RFC 8098 read receipt"),
    Rule("autoreply_header", Route.AUTO_REPLY, _sig(signals.autoreply_header), "X-Autoreply / X-Autorespond"),
    Rule(
        "auto_response_suppress",
        Route.AUTO_REPLY,
        _sig(signals.auto_response_suppress),
        "Exchange's X-Auto-Response-Suppress",
    ),
    Rule(
        "precedence", Route.AUTO_REPLY, _sig(signals.bulk_precedence), "Precedence auto_reply/bulk/junk/list"
    ),
    Rule(
        "out_of_office",
        Route.AUTO_REPLY,
        _sig(signals.out_of_office_subject),
        "out-of-office subject (Swedish, English, German, Norwegian)",
    ),
    Rule(
        "auto_generated_subject",
        Route.AUTO_REPLY,
        _sig(signals.auto_generated_subject),
        "a subject that says the mail was generated ([AUTO GENERATED])",
    ),
    # Only bounces (and automatic replies, caught above) go to a newsletter's envelope sender; people
    # answer From. A failure report no detector understood is still a bounce.
    Rule("verp_return_path", Route.BOUNCE, _verp, "sent to a newsletter's return path (VERP)"),
    Rule("null_sender", Route.AUTO_REPLY, _sig(signals.empty_return_path), "empty Return-Path"),
    Rule("no_sender", Route.QUARANTINE, _no_sender, "no From address to act on"),
    Rule("confirm_token", Route.CONFIRM, _confirm_token, "reply to a confirmation request"),
    # After the automatic-mail rules (a staff member's out-of-office is automatic mail like any other).
    Rule("staff_mail", Route.AUTO_REPLY, _staff_mail, "mail from staff that answers no requester: no case"),
    Rule("case_thread", Route.CASE_REPLY, _case_thread, "reply in a case's thread"),
    Rule("follows_closed_case", Route.NEW_CASE, _follows_closed_case, "reply to a case closed long ago"),
    Rule(
        "unsubscribe_subject",
        Route.UNSUBSCRIBE,
        _subject_is(SubjectCommand.UNSUBSCRIBE),
        "subject is an unsubscribe command",
    ),
    Rule(
        "subscribe_subject",
        Route.SUBSCRIBE,
        _subject_is(SubjectCommand.SUBSCRIBE),
        "subject asks to subscribe",
    ),
    Rule("new_case", Route.NEW_CASE, _new_case, "everything else is a question"),
)


def classify(mail: ParsedMail, ctx: ClassifyContext, rules: tuple[Rule, ...] = RULES) -> Decision:
    """The first matching rule's route, name and reason."""
    for rule in rules:
        reason = rule.check(mail, ctx)
        if reason:
            return Decision(rule.route, rule.name, reason)
    raise AssertionError("the last rule matches every message")
