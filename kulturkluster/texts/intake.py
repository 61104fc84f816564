"""Catalogue part: Cases recorded by hand and replies sent from outside the app."""

from __future__ import annotations

SV: dict[str, str] = {}
