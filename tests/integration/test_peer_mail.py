"""Other mail projects' test fixtures (``../shared/peer-mail/``, 515 files) through ``inbound import``.

Every file goes through the files source and the pipeline, as ``kulturkluster inbound import`` runs them,
on a fresh SQLite database. Nothing may raise or log a traceback, only the mails in ``QUARANTINED`` (no
sender by any reasonable reading, or not a mail) are quarantined, and the files whose nature is clear
route as a person reading them would. The corpus lives next to the checkout (SOURCES.md there says where
each file came from); the test skips with a message when it is absent. ``KK_TEST_PEER_MAIL`` points
elsewhere (a git worktree's parent holds no ``shared/``).
"""

from __future__ import annotations

import itertools
import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from inbound.classify import Route
from inbound.parse import parse
from inbound.sources.files import iter_items
from kulturkluster.wiring import Services
from tests.conftest import make_settings
from tests.servers.databases import scratch_database

pytestmark = pytest.mark.integration

REPO_ROOT = Path(__file__).resolve().parents[2]
CORPUS = Path(os.environ.get("KK_TEST_PEER_MAIL") or REPO_ROOT.parent / "shared" / "peer-mail")

# Every file the pipeline quarantines, with the reason: none has a sender a person could answer.
QUARANTINED = {
    "flanker/attached-pdf.eml": "no From, Sender or Reply-To at all",
    "mailman/email__bad_email.eml": "From is an encoded name without any address",
    "nodemailer-mailparser/mixed.eml": "no From, Sender or Reply-To at all",
    "php-mime-mail-parser/issue116": "no From, Sender or Reply-To at all",
    "php-mime-mail-parser/issue212": "no From, Sender or Reply-To at all",
    "php-mime-mail-parser/issue250": "no From, Sender or Reply-To at all",
    "php-mime-mail-parser/issue274.eml": "guest@localhost: no domain to answer to",
    "php-mime-mail-parser/m0027": "no From, Sender or Reply-To at all",
    "rt/lorem-ipsum": "plain text, not a mail",
    "rt/new-ticket-from-gb18030": "root@localhost: no domain to answer to",
    "rt/outlook-rfc822": "root@localhost: no domain to answer to",
    "rt/rfc2231-attachment-filename-continuations": "root@localhost: no domain to answer to",
    "ruby-mail/error_emails/bad_encoded_subject.eml": "only a Subject header",
    "ruby-mail/mime_emails/raw_email11.eml": "xxxxx@xxxxx: anonymised, no domain",
    "spamscope-mail-parser/mail_outlook_1": "an Outlook .msg file, not a mail",
    "zammad/mail071.box": "spam with spaces inside the address (power quadrant system@example.com)",
    "zammad/mail076.box": "spam whose From is a broken quoted local part without a name or brackets",
    "zammad/mail081.box": "redacted@redacted: anonymised, no domain",
}


@dataclass(frozen=True)
class Expected:
    route: Route
    why: str


