"""The table of SMTP refusals: one example per row, and the relay's text kept whole."""

from __future__ import annotations

import pytest

from mailer.relay_health import RelayHealth
from mailer.smtp_faults import DEFAULT, TABLE, Blame, Stage, classify, enhanced_code
from mailer.transport import PermanentFailure, RelayRefused, TemporaryFailure, _failure

# (stage, code, text) -> the row that must decide it; every row of TABLE has one.
EXAMPLES = [
    (Stage.RCPT, 550, "5.7.1 relaying denied", "refused at RCPT"),
    (Stage.DATA, 550, "5.1.1 <a@b.se>: user unknown", "5.1.x: bad destination address"),
    (Stage.DATA, 550, "5.2.1 mailbox disabled", "5.2.1: mailbox disabled"),
    (Stage.DATA, 552, "5.2.2 mailbox full", "5.2.2: mailbox full"),
    (
        Stage.DATA,
        554,
        "5.2.252 SendAsDenied; kk@org.se not allowed to send as kk@org.se; STOREDRV.Submission.Exception",
        "5.2.252: the relay refuses our sender (SendAsDenied)",
    ),
    (
        Stage.MAIL,
        550,
        "5.7.1 Client does not have permissions to send as this sender",
        "5.7.x: security or policy of the relay",
    ),
    (Stage.DATA, 554, "5.3.4 message too big for system", "5.3.x: the relay's mail system"),
    (Stage.DATA, 554, "5.4.6 routing loop detected", "5.4.x: network or routing at the relay"),
    (Stage.DATA, 552, "5.5.3 too many recipients", "5.5.x: protocol or size at the relay"),
    (Stage.DATA, 554, "Transaction failed", "554 at DATA without a recipient code"),
    (Stage.MAIL, 553, "sender address rejected", "refused at MAIL FROM: the sender, not the recipient"),
]


@pytest.mark.parametrize(("stage", "code", "text", "why"), EXAMPLES, ids=[e[3] for e in EXAMPLES])
def test_each_row(stage: Stage, code: int, text: str, why: str) -> None:
    assert classify(stage, code, text).why == why


def test_every_row_has_an_example() -> None:
    assert {row.why for row in TABLE} == {e[3] for e in EXAMPLES}


def test_otherwise_the_recipient() -> None:
    assert classify(Stage.DATA, 550, "no such user here") is DEFAULT
    assert DEFAULT.blame is Blame.RECIPIENT


def test_enhanced_code_is_found_whole() -> None:
    assert enhanced_code("554 5.2.252 SendAsDenied") == "5.2.252"
    assert enhanced_code("550 no code 10.0.0.1") is None


def test_the_transport_error_keeps_the_relay_text_and_stage() -> None:
    relay = _failure(554, b"5.2.252 SendAsDenied; not allowed", Stage.DATA)
    assert isinstance(relay, RelayRefused) and str(relay) == "554 5.2.252 SendAsDenied; not allowed"
    assert relay.stage is Stage.DATA and relay.code == 554
    assert isinstance(_failure(550, "5.1.1 unknown", Stage.RCPT), PermanentFailure)
    assert type(_failure(451, "4.3.0 later", Stage.DATA)) is TemporaryFailure


def test_relay_health_pauses_after_n_in_a_row_or_most_of_the_window() -> None:
    health = RelayHealth(in_a_row=3, window=10)
    assert [health.refused(1) for _ in range(3)] == [False, False, True]
    assert health.refused(1) is False  # counting starts again after a pause
    mixed = RelayHealth(in_a_row=100, window=10)
    for _ in range(4):
        mixed.delivered(2)
    outcomes = []
    for _ in range(6):
        outcomes.append(mixed.refused(2))
        mixed.delivered(3)  # another campaign's deliveries do not count
    assert outcomes == [False] * 5 + [True]  # 6 of the last 10 refused
