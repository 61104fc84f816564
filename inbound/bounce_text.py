"""Failed addresses in the plain text of delivery reports flufl.bounce has no detector for.

Apache James ("Error: Invalid user address ... RCPT TO: x@y"), KDDI/au ("Could not be delivered to:
<x@y>") and similar reports name the failed recipient in a fixed phrase. These patterns run only after
the detectors found nothing in a message that already looks like a bounce, and only where the text also
says the delivery failed.
"""

from __future__ import annotations

import re

from subscribers.address import try_normalize

_ADDRESS = r"<?([^\s<>\"';,]+@[^\s<>\"';,]+)"
_NAMED_FAILURES = (
    re.compile(r"could not be delivered to:?\s*" + _ADDRESS, re.IGNORECASE),
    re.compile(r"recipients? returned permanent errors?:\s*" + _ADDRESS, re.IGNORECASE),
    re.compile(r"^\s*RCPT TO:\s*" + _ADDRESS, re.IGNORECASE | re.MULTILINE),
)
_FAILED = re.compile(
    r"could not be delivered|permanent errors?|invalid user address|no such user|user unknown|"
    r"mailbox (?:is )?full|requested action not taken",
    re.IGNORECASE,
)


def failed_addresses(text: str) -> frozenset[str]:
    """Recipients a delivery report's text names as failed (permanent), or none."""
    head = text[:40000]
    if not _FAILED.search(head):
        return frozenset()
    found = set()
    for pattern in _NAMED_FAILURES:
        for match in pattern.finditer(head):
            address = try_normalize(match.group(1).rstrip("."))
            if address:
                found.add(address)
    return frozenset(found)
