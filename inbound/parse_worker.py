"""The parse worker for big mail: ``python -m inbound.parse_worker MESSAGE_FILE SPOOL_DIR``.

Started by ``inbound.isolation`` for each message over the isolation threshold, in a fresh interpreter
that imports only the parser (about 20 MB), so a 50 MB mail costs this process the stdlib parser's copy of
the text and nothing else: the message is read from its file in pieces, and big base64 attachments are
decoded into files in ``SPOOL_DIR`` (inside the attachment store, where the pipeline adopts them by a
rename). The result, a pickled ``("ok", ParsedMail)`` or ``("unparseable", reason)``, goes to stdout.
"""

from __future__ import annotations

import pickle
import sys
from pathlib import Path

from .feed import message_from_file
from .isolation import discard_spooled
from .message import ParsedMail
from .parse import UnparseableMail, parse, parse_message

_HEAD = 65536


def parse_file(path: Path, spool: Path) -> ParsedMail:
    """``parse`` for a message in a file, without reading it whole unless its header block is broken."""
    with path.open("rb") as handle:
        head = handle.read(_HEAD)
    first_line = head.lstrip().split(b"\n", 1)[0]
    if not (b":" in first_line or head.lstrip().startswith(b"From ")):
        return parse(path.read_bytes())  # the rare repair path reads the whole message
    mail = parse_message(message_from_file(path), path.stat().st_size, path.read_bytes, spool)
    if mail.from_address is None:  # a broken header block: ``parse`` repairs it
        discard_spooled(mail)
        return parse(path.read_bytes())
    return mail


def main(argv: list[str]) -> int:
    message, spool = Path(argv[1]), Path(argv[2])
    try:
        result: tuple[str, object] = ("ok", parse_file(message, spool))
    except UnparseableMail as exc:
        result = ("unparseable", str(exc))
    sys.stdout.buffer.write(pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
