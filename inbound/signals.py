"""Header and subject signals of automatic mail: auto-replies, list mail, bounces.

Each function answers one question about a ParsedMail with a reason string (or None), so the classifier's
rules stay one line each and every signal is testable alone.
"""

from __future__ import annotations

import re

from kulturkluster.answers import OUR_MARKER_HEADER
from subscribers.address import local_part

from .bounce import DAEMON_LOCALS, FAILURE_EVIDENCE, FAILURE_SUBJECT, SYSTEM_LOCALS
from .message import ParsedMail

_AUTO_PRECEDENCE = frozenset({"auto_reply", "bulk", "junk", "list"})
_OUT_OF_OFFICE = re.compile(
    r"^\s*(?:automatiskt svar|autosvar|automatisk svar|automatic reply|auto[- ]?reply|autoreply|"
    r"out of (?:the )?office|ooo|frånvaro(?:meddelande)?|frånvarande|semester|ledig|abwesenheit(?:snotiz)?|"
    r"abwesend|fraværsmelding|automatisk svar|vacation|away from (?:the )?office)\s*(?:[:\-–]|$)",
    re.IGNORECASE,
)
_OUT_OF_OFFICE_ANYWHERE = re.compile(
    r"\b(?:out of (?:the )?office|automatiskt svar|automatic reply|autoreply|frånvaromeddelande)\b",
    re.IGNORECASE,
)


def our_marker(mail: ParsedMail) -> str | None:
    value = mail.header(OUR_MARKER_HEADER)
    return f"carries our own {OUR_MARKER_HEADER} header ({value})" if value is not None else None


def auto_submitted(mail: ParsedMail) -> str | None:
    value = (mail.header("auto-submitted") or "").strip().lower()
    if value and value.split(";")[0].strip() != "no":
        return f"Auto-Submitted: {value}"
    return None


def autoreply_header(mail: ParsedMail) -> str | None:
    for name in ("x-autoreply", "x-autorespond"):
        value = mail.header(name)
        if value is not None and value.strip().lower() not in {"no", "false", "0"}:
            return f"{name}: {value.strip()}"
    return None


def auto_response_suppress(mail: ParsedMail) -> str | None:
    value = mail.header("x-auto-response-suppress")
    return f"X-Auto-Response-Suppress: {value.strip()}" if value and value.strip() else None


def bulk_precedence(mail: ParsedMail) -> str | None:
    for name in ("precedence", "x-precedence"):
        value = (mail.header(name) or "").strip().lower()
        if value in _AUTO_PRECEDENCE:
            return f"Precedence: {value}"
    return None


def empty_return_path(mail: ParsedMail) -> str | None:
    return "empty Return-Path (<>)" if mail.return_path == "" else None


def out_of_office_subject(mail: ParsedMail) -> str | None:
    if _OUT_OF_OFFICE.search(mail.subject) or _OUT_OF_OFFICE_ANYWHERE.search(mail.subject):
        return f"out-of-office subject: {mail.subject[:60]!r}"
    return None


def spam_complaint(mail: ParsedMail) -> str | None:
    if (mail.report_type or "").lower() == "feedback-report":
        named = ", ".join(mail.complaint_addresses[:3]) or "no address named"
        return f"spam complaint (RFC 5965 feedback report; {named})"
    return None


def detected_failures(mail: ParsedMail) -> str | None:
    found = mail.bounce
    if not found:
        return None
    kinds = [f"permanent: {', '.join(sorted(found.permanent)[:3])}"] if found.permanent else []
    kinds += [f"temporary: {', '.join(sorted(found.temporary)[:3])}"] if found.temporary else []
    return "bounce detectors found failed deliveries (" + "; ".join(kinds) + ")"


def delivery_report(mail: ParsedMail) -> str | None:
    if mail.content_type == "multipart/report" and (mail.report_type or "").lower() == "delivery-status":
        return "delivery status notification (multipart/report; report-type=delivery-status)"
    if mail.header("x-failed-recipients"):
        return f"X-Failed-Recipients: {mail.header('x-failed-recipients')}"
    return None


_RETURNED_TYPES = frozenset({"message/rfc822", "text/rfc822-headers", "message/delivery-status"})
_AUTO_GENERATED_SUBJECT = re.compile(r"^\s*\[auto[- ]?generated\]", re.IGNORECASE)


def failure_evidence(mail: ParsedMail) -> bool:
    """The mail shows a delivery failed: a returned message, or a report's wording in its text."""
    return any(a.content_type in _RETURNED_TYPES for a in mail.attachments) or bool(
        FAILURE_EVIDENCE.search(mail.text[:20000])
    )


def from_mailer_daemon(mail: ParsedMail) -> str | None:
    sender = mail.from_address or ""
    if not sender or not DAEMON_LOCALS.match(local_part(sender)):
        return None
    # MAILER-DAEMON writes only reports; a person may write from postmaster@ (then it is a question).
    if SYSTEM_LOCALS.match(local_part(sender)) or failure_evidence(mail):
        return f"sent by the mail system ({sender})"
    return None


def failure_subject(mail: ParsedMail) -> str | None:
    # "Failed Mail" is also how a fax gateway titles a received fax: the subject alone is not evidence.
    if FAILURE_SUBJECT.search(mail.subject) and failure_evidence(mail):
        return f"a failed-delivery subject: {mail.subject[:60]!r}"
    return None


def read_receipt(mail: ParsedMail) -> str | None:
    if (
        mail.content_type == "multipart/report"
        and (mail.report_type or "").lower() == "disposition-notification"
    ):
        return "read receipt (multipart/report; report-type=disposition-notification)"
    return None


def auto_generated_subject(mail: ParsedMail) -> str | None:
    if _AUTO_GENERATED_SUBJECT.search(mail.subject):
        return f"the subject says it was generated: {mail.subject[:60]!r}"
    return None
