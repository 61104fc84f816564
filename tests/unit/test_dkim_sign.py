"""DKIM through OpenSSL: dkimpy verifies what ``mailer.dkim_sign`` signs, RSA and Ed25519, both canons.

The DNS record comes through dkimpy's ``dnsfunc``. dkimpy verifies Ed25519 with PyNaCl, which is not a
dependency of ours; ``_NaclShim`` gives dkimpy the one call it makes (``VerifyKey(...).verify``) on top of
``cryptography``, so the canonicalisation and hashing checked are still dkimpy's own.
"""

from __future__ import annotations

import base64
import hashlib
import types
from collections.abc import Callable
from pathlib import Path

import dkim
import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

from kulturkluster.errors import ConfigurationError
from kulturkluster.settings import DkimSettings
from mailer.dkim_canon import Canon, SharedBody, whole_body
from mailer.dkim_sign import DkimSigner
from mailer.mime import build_alternative

SELECTOR, DOMAIN = "kk2026", "kulturkluster.test"

MESSAGE = (
    b"From: Kulturkluster <kulturkluster@kulturkluster.test>\r\n"
    b"To: =?utf-8?b?w4VzYQ==?= <asa@example.se>\r\n"
    b"Subject:   A subject\t that is folded\r\n"
    b"  over   two lines  \r\n"
    b"Date: Sun, 29 Nov 2026 21:00:00 +0000\r\n"
    b"Message-ID: <x1@kulturkluster.test>\r\n"
    b"List-Unsubscribe: <https://post.kulturkluster.test/u/kku-abc>,\r\n"
    b"\t<mailto:kulturkluster@kulturkluster.test?subject=kku-abc>\r\n"
    b"List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n"
    b"X-Not-Signed: yes\r\n"
    b"\r\n"
    b"Hej  \t alla,\r\n"
    b"\r\n"
    b"  en rad med   mellanrum   \r\n"
    b"\r\n"
    b"\r\n"
)


class _VerifyKey:
    def __init__(self, key: bytes, encoder: object = None) -> None:
        self._key = ed25519.Ed25519PublicKey.from_public_bytes(base64.b64decode(key))

    def verify(self, message: bytes, signature: bytes) -> bytes:
        try:
            self._key.verify(signature, message)
        except InvalidSignature:
            raise _NaclShim.exceptions.BadSignatureError from None
        return message


class _NaclShim(types.SimpleNamespace):
    exceptions = types.SimpleNamespace(
        BadSignatureError=type("BadSignatureError", (Exception,), {}), ValueError=ValueError
    )


_NaclShim.signing = types.SimpleNamespace(VerifyKey=_VerifyKey)  # type: ignore[attr-defined]
_NaclShim.encoding = types.SimpleNamespace(Base64Encoder=None)  # type: ignore[attr-defined]


def _rsa() -> tuple[bytes, bytes]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    der = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return pem, b"v=DKIM1; k=rsa; p=" + base64.b64encode(der)


def _ed25519() -> tuple[bytes, bytes]:
    """A key file as dkimpy's ``dknewkey --ktype ed25519`` writes it: the seed in base64."""
    key = ed25519.Ed25519PrivateKey.generate()
    seed = key.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    public = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.b64encode(seed) + b"\n", b"v=DKIM1; k=ed25519; p=" + base64.b64encode(public)


def _dns(record: bytes) -> Callable[..., bytes]:
    def lookup(name: bytes, timeout: int = 5) -> bytes:
        assert name == f"{SELECTOR}._domainkey.{DOMAIN}.".encode()
        return record

    return lookup


@pytest.fixture(params=["rsa", "ed25519"])
def keys(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> tuple[bytes, bytes]:
    if request.param == "ed25519":
        monkeypatch.setattr(dkim, "nacl", _NaclShim, raising=False)
        return _ed25519()
    return _rsa()


@pytest.mark.parametrize("canon", [(Canon.RELAXED, Canon.RELAXED), (Canon.SIMPLE, Canon.SIMPLE)])
def test_dkimpy_verifies_folded_headers_and_messy_body(
    keys: tuple[bytes, bytes], canon: tuple[Canon, Canon]
) -> None:
    private, record = keys
    signed = DkimSigner(SELECTOR, DOMAIN, private, canon).sign(MESSAGE)
    assert signed.endswith(MESSAGE)
    assert dkim.verify(signed, dnsfunc=_dns(record))
    field = signed[: len(signed) - len(MESSAGE)].lower()
    assert b"list-unsubscribe-post" in field and b"x-not-signed" not in field
    assert f"c={canon[0]}/{canon[1]}".encode() in field
    tampered = signed.replace(b"en rad", b"en annan rad")
    assert not dkim.verify(tampered, dnsfunc=_dns(record))
    assert not dkim.verify(signed.replace(b"A subject", b"Another subject"), dnsfunc=_dns(record))


@pytest.mark.parametrize("canon", [Canon.RELAXED, Canon.SIMPLE])
def test_shared_body_hashes_as_the_whole_body(canon: Canon) -> None:
    fixed = [b"Hej  \r\n", b"  \tmitt i \r\n", b"slut\r\n\r\n\r\n"]
    variable = [b"Anna   Andersson \r\n", b"\r\n"]
    body = fixed[0] + variable[0] + fixed[1] + variable[1] + fixed[2]
    expected = hashlib.sha256(whole_body(body, canon)).digest()
    assert SharedBody(fixed, canon).digest(variable) == expected
    blank_end = [b"a\r\n", b"\r\n"]  # the last fixed piece holds only empty lines
    assert (
        SharedBody(blank_end, canon).digest([b"b\r\n"])
        == hashlib.sha256(whole_body(b"a\r\nb\r\n\r\n", canon)).digest()
    )


def test_a_signed_multipart_message_verifies() -> None:
    private, record = _rsa()
    raw = build_alternative(
        [("From", "kulturkluster@kulturkluster.test"), ("Subject", "Nyhetsbrev för " + "åäö " * 30)],
        "Hej\n\n" + "text " * 500,
        "<p>Hej</p>" * 300,
    )
    assert dkim.verify(DkimSigner(SELECTOR, DOMAIN, private).sign(raw), dnsfunc=_dns(record))


def test_a_key_that_is_not_a_key_is_a_configuration_error(tmp_path: Path) -> None:
    key_file = tmp_path / "dkim.pem"
    key_file.write_bytes(b"-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----\n")
    settings = DkimSettings(selector=SELECTOR, domain=DOMAIN, private_key_file=key_file)
    with pytest.raises(ConfigurationError):
        DkimSigner.from_settings(settings)
    key_file.write_bytes(b"c2hvcnQ=\n")
    with pytest.raises(ConfigurationError):
        DkimSigner.from_settings(settings)
