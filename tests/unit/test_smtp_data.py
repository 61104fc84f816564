"""The DATA write: dot-stuffing as views of the message (no copy), and partial socket writes."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from mailer.transport import dot_stuffed, send_pieces


@pytest.mark.parametrize(
    ("raw", "wire"),
    [
        (b"Subject: x\r\n\r\nplain\r\n", b"Subject: x\r\n\r\nplain\r\n"),
        (b"a\r\n.b\r\n", b"a\r\n..b\r\n"),
        (b"a\r\n.\r\n..c\r\n.", b"a\r\n..\r\n...c\r\n.."),
        (b"a\n.b\r\n", b"a\n.b\r\n"),  # only a dot after CRLF starts a line on the wire
    ],
)
def test_dot_stuffing(raw: bytes, wire: bytes) -> None:
    pieces = dot_stuffed(raw)
    assert b"".join(pieces) == wire
    assert all(isinstance(piece, memoryview) or piece in (raw, b".") for piece in pieces)  # no copies


class TrickleSocket:
    """Takes at most ``most`` bytes a call, as a full send buffer would."""

    def __init__(self, most: int) -> None:
        self.most = most
        self.received = bytearray()
        self.calls = 0

    def sendmsg(self, buffers: Sequence[bytes | memoryview]) -> int:
        self.calls += 1
        taken = b"".join(bytes(b) for b in buffers)[: self.most]
        self.received += taken
        return len(taken)


@pytest.mark.parametrize("most", [1, 3, 7, 64, 10_000])
def test_partial_writes_send_every_byte_in_order(most: int) -> None:
    raw = b"".join(b"line %d\r\n.dot\r\n" % n for n in range(40))
    sock = TrickleSocket(most)
    send_pieces(sock, [*dot_stuffed(raw), b".\r\n"])  # type: ignore[arg-type]
    assert bytes(sock.received) == raw.replace(b"\r\n.", b"\r\n..") + b".\r\n"
    assert sock.calls == -(-len(sock.received) // most)  # nothing sent twice, no empty calls
