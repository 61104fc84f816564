"""Catalogue part: Staff notifications, daily summaries and follow-up reminders."""

from __future__ import annotations

SV: dict[str, str] = {}
