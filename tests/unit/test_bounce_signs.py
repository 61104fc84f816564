"""The cheap body signs that a mail may be a bounce (``inbound.bounce.looks_like_bounce``), as a table."""

from __future__ import annotations

import pytest

from inbound.bounce import FAILURE_BODY, looks_like_bounce


@pytest.mark.parametrize(
    ("text", "bounce"),
    [
        ("Status: 5.1.1", True),
        ("Remote server said: 550 no such mailbox", True),
        ("550", True),
        ("x 5.7.26 y", True),
        ("USER UNKNOWN", True),
        ("Mailbox Full, try later", True),
        ("Delivery Status Notification (Failure)", True),
        ("version a5.1.1 of the app", False),  # no word boundary before the code
        ("we paid 1550 kronor", False),
        ("5.1", False),
        ("Hej! Vi är en förening i Sörmland och undrar hur vi söker stöd.", False),
    ],
)
def test_failure_signs_in_the_body(text: str, bounce: bool) -> None:
    assert looks_like_bounce("anna@example.se", "anna@example.se", "Fråga", "text/plain", text) is bounce
    assert bool(FAILURE_BODY.search(text)) is bounce  # the case-insensitive pattern the signals use
