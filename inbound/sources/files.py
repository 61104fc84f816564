"""Messages from files: single ``.eml`` files, folders of them, Maildir folders and mbox files."""

from __future__ import annotations

import mailbox
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


def _is_mbox(path: Path) -> bool:
    with path.open("rb") as handle:
        return handle.read(5) == b"From "


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
            yield Item(raw=child.read_bytes(), source="import", ref=f"import:{child}")
    elif path.is_file() and _is_mbox(path):
        mbox = mailbox.mbox(path, create=False)
        try:
            for key in mbox.iterkeys():
                yield Item(raw=mbox.get_bytes(key), source="import", ref=f"import:{path}#{key}")
        finally:
            mbox.close()
    elif path.is_file():
        yield Item(raw=path.read_bytes(), source="import", ref=f"import:{path}")
    else:
        raise InboundPathError(t("inbound.path_unknown", path=path))
