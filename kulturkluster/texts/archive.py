"""Catalogue part: Newsletter images and the public archive."""

from __future__ import annotations

SV: dict[str, str] = {}
