"""Smoke test for the private Dovecot test server in tests/servers/dovecot.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.servers.dovecot import DovecotServer, dovecot_available

_REASON = dovecot_available()

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(_REASON is not None, reason=_REASON or ""),
]

FOLDER = "Behandlat/Ärenden"


def _message(subject: str) -> bytes:
    return (
        f"From: a@example.org\r\nTo: b@example.org\r\nSubject: {subject}\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n\r\nHej då!\r\n"
    ).encode()


def test_dovecot_server_roundtrip(tmp_path: Path) -> None:
    with DovecotServer(tmp_path / "dovecot") as server:
        assert server.host == "127.0.0.1"
        assert server.port > 0
        client = server.client()
        try:
            capabilities = client.capabilities()
            assert b"IDLE" in capabilities
            assert b"MOVE" in capabilities

            client.append("INBOX", _message("first"))
            client.append("INBOX", _message("second"))
            client.create_folder(FOLDER)
            client.subscribe_folder(FOLDER)
            assert client.folder_exists(FOLDER)

            client.select_folder("INBOX")
            uids = client.search(["SUBJECT", "first"])
            assert len(uids) == 1
            client.move(uids, FOLDER)

            assert client.folder_status("INBOX", ["MESSAGES"])[b"MESSAGES"] == 1
            assert client.folder_status(FOLDER, ["MESSAGES"])[b"MESSAGES"] == 1
            client.select_folder(FOLDER)
            fetched = client.fetch(client.search(), ["BODY.PEEK[HEADER.FIELDS (SUBJECT)]"])
            (data,) = fetched.values()
            assert b"first" in data[b"BODY[HEADER.FIELDS (SUBJECT)]"]
            assert (server.maildir() / "Behandlat" / "&AMQ-renden" / "cur").is_dir()
        finally:
            client.logout()

        server.reset()

        client = server.client()
        try:
            names = [name for _flags, _delimiter, name in client.list_folders()]
            assert names == ["INBOX"]
            assert client.list_sub_folders() == []
            assert client.folder_status("INBOX", ["MESSAGES"])[b"MESSAGES"] == 0
        finally:
            client.logout()
    assert not server.running


def test_two_servers_at_once(tmp_path: Path) -> None:
    with (
        DovecotServer(tmp_path / "a") as first,
        DovecotServer(tmp_path / "b", users={"other": "pw"}) as second,
    ):
        assert first.port != second.port
        one = first.client()
        two = second.client("other")
        try:
            one.append("INBOX", _message("only in first"))
            assert one.folder_status("INBOX", ["MESSAGES"])[b"MESSAGES"] == 1
            assert two.folder_status("INBOX", ["MESSAGES"])[b"MESSAGES"] == 0
        finally:
            one.logout()
            two.logout()
