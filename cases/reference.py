"""Case references (``KK-2026-0042``), the tag that carries one in a subject (``[KK-2026-0042]``), and
the error for a reference that names no case."""

from __future__ import annotations

import re

from kulturkluster.errors import ErrorKind, KulturklusterError
from kulturkluster.texts import t

# The one pattern for a case tag; group 1 is the reference. The spaces around it belong to the tag, so
# taking the tag out of "Fråga [KK-2026-0042] om bidrag" leaves a single space.
CASE_TAG = re.compile(r"\s*\[\s*(KK-\d{4}-\d{3,})\s*\]\s*", re.IGNORECASE)


class CaseNotFound(KulturklusterError):
    """No case has this reference."""

    kind = ErrorKind.NOT_FOUND

    def __init__(self, reference: str) -> None:
        super().__init__(t("cases.not_found", reference=reference))
        self.reference = reference


def tagged_reference(subject: str) -> str | None:
    """The reference in the subject's first case tag, upper-cased; None without a tag."""
    tag = CASE_TAG.search(subject)
    return tag.group(1).upper() if tag else None


def is_reference(value: str) -> bool:
    """``value`` (surrounding spaces aside) is a reference and nothing else."""
    return CASE_TAG.fullmatch(f"[{value.strip()}]") is not None


def without_tags(subject: str) -> str:
    return CASE_TAG.sub(" ", subject)
