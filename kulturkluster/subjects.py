"""Subject lines as mail programs write them: the reply and forward prefixes in front of the subject.

A leaf module (it imports no domain package): the inbound side reads commands out of subjects, and cases
write "SV: [KK-…] <subject>" from the subject a case was opened with; both strip prefixes the same way.
"""

from __future__ import annotations

import re

# Reply and forward prefixes in the languages our correspondents' mail programs use.
_PREFIX = re.compile(
    r"^\s*(?:(?:re|sv|svar|vb|vs|fw|fwd|vidarebefordrat|aw|wg|tr|antw|ref|rif|r)\s*(?:\[\d+\]|\(\d+\))?\s*[:：]\s*)+",
    re.IGNORECASE,
)


def strip_prefixes(subject: str) -> str:
    """Remove any run of Re:/SV:/VB:/Fwd:/AW: prefixes (also 'Re[2]:' and full-width colons)."""
    return _PREFIX.sub("", subject, count=1).strip()
