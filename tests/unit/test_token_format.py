"""Tokens are made without itsdangerous's zlib attempt, byte for byte what its serializer writes."""

from __future__ import annotations

import time

import pytest
from itsdangerous import URLSafeTimedSerializer

from subscribers.tokens import Purpose, TokenSigner

SECRET = "test-secret-key-0123456789"


@pytest.mark.parametrize("address", ["anna@example.se", "åsa.öberg@exempel.se"])
def test_a_token_is_what_the_serializer_writes(address: str) -> None:
    signer = TokenSigner(SECRET, 3600)
    serializer = URLSafeTimedSerializer(SECRET, salt="kulturkluster-unsubscribe")
    for _ in range(3):  # the two may straddle a second
        before = time.time()
        token = signer.make(Purpose.UNSUBSCRIBE, address)
        expected = "kku-" + serializer.dumps(address)
        if int(before) == int(time.time()):
            break
    assert token == expected
    claim = signer.check(token)
    assert claim is not None and claim.address == address


def test_a_long_repetitive_address_stays_uncompressed_and_valid() -> None:
    """itsdangerous would compress this one; ours is longer but reads the same everywhere."""
    address = "a" * 60 + "@example.se"
    token = TokenSigner(SECRET, 3600).make(Purpose.UNSUBSCRIBE, address)
    assert not token.startswith("kku-.")  # a leading dot marks a compressed payload
    serializer = URLSafeTimedSerializer(SECRET, salt="kulturkluster-unsubscribe")
    assert serializer.loads(token.removeprefix("kku-")) == address


@pytest.mark.parametrize("purpose", list(Purpose))
def test_every_purpose_signs_as_itsdangerous_does(purpose: Purpose, monkeypatch: pytest.MonkeyPatch) -> None:
    """The HMAC set up once per purpose signs what itsdangerous signs, at any moment."""
    signer = TokenSigner(SECRET, 3600)
    for moment in (1_700_000_000.4, 1_800_000_123.9):
        monkeypatch.setattr(time, "time", lambda moment=moment: moment)
        serializer = URLSafeTimedSerializer(SECRET, salt=f"kulturkluster-{purpose.name.lower()}")
        assert signer.make(purpose, "anna@example.se") == f"kk{purpose.value}-" + serializer.dumps(
            "anna@example.se"
        )
