"""The shared mailbox over IMAP (imapclient): UIDVALIDITY + UID references, IDLE, MOVE per route.

All socket access goes through ``connect``; every IMAP or socket error surfaces as ``SourceUnavailable``
so the runner can back off and reconnect.
"""

from __future__ import annotations

import contextlib
import logging
import ssl
import threading
import time
from collections.abc import Iterator, Sequence
from typing import Any

import imapclient
from imapclient.exceptions import IMAPClientError, LoginError

from kulturkluster.oauth import OAuthError, TokenProvider
from kulturkluster.settings import FolderSettings, ImapAuth, ImapSettings, Security
from kulturkluster.texts import t

from ..classify import Route
from .base import Item, SourceUnavailable, folder_for

log = logging.getLogger(__name__)

_FETCH_CHUNK = 100
_IDLE_SLICE = 1.0  # seconds; how often an IDLE wakes to check whether the service is stopping


@contextlib.contextmanager
def _imap_errors(host: str, port: int) -> Iterator[None]:
    try:
        yield
    except LoginError:
        raise
    except (TimeoutError, IMAPClientError, OSError, ssl.SSLError) as exc:
        raise SourceUnavailable(f"IMAP {host}:{port}: {type(exc).__name__}: {exc}") from exc


class ImapSource:
    stable_refs = True

    def __init__(
        self,
        settings: ImapSettings,
        folders: FolderSettings,
        *,
        idle_timeout: float,
        poll_interval: float,
        token_provider: TokenProvider | None = None,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self.settings = settings
        self.folders = folders
        self.idle_timeout = idle_timeout
        self.poll_interval = poll_interval
        self.token_provider = token_provider
        self.ssl_context = ssl_context or ssl.create_default_context()
        self.name = f"imap:{settings.username}@{settings.host}/{settings.folder}"
        self.uidvalidity: int | None = None
        self._client: Any = None
        self._delimiter = "/"
        self._existing_folders: set[str] = set()

    # -- connection -------------------------------------------------------------------------------------

    def connect(self) -> None:
        cfg = self.settings
        port = cfg.effective_port
        with _imap_errors(cfg.host, port):
            client = imapclient.IMAPClient(
                cfg.host,
                port=port,
                ssl=cfg.security is Security.TLS,
                ssl_context=self.ssl_context,
                timeout=cfg.timeout,
            )
            try:
                if cfg.security is Security.STARTTLS:
                    client.starttls(self.ssl_context)
                self._login(client)
                self._delimiter = _delimiter(client)
                info = client.select_folder(cfg.folder)
            except LoginError as exc:
                _close_quietly(client)
                raise SourceUnavailable(t("imap.login_failed", host=cfg.host, user=cfg.username)) from exc
            except BaseException:
                _close_quietly(client)
                raise
        self.uidvalidity = int(info[b"UIDVALIDITY"])
        self._client = client

    def _login(self, client: Any) -> None:
        cfg = self.settings
        if cfg.auth is ImapAuth.XOAUTH2:
            if self.token_provider is None:
                raise SourceUnavailable("xoauth2 chosen but no token provider configured")
            self._oauth2_login(client, self.token_provider)
        else:
            client.login(cfg.username, cfg.password.get_secret_value())

    def _oauth2_login(self, client: Any, tokens: TokenProvider) -> None:
        cfg = self.settings
        try:
            try:
                client.oauth2_login(cfg.username, tokens())
            except LoginError:
                # A token the server no longer takes (revoked, permission changed): one fresh token.
                tokens.invalidate()
                client.oauth2_login(cfg.username, tokens())
        except OAuthError as exc:
            raise SourceUnavailable(str(exc)) from None
        except LoginError:
            raise SourceUnavailable(t("imap.oauth_refused", host=cfg.host, user=cfg.username)) from None

    @property
    def client(self) -> Any:
        if self._client is None:
            self.connect()
        return self._client

    def close(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            _close_quietly(client)

    # -- Source protocol -------------------------------------------------------------------------------

    def waiting(self) -> list[str]:
        with _imap_errors(self.settings.host, self.settings.effective_port):
            uids = sorted(self.client.search(["NOT", "DELETED"]))
        return [self._ref(uid) for uid in uids]

    def fetch(self, refs: Sequence[str]) -> list[Item]:
        uids = [self._uid(ref) for ref in refs]
        items: list[Item] = []
        with _imap_errors(self.settings.host, self.settings.effective_port):
            for start in range(0, len(uids), _FETCH_CHUNK):
                chunk = uids[start : start + _FETCH_CHUNK]
                fetched = self.client.fetch(chunk, ["BODY.PEEK[]"])
                for uid in chunk:
                    data = fetched.get(uid)
                    if data and b"BODY[]" in data:
                        items.append(Item(raw=bytes(data[b"BODY[]"]), source="imap", ref=self._ref(uid)))
        return items

    def file(self, filed: Sequence[tuple[str, Route]]) -> None:
        by_folder: dict[str, list[int]] = {}
        for ref, route in filed:
            by_folder.setdefault(folder_for(route, self.folders), []).append(self._uid(ref))
        with _imap_errors(self.settings.host, self.settings.effective_port):
            for folder, uids in by_folder.items():
                name = self._ensure_folder(folder)
                if self.client.has_capability("MOVE"):
                    self.client.move(uids, name)
                else:
                    self.client.copy(uids, name)
                    self.client.delete_messages(uids)
                    self.client.uid_expunge(uids) if self.client.has_capability(
                        "UIDPLUS"
                    ) else self.client.expunge()

    def wait(self, stop: threading.Event) -> None:
        with _imap_errors(self.settings.host, self.settings.effective_port):
            client = self.client
            if not client.has_capability("IDLE"):
                stop.wait(self.poll_interval)
                client.noop()
                return
            deadline = time.monotonic() + self.idle_timeout
            client.idle()
            # No idle_done() after an error: on a broken connection it would wait for the socket timeout.
            while not stop.is_set() and time.monotonic() < deadline:
                slice_seconds = min(_IDLE_SLICE, max(deadline - time.monotonic(), 0.1))
                started = time.monotonic()
                responses = client.idle_check(timeout=slice_seconds)
                if any(_is_news(response) for response in responses):
                    break
                if not responses and time.monotonic() - started < slice_seconds / 2:
                    # idle_check() answers "nothing" at once when the server has closed the connection.
                    raise SourceUnavailable(f"IMAP {self.settings.host}: the server closed the connection")
            client.idle_done()

    # -- helpers ----------------------------------------------------------------------------------------

    def _ref(self, uid: int) -> str:
        return f"imap:{self.settings.folder}:{self.uidvalidity}:{uid}"

    def _uid(self, ref: str) -> int:
        return int(ref.rsplit(":", 1)[1])

    def _ensure_folder(self, folder: str) -> str:
        parts = [p for p in folder.split("/") if p]
        name = self._delimiter.join(parts)
        if name in self._existing_folders:
            return name
        for depth in range(1, len(parts) + 1):
            partial = self._delimiter.join(parts[:depth])
            if not self.client.folder_exists(partial):
                self.client.create_folder(partial)
                with contextlib.suppress(IMAPClientError):
                    self.client.subscribe_folder(partial)
        self._existing_folders.add(name)
        return name


def _is_news(response: Any) -> bool:
    return isinstance(response, tuple) and len(response) >= 2 and response[1] in (b"EXISTS", b"RECENT")


def _delimiter(client: Any) -> str:
    try:
        personal = client.namespace().personal
        if personal and personal[0][1]:
            delimiter = personal[0][1]
            return delimiter.decode() if isinstance(delimiter, bytes) else str(delimiter)
    except IMAPClientError:
        pass
    return "/"


def _close_quietly(client: Any) -> None:
    with contextlib.suppress(Exception):
        client.logout()
    with contextlib.suppress(Exception):
        client.shutdown()
