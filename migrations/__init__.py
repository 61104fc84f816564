"""Alembic migrations (SQLite and PostgreSQL)."""
