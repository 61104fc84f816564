"""OAuth 2.0 access tokens for Microsoft 365 mailboxes (client-credentials flow through msal).

One implementation serves IMAP (reading the shared mailbox) and SMTP (sending as it). msal keeps the token
in memory and renews it five minutes before it expires, so asking the provider before every login is
cheap. When a server refuses a token that still looks valid (revoked, or the permission changed) the caller
calls ``invalidate()`` and asks once more: that one request goes to the token endpoint.

Failures become ``OAuthError`` with a message naming the setting or Entra permission to look at and the
AADSTS code Microsoft answered; the client secret and the tokens never appear in messages or logs.
"""

from __future__ import annotations

import base64
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from typing import Any, Protocol

from .errors import ErrorKind, KulturklusterError
from .settings import ImapSettings, OAuthSettings, SmtpSettings
from .texts import t

OUTLOOK_SCOPE = "https://outlook.office365.com/.default"
DEFAULT_AUTHORITY = "https://login.microsoftonline.com"

# What an administrator does about the AADSTS codes a client-credentials request can get. The key is the
# code; the value names the catalogue entry whose text says which setting or permission to check.
_HINTS: dict[str, str] = {
    "AADSTS7000215": "oauth.hint_secret",  # invalid client secret
    "AADSTS7000222": "oauth.hint_secret_expired",  # the secret has expired
    "AADSTS700016": "oauth.hint_client_id",  # application not found in the directory
    "AADSTS90002": "oauth.hint_tenant",  # tenant not found
    "AADSTS900023": "oauth.hint_tenant",  # tenant identifier is not valid
    "AADSTS70011": "oauth.hint_scope",  # invalid scope
    "AADSTS1002012": "oauth.hint_scope",
    "AADSTS65001": "oauth.hint_consent",  # admin consent missing
    "AADSTS7000112": "oauth.hint_disabled",  # application disabled
}
_AADSTS = re.compile(r"AADSTS\d+")


class OAuthError(KulturklusterError):
    """No access token could be obtained; the message says what Microsoft answered and what to check."""

    kind = ErrorKind.UNAVAILABLE


class TokenProvider(Protocol):
    """What a mail protocol client needs: a current token, and a way to drop one a server refused."""

    def __call__(self) -> str: ...

    def invalidate(self) -> None: ...


@dataclass(frozen=True)
class OAuthClient:
    """One app registration in Entra ID, and the settings group it was configured in (for messages)."""

    tenant: str
    client_id: str
    client_secret: str = field(repr=False)
    authority: str = DEFAULT_AUTHORITY
    group: str = "IMAP"  # KK_<group>__OAUTH_*: named in error messages

    @property
    def authority_url(self) -> str:
        return f"{self.authority.rstrip('/')}/{self.tenant}"

    def missing(self) -> list[str]:
        """The settings that are empty but needed, as environment variable names."""
        values = {"TENANT": self.tenant, "CLIENT_ID": self.client_id, "CLIENT_SECRET": self.client_secret}
        return [f"KK_{self.group}__OAUTH_{name}" for name, value in values.items() if not value]


def imap_client(imap: ImapSettings, oauth: OAuthSettings) -> OAuthClient:
    """The app registration IMAP's XOAUTH2 uses (KK_IMAP__OAUTH_*)."""
    secret = imap.oauth_client_secret.get_secret_value()
    return OAuthClient(imap.oauth_tenant, imap.oauth_client_id, secret, oauth.authority, group="IMAP")


def smtp_client(smtp: SmtpSettings, oauth: OAuthSettings) -> OAuthClient:
    """The app registration SMTP's XOAUTH2 uses (KK_SMTP__OAUTH_*, which default to KK_IMAP__OAUTH_*)."""
    secret = smtp.oauth_client_secret.get_secret_value()
    return OAuthClient(smtp.oauth_tenant, smtp.oauth_client_id, secret, oauth.authority, group="SMTP")


class MicrosoftTokenProvider:
    """Access tokens for ``OUTLOOK_SCOPE`` (IMAP.AccessAsApp, SMTP.SendAsApp) by client credentials.

    ``app_factory`` builds the msal application (tests and callers may supply one); by default it is
    ``msal.ConfidentialClientApplication`` against ``client.authority``. It is built on first use because
    msal fetches the authority's discovery document while it is constructed.
    """

    def __init__(self, client: OAuthClient, app_factory: Callable[[OAuthClient], Any] | None = None) -> None:
        self.client = client
        self._factory = app_factory or _msal_app
        self._app: Any = None
        self._lock = threading.Lock()

    def __call__(self) -> str:
        missing = self.client.missing()
        if missing:
            raise OAuthError(t("oauth.missing", settings=", ".join(missing)))
        with self._lock:
            try:
                if self._app is None:
                    self._app = self._factory(self.client)
                result = self._app.acquire_token_for_client(scopes=[OUTLOOK_SCOPE])
            except OAuthError:
                raise
            except (
                Exception
            ) as exc:  # msal raises ValueError or requests' errors for an unreachable authority
                self._app = None
                raise OAuthError(
                    t("oauth.unreachable", authority=self.client.authority, error=_one_line(exc))
                ) from None
        token = result.get("access_token") if isinstance(result, dict) else None
        if not token:
            raise OAuthError(explain(result, self.client.group))
        return str(token)

    def invalidate(self) -> None:
        """Forget the cached token(s): the next call fetches a fresh one from the token endpoint."""
        with self._lock:
            if self._app is None:
                return
            cache_ = self._app.token_cache
            for entry in list(cache_.search(cache_.CredentialType.ACCESS_TOKEN)):
                cache_.remove_at(entry)


def explain(result: object, group: str = "IMAP") -> str:
    """A refused token request in words: what Microsoft said (its AADSTS code) and what to check."""
    if not isinstance(result, dict):
        return t("oauth.failed", error=str(result), hint="")
    description = str(result.get("error_description") or result.get("error") or "unknown error")
    first_line = description.splitlines()[0]
    match = _AADSTS.search(first_line)
    hint_key = _HINTS.get(match.group(0)) if match else None
    if hint_key is None and result.get("error") == "invalid_client":
        hint_key = "oauth.hint_secret"
    hint = t(hint_key, group=group) if hint_key else ""
    return t("oauth.failed", error=first_line, hint=hint)


def xoauth2(user: str, token: str) -> str:
    """The SASL XOAUTH2 initial client response (not yet base64), as Microsoft and Google define it."""
    return f"user={user}\x01auth=Bearer {token}\x01\x01"


def xoauth2_base64(user: str, token: str) -> str:
    return base64.b64encode(xoauth2(user, token).encode()).decode("ascii")


@cache
def shared_provider(client: OAuthClient) -> MicrosoftTokenProvider:
    """One provider per app registration and process, so every SMTP connection shares one cached token."""
    return MicrosoftTokenProvider(client)


def _msal_app(client: OAuthClient) -> Any:
    import msal  # noqa: PLC0415 - only mailboxes on Microsoft 365 need it

    return msal.ConfidentialClientApplication(
        client.client_id,
        authority=client.authority_url,
        client_credential=client.client_secret,
        # The instance-discovery call always goes to login.microsoftonline.com; a national cloud or a
        # test authority is named by KK_OAUTH__AUTHORITY and is trusted as configured.
        instance_discovery=False,
    )


def _one_line(exc: BaseException) -> str:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return text[:300]