B, A, C = Route.BOUNCE, Route.AUTO_REPLY, Route.NEW_CASE
# Files whose nature is clear to a person, with the route that person would pick.
ROUTES = {
    # bounces: each names the address that failed
    "sisimai/maildir/dos/lhost-apachejames-01.eml": Expected(B, "Apache James: 550 no such user, RCPT TO"),
    "sisimai/maildir/dos/lhost-kddi-01.eml": Expected(B, "KDDI/au: could not be delivered, mailbox full"),
    "sisimai/maildir/dos/lhost-x6-01.eml": Expected(B, "Auto-Submitted, but a report of permanent errors"),
    "sisimai/maildir/dos/lhost-postfix-01.eml": Expected(B, "Postfix DSN"),
    "sisimai/maildir/dos/lhost-exim-01.eml": Expected(B, "Exim failure notice"),
    "sisimai/maildir/dos/lhost-gmail-01.eml": Expected(B, "Gmail delivery status notification"),
    "flanker/bounce/zed.eml": Expected(B, "single saved bounce starting with an envelope From line"),
    "flanker/bounce/mailbox-full.eml": Expected(B, "AOL mailbox full"),
    "flanker/bounce/broken-mime.eml": Expected(
        B, "postmaster: 'Delivery failed 10 attempts', original follows"
    ),
    "discourse/bounced_email.eml": Expected(B, "DSN"),
    "discourse/hard_bounce_via_verp.eml": Expected(B, "DSN to a VERP address"),
    "emailengine/bounces/gmail.eml": Expected(B, "Gmail DSN"),
    "emailengine/bounces/postfix.eml": Expected(B, "Postfix DSN"),
    "zammad/mail018.box": Expected(B, "DSN for m.smith@example.com"),
    "flanker/complaints/yahoo.eml": Expected(B, "ARF spam complaint (filed with bounces)"),
    # automatic mail
    "flanker/disposition-notification.eml": Expected(A, "read receipt (disposition-notification report)"),
    "discourse/auto_generated_subject.eml": Expected(A, "subject starts with [AUTO GENERATED]"),
    "discourse/auto_generated_header.eml": Expected(A, "Auto-Submitted: auto-generated"),
    "discourse/auto_reply.eml": Expected(A, "an autoresponder"),
    "emailengine/autoreply/rfc3834-06.eml": Expected(A, "RFC 3834 auto-reply"),
    "sisimai/maildir/dos/rfc3834-01.eml": Expected(A, "RFC 3834 auto-reply"),
    "sisimai/maildir/bsd/rfc3834-03.eml": Expected(A, "'Auto reply:' vacation notice"),
    "sisimai/maildir/bsd/rfc3834-05.eml": Expected(A, "RFC 3834 auto-reply"),
    # people
    "flanker/long-links.eml": Expected(C, "a person writing from postmaster@, no failure in it"),
    "zammad/mail087.box": Expected(C, "fax-to-mail notice titled 'Failed Mail', nothing failed"),
    "sisimai/maildir/not/is-not-bounce-01.eml": Expected(C, "sisimai: not a bounce"),
    "sisimai/maildir/not/is-not-bounce-02.eml": Expected(C, "sisimai: not a bounce, original attached"),
    "talon/standard_replies/gmail.eml": Expected(C, "a person's reply"),
    "talon/standard_replies/outlook.eml": Expected(C, "a person's reply"),
    "django-helpdesk/quoted_printable.eml": Expected(C, "a person's question (Czech)"),
    "zammad/mail016.box": Expected(C, "no From, answerable at its Reply-To (as Zammad reads it)"),
    "zammad/mail054.box": Expected(C, "a header continued without leading space hid From"),
    "zammad/mail068.box": Expected(C, "a separator line before the headers"),
    "ruby-mail/rfc2822/example13.eml": Expected(
        C, "obsolete syntax: From  : John Doe <jdoe@machine(comment).  example>"
    ),
    "ruby-mail/plain_emails/mix_caps_content_type.eml": Expected(C, "From: Big Bug bb@bug.com"),
    "ruby-mail/plain_emails/raw_email_incorrect_header.eml": Expected(C, "a stray line inside the headers"),
    "php-mime-mail-parser/issue84": Expected(C, "From: address (Name) comment form"),
}
# Bounces whose failed address only the text names (flufl.bounce has no detector for them).
FAILED_ADDRESSES = {
    "sisimai/maildir/dos/lhost-apachejames-01.eml": "000000000000@vtext.example.com",
    "sisimai/maildir/dos/lhost-kddi-01.eml": "kijitora@x0000000000000.dion.ne.jp",
    "sisimai/maildir/dos/lhost-x6-01.eml": "kijitora@nyaan.example.org",
    "sisimai/maildir/dos/lhost-mailmarshalsmtp-01.eml": "dummyuser@blabla.xxxxxxxxxxxx.com",
    "sisimai/maildir/dos/lhost-mfilter-01.eml": "kijitora@example.com",
    "sisimai/maildir/dos/lhost-interscanmss-01.eml": "kijitora@example.co.jp",
    "sisimai/maildir/dos/lhost-amazonworkmail-01.eml": "kijitora@example.jp",
    "sisimai/maildir/dos/lhost-dragonfly-01.eml": "pseudo-local-part@google.example.com",
    "sisimai/maildir/dos/lhost-opensmtpd-01.eml": "apdugoaidugoaidugoaeiudggadi@gmail.com",
    "sisimai/maildir/dos/lhost-x1-01.eml": "kijitora@example.co.jp",
    "sisimai/maildir/dos/lhost-yahoo-01.eml": "kijitora@example.org",
    "flanker/bounce/broken-mime.eml": "info@example.net",
    "emailengine/bounces/workmail.eml": "gfdutydrfghutydrfcuftydh@hot.ee",
}
DUPLICATES = 37  # SOURCES.md: the same message kept by several projects, or twice by one


