"""What the subscriber pages (and the users page) share: the Swedish status names."""

from __future__ import annotations

from kulturkluster.texts import t
from subscribers.models import Status

from .base import APP_PREFIX

PREFIX = f"{APP_PREFIX}/prenumeranter"


def status_labels() -> dict[str, str]:
    return {s.value: t(f"web.subscribers.status.{s.value}") for s in Status}
