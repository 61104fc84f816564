"""Signed tokens that prove a person received one of our mails: confirmation and unsubscribe.

A token names an address and a purpose and is signed with the service's secret (itsdangerous), so no
database lookup by a guessable id is needed and nobody can make one for someone else's address. Tokens
travel in links, in the Message-ID of a confirmation request (a reply's In-Reply-To brings it back) and in
the subject of our List-Unsubscribe mailto link.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer


class Purpose(StrEnum):
    CONFIRM = "c"
    UNSUBSCRIBE = "u"
    CASE = "a"  # names a case reference; rides in the Message-ID of every mail we send about a case


_PREFIX = "kk"
# ``kkc-<payload>.<timestamp>.<signature>``: URL-safe, and legal in a Message-ID's local part.
_FIND = re.compile(r"\bkk([cua])-([A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+)")


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
        self._max_age = {
            Purpose.CONFIRM: confirm_max_age_seconds,
            Purpose.UNSUBSCRIBE: None,
            Purpose.CASE: None,
        }

    def make(self, purpose: Purpose, address: str) -> str:
        signed = self._serializers[purpose].dumps(address)
        return f"{_PREFIX}{purpose.value}-{signed}"

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
