"""The shared mailbox's Sent folder over IMAP, read-only: which folder it is, and its mail by UID.

Mail sent *as* the shared mailbox from Outlook is never delivered to the inbox; it is only in Sent. This
adapter finds that folder (the setting, or the one marked ``\\Sent`` by SPECIAL-USE), lists UIDs above the
last one read, and fetches them without setting any flag. It never moves or changes mail there. The
connection is its own (the inbox's stays in IDLE), opened with ``ImapSource``'s login code.
"""

from __future__ import annotations

import ssl
from collections.abc import Sequence
from typing import Any

from imapclient.imapclient import SENT

from kulturkluster.oauth import TokenProvider
from kulturkluster.settings import FolderSettings, ImapSettings

from .base import SourceUnavailable
from .imap import ImapSource, _imap_errors

_FETCH_CHUNK = 50


class SentFolderMissing(SourceUnavailable):
    """The mailbox has no folder marked ``\\Sent`` and none is configured (``KK_IMAP__SENT_FOLDER``)."""


class SentMailbox:
    """The Sent folder of the shared mailbox, selected read-only; see the module docstring."""

    def __init__(
        self,
        settings: ImapSettings,
        folders: FolderSettings,
        *,
        token_provider: TokenProvider | None = None,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self.settings = settings
        self._imap = ImapSource(
            settings,
            folders,
            idle_timeout=0,
            poll_interval=0,
            token_provider=token_provider,
            ssl_context=ssl_context,
        )
        self.folder: str | None = None
        self.uidvalidity: int | None = None

    @property
    def _client(self) -> Any:
        return self._imap.client

    def open(self) -> tuple[str, int]:
        """Connect if needed, select the Sent folder read-only: (its name, its UIDVALIDITY)."""
        with _imap_errors(self.settings.host, self.settings.effective_port):
            client = self._client
            name = self.settings.sent_folder.strip() or client.find_special_folder(SENT)
            if not name:
                raise SentFolderMissing(f"IMAP {self.settings.host}: no folder is marked \\Sent")
            info = client.select_folder(name, readonly=True)
        self.folder, self.uidvalidity = name, int(info[b"UIDVALIDITY"])
        return name, self.uidvalidity

    def uids_after(self, last_uid: int) -> list[int]:
        """UIDs of the mail that came into the folder after ``last_uid``, oldest first."""
        with _imap_errors(self.settings.host, self.settings.effective_port):
            found = self._client.search(["UID", f"{last_uid + 1}:*"])
        return sorted(uid for uid in found if uid > last_uid)  # "n:*" names the last message even below n

    def fetch(self, uids: Sequence[int]) -> dict[int, bytes]:
        """The raw mail of these UIDs (those still there), without setting \\Seen."""
        raws: dict[int, bytes] = {}
        with _imap_errors(self.settings.host, self.settings.effective_port):
            for start in range(0, len(uids), _FETCH_CHUNK):
                fetched = self._client.fetch(list(uids[start : start + _FETCH_CHUNK]), ["BODY.PEEK[]"])
                raws.update(
                    {uid: bytes(data[b"BODY[]"]) for uid, data in fetched.items() if b"BODY[]" in data}
                )
        return raws

    def close(self) -> None:
        self._imap.close()
