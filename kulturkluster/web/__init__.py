"""The web app: the public pages that mails link to (unsubscribe, confirm, view in browser) and the staff
app under /app; both are built by ``create_app`` from the composition root's services."""

from .app import create_app, create_server

__all__ = ["create_app", "create_server"]
