"""Catalogue part: Answering a case: canned answers, signatures, attachments and quoting."""

from __future__ import annotations

SV: dict[str, str] = {}
