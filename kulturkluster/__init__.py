"""Kulturkluster Sörmland's mail service: the composition root (settings, database, CLI, wiring)."""

__version__ = "0.1.0"
