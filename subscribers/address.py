"""Email address normalisation: one spelling per mailbox, so that comparisons and the unique index agree."""

from __future__ import annotations

import functools
import re
import unicodedata

from kulturkluster.errors import ErrorKind, KulturklusterError
from kulturkluster.texts import t

# Deliberately simple: the mail servers decide what exists; this only rejects what cannot be an address.
_LOCAL = re.compile(r"^[^\s@<>()\[\],;:\"\\]+$")
_DOMAIN_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")


class InvalidAddress(KulturklusterError):
    """Text that is not a usable email address."""

    kind = ErrorKind.INVALID

    def __init__(self, value: str, why: str) -> None:
        super().__init__(t("address.invalid", value=value, why=why))
        self.value = value
        self.why = why


def normalize_address(value: str) -> str:
    """Return ``local@domain`` with the domain lower-cased (IDNA for non-ASCII), or raise InvalidAddress.

    The local part keeps its case: RFC 5321 leaves it to the receiving server.
    """
    text = unicodedata.normalize("NFC", value.strip().strip("<>").strip())
    local, at, domain = text.rpartition("@")
    if not at or not local or not domain:
        raise InvalidAddress(value, t("address.no_at"))
    if len(text) > 254 or len(local) > 64:
        raise InvalidAddress(value, t("address.too_long"))
    if not _LOCAL.match(local) or local.startswith(".") or local.endswith(".") or ".." in local:
        raise InvalidAddress(value, t("address.bad_local"))
    ascii_domain = _ascii_domain(domain)
    if ascii_domain is None:
        raise InvalidAddress(value, t("address.bad_domain"))
    return f"{local}@{ascii_domain}"


@functools.lru_cache(maxsize=4096)
def _ascii_domain(domain: str) -> str | None:
    """The domain lower-cased and in IDNA, or None if it cannot be one; cached, as a list of a million
    addresses has a few thousand domains."""
    try:
        ascii_domain = domain.rstrip(".").lower().encode("idna").decode("ascii")
    except UnicodeError:
        return None
    labels = ascii_domain.split(".")
    if len(labels) < 2 or not all(_DOMAIN_LABEL.match(label) for label in labels):
        return None
    return ascii_domain


def try_normalize(value: str | None) -> str | None:
    """Like normalize_address, but None for anything unusable."""
    if not value:
        return None
    try:
        return normalize_address(value)
    except InvalidAddress:
        return None


def local_part(address: str) -> str:
    return address.rpartition("@")[0]
