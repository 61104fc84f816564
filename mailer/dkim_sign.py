"""DKIM signatures (RFC 6376; Ed25519: RFC 8463) on the mail we send, through OpenSSL (``cryptography``).

RSA keys come as PEM files; an Ed25519 key as PEM (PKCS#8) or as dkimpy's base64 file
(``dknewkey --ktype ed25519``). The signature covers the headers that matter to a receiver and to
List-Unsubscribe's one-click promise (RFC 8058 asks for List-Unsubscribe and List-Unsubscribe-Post to be
signed). One RSA-2048 signature costs ~0.3 ms here against ~8 ms in dkimpy's pure-Python RSA; dkimpy is
kept for verifying (``doctor``, tests). A campaign hashes its body through ``SharedBody`` (the parts every
recipient shares canonicalised once) and signs with ``signature``; single mails use ``sign``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import time

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, padding, rsa

from kulturkluster.errors import ConfigurationError
from kulturkluster.settings import DkimSettings
from kulturkluster.texts import t

from . import dkim_canon
from .dkim_canon import Canon, SharedBody

SIGNED_HEADERS = (
    b"from",
    b"to",
    b"subject",
    b"date",
    b"message-id",
    b"mime-version",
    b"content-type",
    b"list-id",
    b"list-unsubscribe",
    b"list-unsubscribe-post",
    b"in-reply-to",
    b"references",
)


class DkimKeyError(ValueError):
    """The key file holds no RSA or Ed25519 private key we can use."""


def load_key(data: bytes) -> rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey:
    """An RSA or Ed25519 private key from PEM, or an Ed25519 seed in base64 (dkimpy's ``dknewkey``)."""
    if b"-----BEGIN" in data:
        try:
            key = serialization.load_pem_private_key(data, password=None)
        except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
            raise DkimKeyError(str(exc)) from exc
        if isinstance(key, rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey):
            return key
        raise DkimKeyError(f"unsupported key type {type(key).__name__}")
    try:
        seed = base64.b64decode(b"".join(data.split()), validate=True)
    except binascii.Error as exc:
        raise DkimKeyError(str(exc)) from exc
    if len(seed) != 32:
        raise DkimKeyError("an Ed25519 key file holds 32 bytes in base64")
    return ed25519.Ed25519PrivateKey.from_private_bytes(seed)


def _fold_base64(value: bytes, first: int) -> bytes:
    """A base64 value folded into lines of at most 76 characters (the first has ``first`` used)."""
    lines = [value[: 76 - first]]
    lines += [value[i : i + 74] for i in range(76 - first, len(value), 74)]
    return b"\r\n  ".join(line for line in lines if line)


class DkimSigner:
    def __init__(
        self,
        selector: str,
        domain: str,
        private_key: bytes,
        canonicalize: tuple[Canon, Canon] = (Canon.RELAXED, Canon.RELAXED),
    ) -> None:
        self.selector = selector.encode("ascii")
        self.domain = domain.encode("ascii")
        self._key = load_key(private_key)
        self.algorithm = b"rsa-sha256" if isinstance(self._key, rsa.RSAPrivateKey) else b"ed25519-sha256"
        self.header_canon, self.body_canon = canonicalize
        self.sign(b"From: a@b.c\r\nSubject: x\r\n\r\nx\r\n")  # a wrong key fails at start, not mid-campaign

    @classmethod
    def from_settings(cls, settings: DkimSettings) -> DkimSigner | None:
        key_file = settings.private_key_file
        if not settings.enabled or key_file is None:
            return None
        try:
            key = key_file.read_bytes()
        except OSError as exc:
            raise ConfigurationError(t("dkim.key_unreadable", path=key_file, error=exc)) from exc
        try:
            return cls(settings.selector, settings.domain, key)
        except DkimKeyError as exc:
            raise ConfigurationError(t("dkim.key_invalid", path=key_file, error=exc)) from exc

    def shared_body(self, fixed: list[bytes]) -> SharedBody:
        """The body hasher for a campaign's fixed pieces (see ``SharedBody``), in this signer's canon."""
        return SharedBody(fixed, self.body_canon)

    def sign(self, raw: bytes) -> bytes:
        """``raw`` with a DKIM-Signature header in front."""
        head, _, body = raw.partition(b"\r\n\r\n")
        body_hash = hashlib.sha256(dkim_canon.whole_body(body, self.body_canon)).digest()
        return self.signature(head + b"\r\n", body_hash) + raw

    def signature(self, head: bytes, body_hash: bytes) -> bytes:
        """The DKIM-Signature header field (ending in CRLF) for a header block and a body's SHA-256.

        ``head`` is the header fields, each ending in CRLF, without the empty line after them."""
        fields = dkim_canon.header_fields(head)
        present = {name for name, _ in fields}
        names = [name for name in SIGNED_HEADERS if name in present]
        canon = f"{self.header_canon}/{self.body_canon}".encode("ascii")
        bh = base64.b64encode(body_hash)
        field = (
            b"DKIM-Signature: v=1; a=" + self.algorithm + b"; c=" + canon + b"; d=" + self.domain
            + b"; s=" + self.selector + b";\r\n t=" + str(int(time.time())).encode("ascii")
            + b"; h=" + b":".join(names) + b";\r\n bh=" + bh + b";\r\n b="
        )  # fmt: skip
        signed = b"".join(
            dkim_canon.header(raw, self.header_canon) for raw in dkim_canon.select(fields, names)
        )
        signed += dkim_canon.header(field + b"\r\n", self.header_canon)[:-2]  # the own field: no CRLF
        if isinstance(self._key, rsa.RSAPrivateKey):
            value = self._key.sign(signed, padding.PKCS1v15(), hashes.SHA256())
        else:  # RFC 8463: Ed25519 signs the SHA-256 of the data
            value = self._key.sign(hashlib.sha256(signed).digest())
        return field + _fold_base64(base64.b64encode(value), 3) + b"\r\n"
