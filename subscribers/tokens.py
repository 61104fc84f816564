"""Signed tokens that prove a person received one of our mails: confirmation and unsubscribe.

A token names an address and a purpose and is signed with the service's secret (itsdangerous), so no
database lookup by a guessable id is needed and nobody can make one for someone else's address. Tokens
travel in links, in the Message-ID of a confirmation request (a reply's In-Reply-To brings it back) and in
the subject of our List-Unsubscribe mailto link.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from itsdangerous import BadSignature, SignatureExpired, TimestampSigner, URLSafeTimedSerializer
from itsdangerous.encoding import base64_encode, int_to_bytes


class Purpose(StrEnum):
    CONFIRM = "c"
    UNSUBSCRIBE = "u"
    CASE = "a"  # names a case reference; rides in the Message-ID of every mail we send about a case
    VIEW = "n"  # names a newsletter id: the public "view in browser" page


_PREFIX = "kk"
# ``kkc-<payload>.<timestamp>.<signature>``: URL-safe, and legal in a Message-ID's local part.
_FIND = re.compile(r"\bkk([cuan])-([A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+)")


@dataclass(frozen=True, slots=True)
class TokenClaim:
    purpose: Purpose
    address: str  # the address, or for Purpose.CASE the case reference
    issued_at: datetime


class TokenSigner:
    """Makes and checks tokens; ``max_age`` limits confirmation tokens (unsubscribe tokens never expire)."""

    def __init__(self, secret: str, confirm_max_age_seconds: int) -> None:
        self._serializers = {
            purpose: URLSafeTimedSerializer(secret, salt=f"kulturkluster-{purpose.name.lower()}")
            for purpose in Purpose
        }
        # Per purpose, the HMAC of itsdangerous's TimestampSigner with its derived key set up once: each
        # token then costs one copy and one update (itsdangerous derives the key again for every token,
        # and its SHA-1 given as a Python function takes hmac's pure-Python path).
        self._macs = {}
        for purpose, serializer in self._serializers.items():
            signer = serializer.make_signer(serializer.salt)
            self._macs[purpose] = hmac.new(signer.derive_key(), digestmod=signer.digest_method().name)
        # A token's time as itsdangerous takes it (``TimestampSigner.get_timestamp``).
        self._clock = TimestampSigner(secret)
        # The seal of our marker header: an HMAC over the mail's kind and Message-ID (``seal``).
        self._seal_key = hashlib.sha256(b"kulturkluster-marker\x00" + secret.encode()).digest()
        self._max_age = {
            Purpose.CONFIRM: confirm_max_age_seconds,
            Purpose.UNSUBSCRIBE: None,
            Purpose.CASE: None,
            Purpose.VIEW: None,
        }

    def make(self, purpose: Purpose, address: str) -> str:
        # What ``URLSafeTimedSerializer.dumps`` writes, without its zlib attempt: it only pays for long
        # repetitive payloads, never for an address, and was half the cost of a token (``loads`` reads both)
        payload = base64_encode(json.dumps(address, ensure_ascii=False, separators=(",", ":")).encode())
        value = payload + b"." + base64_encode(int_to_bytes(self._clock.get_timestamp()))
        mac = self._macs[purpose].copy()
        mac.update(value)
        return f"{_PREFIX}{purpose.value}-{(value + b'.' + base64_encode(mac.digest())).decode('ascii')}"

    def check(self, token: str) -> TokenClaim | None:
        """The claim a token makes, or None if it is not ours, altered, or expired."""
        found = _FIND.fullmatch(token.strip())
        return self._claim(found.group(1), found.group(2)) if found else None

    def find(self, texts: list[str]) -> list[TokenClaim]:
        """Every valid token in some texts (Message-IDs, a subject), in order."""
        claims: list[TokenClaim] = []
        for text in texts:
            for purpose, signed in _FIND.findall(text):
                claim = self._claim(purpose, signed)
                if claim:
                    claims.append(claim)
        return claims

    def seal(self, kind: str, message_id: str) -> str:
        """The signature our marker header carries: bound to the Message-ID, so copying the marker onto
        other mail does not make that mail ours."""
        text = f"{kind}\x00{message_id.strip().strip('<>')}".encode()
        return hmac.new(self._seal_key, text, hashlib.sha256).hexdigest()[:32]

    def seal_ok(self, kind: str, message_id: str, seal: str) -> bool:
        return hmac.compare_digest(seal.strip().lower(), self.seal(kind.strip(), message_id))

    def _claim(self, purpose_code: str, signed: str) -> TokenClaim | None:
        purpose = Purpose(purpose_code)
        try:
            address, issued = self._serializers[purpose].loads(
                signed, max_age=self._max_age[purpose], return_timestamp=True
            )
        except (SignatureExpired, BadSignature):
            return None
        if not isinstance(address, str):
            return None
        return TokenClaim(purpose, address, issued.astimezone(UTC))


class ReturnPaths:
    """VERP with plus addressing: a per-subscriber envelope sender, ``kulturkluster+b42-k3j5x7q2mz@domain``.

    A bounce goes to the envelope sender, so the address it arrives at names the subscriber, whatever the
    bouncing server writes in its report. The short HMAC keeps the local part under RFC 5321's 64 octets
    and stops anyone from scoring bounces against an address by mailing ``+b<id>`` themselves.
    """

    def __init__(self, secret: str, address: str) -> None:
        self._key = hashlib.sha256(b"kulturkluster-verp\x00" + secret.encode()).digest()
        local, _, domain = address.rpartition("@")
        self.local, self.domain = local, domain
        self._find = re.compile(
            re.escape(local) + r"\+b([0-9]{1,12})-([a-z2-7]{10})@" + re.escape(domain), re.IGNORECASE
        )

    def _mac(self, subscriber_id: int) -> str:
        digest = hmac.new(self._key, str(subscriber_id).encode(), hashlib.sha256).digest()
        return base64.b32encode(digest[:10]).decode("ascii").lower()[:10]

    def make(self, subscriber_id: int) -> str:
        return f"{self.local}+b{subscriber_id}-{self._mac(subscriber_id)}@{self.domain}"

    def find(self, text: str) -> list[int]:
        """Subscriber ids named by valid return paths in ``text`` (the headers of a bounce), in order."""
        found: list[int] = []
        for number, mac in self._find.findall(text):
            subscriber_id = int(number)
            if hmac.compare_digest(mac.lower(), self._mac(subscriber_id)) and subscriber_id not in found:
                found.append(subscriber_id)
        return found
