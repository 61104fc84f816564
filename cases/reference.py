"""Case references (``KK-2026-0042``), the tag that carries one in a subject (``[KK-2026-0042]``), and
the error for a reference that names no case."""

from __future__ import annotations

import re

from kulturkluster.errors import ErrorKind, KulturklusterError
from kulturkluster.texts import t

# The one pattern for a case tag; group 1 is the reference. The spaces around it belong to the tag, so
# taking the tag out of "Fråga [KK-2026-0042] om bidrag" leaves a single space.
CASE_TAG = re.compile(r"\s*\[\s*(KK-\d{4}-\d{3,})\s*\]\s*", re.IGNORECASE)


# A reference written without brackets ("Ang. KK-2026-0042", "Ärende kk-2026-42 igen"): the number may
# be written without its leading zeros.
BARE_REFERENCE = re.compile(r"(?<![\w-])KK-(\d{4})-(\d{1,6})(?![\w-])", re.IGNORECASE)


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


def mentioned_reference(subject: str) -> str | None:
    """A case reference written in the subject without a tag, in its stored form (``KK-2026-0042``).

    Anyone can write a number, so only the thread decision (``cases.thread_match``) gives it weight, and
    only for mail from someone already in that case.
    """
    found = BARE_REFERENCE.search(subject)
    return f"KK-{found.group(1)}-{int(found.group(2)):04d}" if found else None


def is_reference(value: str) -> bool:
    """``value`` (surrounding spaces aside) is a reference and nothing else."""
    return CASE_TAG.fullmatch(f"[{value.strip()}]") is not None


def without_tags(subject: str) -> str:
    return CASE_TAG.sub(" ", subject)
