"""Addresses of the public pages that mails link to. The web app serves exactly these paths.

Every link carries a signed token (``subscribers.tokens``) and nothing else: no database id to guess.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

UNSUBSCRIBE_PATH = "/avsluta/{token}"
CONFIRM_PATH = "/bekrafta/{token}"
VIEW_PATH = "/nyhetsbrev/{token}"
# The public archive of sent newsletters: no token, anyone may read it (mailer/archive.py).
ARCHIVE_PATH = "/arkiv"
ARCHIVE_ISSUE_PATH = "/arkiv/{ref}"
FEED_PATH = "/arkiv/feed.atom"


@dataclass(frozen=True, slots=True)
class PublicLinks:
    base_url: str  # settings.public_url, e.g. "https://post.kulturkluster.se"

    def _url(self, path: str, token: str) -> str:
        return self.base_url.rstrip("/") + path.format(token=quote(token, safe=""))

    def unsubscribe(self, token: str) -> str:
        return self._url(UNSUBSCRIBE_PATH, token)

    def confirm(self, token: str) -> str:
        return self._url(CONFIRM_PATH, token)

    def unsubscribe_help(self) -> str:
        """The page that explains how to leave the list (the unsubscribe link of a page shown to anyone)."""
        return self.base_url.rstrip("/") + UNSUBSCRIBE_PATH.partition("/{")[0]

    def view(self, token: str) -> str:
        return self._url(VIEW_PATH, token)

    def archive(self) -> str:
        return self.base_url.rstrip("/") + ARCHIVE_PATH

    def archive_issue(self, ref: str) -> str:
        return self.base_url.rstrip("/") + ARCHIVE_ISSUE_PATH.format(ref=quote(ref, safe=""))

    def feed(self) -> str:
        return self.base_url.rstrip("/") + FEED_PATH


_UNSUBSCRIBE_SUBJECT = quote("Avsluta ")


def unsubscribe_mailto(address: str, token: str) -> str:
    """The List-Unsubscribe mailto: a mail with this subject unsubscribes through the inbound pipeline.

    The words are quoted once; a token's characters need no quoting, so ``quote`` takes its fast path
    (quoting the whole subject went character by character through Python: ~10 % of a message's cost)."""
    return f"mailto:{address}?subject={_UNSUBSCRIBE_SUBJECT}{quote(token)}"
