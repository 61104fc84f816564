from __future__ import annotations

from typing import Any

import pytest

from kulturkluster.oauth import OUTLOOK_SCOPE, MicrosoftTokenProvider, OAuthClient, OAuthError
from mailer.retry import Backoff

CLIENT = OAuthClient("tenant-id", "client-id", "client-secret")


class FakeMsal:
    def __init__(self, result: dict[str, Any]) -> None:
        self.result = result
        self.scopes: list[str] = []

    def acquire_token_for_client(self, scopes: list[str]) -> dict[str, Any]:
        self.scopes = scopes
        return self.result


def test_token_for_outlook_imap() -> None:
    app = FakeMsal({"access_token": "eyJ0eXAi", "expires_in": 3599})
    assert MicrosoftTokenProvider(CLIENT, lambda _client: app)() == "eyJ0eXAi"
    assert app.scopes == [OUTLOOK_SCOPE]


def test_refused_token_says_why() -> None:
    app = FakeMsal({"error": "invalid_client", "error_description": "AADSTS7000215: Invalid client secret."})
    with pytest.raises(OAuthError, match="AADSTS7000215"):
        MicrosoftTokenProvider(CLIENT, lambda _client: app)()


def test_backoff_grows_to_its_limit_and_resets() -> None:
    backoff = Backoff(maximum=10)
    delays = [backoff.next_delay() for _ in range(8)]
    assert 0.8 <= delays[0] <= 1.2
    assert all(d <= 12 for d in delays) and delays[-1] >= 8
    backoff.reset()
    assert backoff.next_delay() <= 1.2
