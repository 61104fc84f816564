"""What the inbox, the case page and the case actions share: URLs, times, names, the allowed values."""

from __future__ import annotations

from sqlalchemy.orm import Session

from cases.models import ActorType, CaseStatus, FocusArea
from cases.municipalities import CHOICES as MUNICIPALITIES
from cases.reference import is_reference
from kulturkluster import accounts

from .base import APP_PREFIX

CASES_PATH = f"{APP_PREFIX}/arenden"


def case_url(reference: str) -> str:
    return f"{CASES_PATH}/{reference}"


def valid_reference(value: str) -> bool:
    return is_reference(value)


def staff_names(session: Session) -> dict[str, str]:
    """Username -> display name of every account (authors and assignees are stored as usernames)."""
    return {user.username: user.display_name for user in accounts.all_users(session)}


def choices() -> dict[str, list[str]]:
    """The values the CLI's ``cases set`` accepts, for the pages' selects."""
    return {
        "statuses": [s.value for s in CaseStatus],
        "focus_areas": [f.value for f in FocusArea],
        "actor_types": [a.value for a in ActorType],
        "municipalities": list(MUNICIPALITIES),
    }
