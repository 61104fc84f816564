"""Failed addresses in the plain text of delivery reports flufl.bounce has no detector for.

Apache James ("Error: Invalid user address ... RCPT TO: x@y"), KDDI/au ("Could not be delivered to:
<x@y>") and similar reports name the failed recipient in a fixed phrase. These patterns run only after
the detectors found nothing in a message that already looks like a bounce, and only where the text also
says the delivery failed.
"""

from __future__ import annotations

import re

from subscribers.address import try_normalize

_ADDRESS = r"<?([^\s<>\"';,:]+@[^\s<>\"';,:]+)"
_NAMED_FAILURES = (
    re.compile(r"could not be delivered to:?\s*" + _ADDRESS, re.IGNORECASE),
    re.compile(r"recipients? returned permanent errors?:\s*" + _ADDRESS, re.IGNORECASE),
    re.compile(r"RCPT TO:\s*" + _ADDRESS, re.IGNORECASE),
    re.compile(r"Final-Recipient:\s*rfc822;\s*" + _ADDRESS, re.IGNORECASE),
    # "... the following recipients:" / "---The following addresses had delivery errors---", the
    # address on a line below (blank or dashed lines between)
    re.compile(
        r"following (?:list of )?(?:recipients?|address(?:es)?)\b[^\n]*\n(?:[ \t\r]*-*[ \t\r]*\n)*\s*"
        + _ADDRESS,
        re.IGNORECASE,
    ),
    re.compile(r"(?:delivering your mail|deliver your message) to\s*" + _ADDRESS, re.IGNORECASE),
    re.compile(r"delivery failed \d+ attempts?:\s*" + _ADDRESS, re.IGNORECASE),
    re.compile(r"送信に失敗しました。?\s*" + _ADDRESS),
)
_FAILED = re.compile(
    r"could not be delivered|permanent errors?|invalid user address|no such user|user unknown|"
    r"mailbox (?:is )?full|requested action not taken|delivery errors|error (?:has )?occurred|"
    r"unable to deliver|delivery failed|error delivering|送信に失敗",
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
