"""XOAUTH2 access tokens for Microsoft 365 mailboxes (client-credentials flow, msal).

msal caches the token and renews it shortly before it expires, so calling the provider before every
login is cheap.
"""

from __future__ import annotations

from typing import Any

from kulturkluster.errors import KulturklusterError
from kulturkluster.settings import ImapSettings
from kulturkluster.texts import t

OUTLOOK_SCOPE = "https://outlook.office365.com/.default"


class OAuthError(KulturklusterError):
    """No access token could be obtained; the message says what Microsoft answered."""


class MicrosoftTokenProvider:
    def __init__(self, settings: ImapSettings, app: Any = None) -> None:
        if app is None:
            import msal  # noqa: PLC0415 - only mailboxes on Microsoft 365 need it

            app = msal.ConfidentialClientApplication(
                settings.oauth_client_id,
                authority=f"https://login.microsoftonline.com/{settings.oauth_tenant}",
                client_credential=settings.oauth_client_secret.get_secret_value(),
            )
        self._app = app

    def __call__(self) -> str:
        result = self._app.acquire_token_for_client(scopes=[OUTLOOK_SCOPE])
        token = result.get("access_token") if isinstance(result, dict) else None
        if not token:
            error = (
                result.get("error_description") or result.get("error") if isinstance(result, dict) else result
            )
            raise OAuthError(t("imap.oauth_failed", error=error))
        return str(token)
