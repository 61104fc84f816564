"""DKIM signatures (dkimpy) on the mail we send, when a key is configured.

RSA keys come as PEM files; an Ed25519 key as dkimpy's base64 file (``dknewkey --ktype ed25519``).
The signature covers the headers that matter to a receiver and to List-Unsubscribe's one-click promise
(RFC 8058 asks for List-Unsubscribe and List-Unsubscribe-Post to be signed).
"""

from __future__ import annotations

import dkim

from kulturkluster.errors import ConfigurationError
from kulturkluster.settings import DkimSettings
from kulturkluster.texts import t

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


class DkimSigner:
    def __init__(self, selector: str, domain: str, private_key: bytes) -> None:
        self.selector = selector.encode("ascii")
        self.domain = domain.encode("ascii")
        self.private_key = private_key
        self.algorithm = b"rsa-sha256" if b"PRIVATE KEY" in private_key else b"ed25519-sha256"
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
        except dkim.DKIMException as exc:
            raise ConfigurationError(t("dkim.key_invalid", path=key_file, error=exc)) from exc

    def sign(self, raw: bytes) -> bytes:
        """``raw`` with a DKIM-Signature header in front (relaxed/relaxed canonicalisation)."""
        present = {
            line.split(b":", 1)[0].strip().lower() for line in raw.split(b"\r\n\r\n", 1)[0].split(b"\r\n")
        }
        signature: bytes = dkim.sign(
            raw,
            self.selector,
            self.domain,
            self.private_key,
            canonicalize=(b"relaxed", b"relaxed"),
            signature_algorithm=self.algorithm,
            include_headers=[h for h in SIGNED_HEADERS if h in present],
            linesep=b"\r\n",
        )
        return signature + raw
