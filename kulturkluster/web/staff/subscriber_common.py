"""What the subscriber pages (and the users page) share: local times and the Swedish status names."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from kulturkluster.texts import t
from subscribers.models import Status

from .base import APP_PREFIX

PREFIX = f"{APP_PREFIX}/prenumeranter"
LOCAL_TIME = ZoneInfo("Europe/Stockholm")


def local(at: datetime | None) -> str:
    """A stored (UTC) moment as Swedish wall-clock time, to the minute."""
    return at.astimezone(LOCAL_TIME).strftime("%Y-%m-%d %H:%M") if at else ""


def status_labels() -> dict[str, str]:
    return {s.value: t(f"web.subscribers.status.{s.value}") for s in Status}
