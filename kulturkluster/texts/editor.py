"""Catalogue part: The newsletter block editor and its templates."""

from __future__ import annotations

SV: dict[str, str] = {}