@dataclass(frozen=True)
class Imported:
    routes: dict[str, Route]
    reasons: dict[str, str]
    duplicates: int
    problems: list[str]


class _Problems(logging.Handler):
    """Collects tracebacks and errors logged while importing."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.seen: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info or record.levelno >= logging.ERROR:
            self.seen.append(f"{record.name}: {record.getMessage()} {record.exc_info or ''}")


def _corpus_files() -> list[Path]:
    return sorted(
        p for p in CORPUS.rglob("*") if p.is_file() and p.name != "SOURCES.md" and p.suffix != ".yml"
    )


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Imported]:
    if not CORPUS.is_dir():
        pytest.skip(f"peer mail corpus not found at {CORPUS} (set KK_TEST_PEER_MAIL to its folder)")
    tmp = tmp_path_factory.mktemp("peer")
    problems = _Problems()
    logging.getLogger().addHandler(problems)
    try:
        with scratch_database("sqlite", tmp) as db:
            svc = Services(settings=make_settings(db, tmp), db=db)
            routes: dict[str, Route] = {}
            reasons: dict[str, str] = {}
            duplicates = 0
            items = iter_items(_corpus_files())
            try:
                while batch := list(itertools.islice(items, svc.settings.inbound.batch_size)):
                    for outcome in svc.pipeline.process(batch):
                        name = (outcome.ref or "").removeprefix(f"import:{CORPUS}/")
                        assert name not in routes, f"{name} was split into several messages"
                        routes[name], reasons[name] = outcome.route, outcome.reason
                        duplicates += outcome.duplicate
            finally:
                svc.pipeline.parser.close()
            yield Imported(routes, reasons, duplicates, problems.seen)
    finally:
        logging.getLogger().removeHandler(problems)


def test_every_file_goes_through_without_a_traceback(imported: Imported) -> None:
    assert len(imported.routes) == len(_corpus_files()) == 515
    assert imported.problems == []
    assert not [n for n, r in imported.reasons.items() if "handler" in r.lower() or "traceback" in r.lower()]
    assert imported.duplicates == DUPLICATES


def test_only_mail_without_any_sender_is_quarantined(imported: Imported) -> None:
    quarantined = {name for name, route in imported.routes.items() if route is Route.QUARANTINE}
    assert quarantined == set(QUARANTINED)


def test_clear_mail_routes_as_a_person_would(imported: Imported) -> None:
    wrong = {
        name: (imported.routes.get(name), imported.reasons.get(name), expected.why)
        for name, expected in ROUTES.items()
        if imported.routes.get(name) is not expected.route
    }
    assert wrong == {}


@pytest.mark.parametrize("name", sorted(FAILED_ADDRESSES))
def test_text_only_bounces_name_their_failed_address(name: str) -> None:
    if not CORPUS.is_dir():
        pytest.skip(f"peer mail corpus not found at {CORPUS}")
    assert FAILED_ADDRESSES[name] in parse((CORPUS / name).read_bytes()).bounce.permanent
