from __future__ import annotations

import time
from urllib.parse import quote

import pytest

from mailer.links import unsubscribe_mailto
from subscribers.address import InvalidAddress, normalize_address
from subscribers.tokens import Purpose, TokenSigner


def test_token_round_trip_and_tampering() -> None:
    signer = TokenSigner("secret", 3600)
    token = signer.make(Purpose.CONFIRM, "anna@example.se")
    claim = signer.check(token)
    assert claim is not None and (claim.purpose, claim.address) == (Purpose.CONFIRM, "anna@example.se")
    assert signer.check(token[:-3] + "abc") is None
    assert TokenSigner("other secret", 3600).check(token) is None
    # A confirmation token is not an unsubscribe token, even with the same payload.
    assert signer.check("kku-" + token[4:]) is None


def test_tokens_are_found_inside_message_ids_and_subjects() -> None:
    signer = TokenSigner("secret", 3600)
    confirm = signer.make(Purpose.CONFIRM, "a@b.se")
    unsub = signer.make(Purpose.UNSUBSCRIBE, "c@d.se")
    claims = signer.find([f"{confirm}@kulturkluster.test", f"Avsluta {unsub}", "kkc-forged.abc.def"])
    assert [(c.purpose, c.address) for c in claims] == [
        (Purpose.CONFIRM, "a@b.se"),
        (Purpose.UNSUBSCRIBE, "c@d.se"),
    ]


def test_confirmation_tokens_expire() -> None:
    signer = TokenSigner("secret", 1)
    token = signer.make(Purpose.CONFIRM, "a@b.se")
    time.sleep(2.1)
    assert signer.check(token) is None
    assert signer.check(signer.make(Purpose.UNSUBSCRIBE, "a@b.se")) is not None


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Anna@Example.SE", "Anna@example.se"),
        (" <bo@kommun.example> ", "bo@kommun.example"),
        ("eva@bücher.example", "eva@xn--bcher-kva.example"),
        ("a.b+tag@x.se", "a.b+tag@x.se"),
    ],
)
def test_normalize(raw: str, expected: str) -> None:
    assert normalize_address(raw) == expected


@pytest.mark.parametrize(
    "raw", ["", "anna", "@x.se", "anna@", "an na@x.se", "a..b@x.se", "a@localhost", "a@-x.se", "a@x..se"]
)
def test_invalid_addresses(raw: str) -> None:
    with pytest.raises(InvalidAddress):
        normalize_address(raw)


def test_return_paths_name_their_subscriber_and_cannot_be_forged() -> None:
    from subscribers.tokens import ReturnPaths

    paths = ReturnPaths("secret", "kulturkluster@kk.test")
    path = paths.make(42)
    local = path.partition("@")[0]
    assert path.startswith("kulturkluster+b42-") and len(local) <= 64
    assert paths.find(f"To: <{path}>\r\nX-Original-To: {path.upper()}") == [42]
    forged = path.replace("+b42-", "+b43-")
    assert paths.find(forged) == []
    assert ReturnPaths("other secret", "kulturkluster@kk.test").find(path) == []
    assert paths.find(path.replace("@kk.test", "@elsewhere.test")) == []


def test_the_unsubscribe_mailto_quotes_its_subject_as_a_whole() -> None:
    token = TokenSigner("s" * 20, 60).make(Purpose.UNSUBSCRIBE, "åsa@exempel.se")
    for odd in (token, "kku-a b/c?d=e&f", "kku-ö"):
        expected = f"mailto:info@example.se?subject={quote('Avsluta ' + odd)}"
        assert unsubscribe_mailto("info@example.se", odd) == expected
