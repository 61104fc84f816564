"""The web app: the public pages that mails link to (unsubscribe, confirm, view in browser).

The staff pages will join these; both are built by ``create_app`` from the composition root's services.
"""

from .app import create_app

__all__ = ["create_app"]
