"""The parse worker (``inbound.parse_pool``) gives what parsing here gives, leaves big messages to the
caller, and when it dies the caller parses instead: nothing is lost or quarantined for it."""

from __future__ import annotations

import os
import signal

import pytest

from inbound.parse import parse
from inbound.parse_pool import Parsed, ParsePool, failure_reason
from tests.conftest import mail_bytes

pytestmark = pytest.mark.integration

MAILS = [
    "subscribe__latin1_encoded_word.eml",
    "new_case__question_about_newsletter.eml",
    "auto_reply__outlook_swedish_ooo.eml",
    "bounce__dsn_rfc3464.eml",
    "quarantine__no_from.eml",
]


def _here(raw: bytes) -> Parsed:
    try:
        return parse(raw), None
    except Exception as exc:
        return None, failure_reason(exc)


def test_the_worker_parses_as_this_process_does() -> None:
    raws = [mail_bytes(name) for name in MAILS] + [b"", b"\x00\x01 no header block at all\n"]
    with ParsePool(below_bytes=1 << 20) as pool:
        results = pool.start(raws).result()
    assert results == [_here(raw) for raw in raws]
    assert results[-1] is not None and results[-1][0] is None
    assert results[-1][1] is not None and results[-1][1].startswith("not an email message")


def test_messages_at_the_limit_are_left_to_the_caller() -> None:
    small, big = sorted((mail_bytes(name) for name in MAILS[:3]), key=len)[::2]
    with ParsePool(below_bytes=len(big)) as pool:
        results = pool.start([small, big, small]).result()
    assert results[0] is not None and results[0][0] is not None
    assert results[1] is None  # the caller parses it (isolated, or quarantined as too large)
    assert results[2] == results[0]


def test_a_dead_worker_leaves_the_parsing_to_the_caller() -> None:
    raws = [mail_bytes(name) for name in MAILS]
    with ParsePool(below_bytes=1 << 20) as pool:
        assert pool.start(raws[:1]).result()[0] is not None  # the worker is up
        for pid in list(pool._executor._processes):
            os.kill(pid, signal.SIGKILL)
        assert pool.start(raws).result() == [None] * len(raws)
        assert pool.start(raws).result() == [None] * len(raws)  # and it stays that way for the drain
