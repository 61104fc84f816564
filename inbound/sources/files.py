"""Messages from files: single ``.eml`` files, folders of them, Maildir folders and mbox files."""

from __future__ import annotations

import mailbox
import re
from collections.abc import Iterator
from pathlib import Path

from kulturkluster.errors import ErrorKind, KulturklusterError
from kulturkluster.texts import t

from .base import Item


class InboundPathError(KulturklusterError):
    """A path given to ``inbound import`` is not something mail can be read from."""

    kind = ErrorKind.INVALID


def _is_maildir(path: Path) -> bool:
    return path.is_dir() and all((path / sub).is_dir() for sub in ("cur", "new"))


# Only files named as mailboxes are split at "From " lines: a single saved message (.eml, .box, no
# suffix) often starts with its envelope "From " line and may quote an unescaped "From " line in its body,
# which must not become a second message.
_MBOX_SUFFIXES = frozenset({".mbox", ".mbx"})


# The envelope line ("From MAILER-DAEMON  Sat Oct  4 08:00:09 2025"), not RFC 2822's obsolete header
# syntax with space before the colon ("From  : John Doe <jdoe@example>").
_ENVELOPE_LINE = re.compile(rb"From +[^\s:]")


def _is_mbox(path: Path) -> bool:
    if path.suffix.lower() not in _MBOX_SUFFIXES and path.name.lower() != "mbox":
        return False
    with path.open("rb") as handle:
        return _ENVELOPE_LINE.match(handle.read(80)) is not None


def _single_message(raw: bytes) -> bytes:
    """A saved message without the envelope "From " line some tools write before its headers."""
    if _ENVELOPE_LINE.match(raw):
        _line, _sep, rest = raw.partition(b"\n")
        return rest
    return raw


def check_paths(paths: list[Path]) -> None:
    """Raise InboundPathError for the first path that does not exist."""
    for path in paths:
        if not path.exists():
            raise InboundPathError(t("inbound.path_missing", path=path))


def iter_items(paths: list[Path]) -> Iterator[Item]:
    """Every message in the given paths, in order, as pipeline items (source ``import``)."""
    check_paths(paths)
    for path in paths:
        yield from _items_of(path)


def _items_of(path: Path) -> Iterator[Item]:
    if _is_maildir(path):
        box = mailbox.Maildir(path, factory=None, create=False)
        for key in sorted(box.iterkeys()):
            yield Item(raw=box.get_bytes(key), source="import", ref=f"import:{path}#{key}")
    elif path.is_dir():
        for child in sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() == ".eml"):
            yield Item(raw=_single_message(child.read_bytes()), source="import", ref=f"import:{child}")
    elif path.is_file() and _is_mbox(path):
        mbox = mailbox.mbox(path, create=False)
        try:
            for key in mbox.iterkeys():
                yield Item(raw=mbox.get_bytes(key), source="import", ref=f"import:{path}#{key}")
        finally:
            mbox.close()
    elif path.is_file():
        yield Item(raw=_single_message(path.read_bytes()), source="import", ref=f"import:{path}")
    else:
        raise InboundPathError(t("inbound.path_unknown", path=path))
