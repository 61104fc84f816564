"""Authentication-Results (RFC 8601): did the receiving server see a DMARC pass for the sender's domain?

Only a header added by the server we trust counts: the topmost one whose authserv-id matches the setting.
Anything further down could have been written by the sender.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

_COMMENT = re.compile(r"\([^()]*\)")
_PROPERTY = re.compile(r"([\w.-]+)\s*=\s*(\"[^\"]*\"|[^\s;]+)")


def _strip_comments(value: str) -> str:
    previous = None
    while previous != value:  # comments nest
        previous, value = value, _COMMENT.sub(" ", value)
    return value


def authserv_id(header: str) -> str:
    return _strip_comments(header).split(";", 1)[0].strip().split()[0].lower() if header.strip() else ""


def dmarc_pass(headers: Sequence[str], trusted_id: str, from_domain: str | None) -> bool:
    """True when the topmost header from ``trusted_id`` reports ``dmarc=pass`` for ``from_domain``."""
    if not trusted_id or not from_domain:
        return False
    trusted = trusted_id.strip().lower()
    for header in headers:
        if authserv_id(header) != trusted:
            continue
        return _has_dmarc_pass(header, from_domain.lower())
    return False


def _has_dmarc_pass(header: str, domain: str) -> bool:
    for result in _strip_comments(header).split(";")[1:]:
        props = {key.lower(): value.strip('"').lower() for key, value in _PROPERTY.findall(result)}
        if props.get("dmarc") == "pass" and props.get("header.from", "").rstrip(".") == domain:
            return True
    return False
