"""Catalogue part: The evaluation report, case context and search."""

from __future__ import annotations

SV: dict[str, str] = {}
