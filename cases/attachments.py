"""Attachment bytes in a content-addressed file store: ``<root>/<aa>/<sha256>``, written once.

The same file sent twice is stored once; the database keeps names, types and sizes. Files over the size
limit are not kept (the raw message still has them) and are marked so in the case.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from kulturkluster.errors import ErrorKind, KulturklusterError
from kulturkluster.texts import t


class AttachmentMissing(KulturklusterError):
    """The store has no file for an attachment the database names."""

    kind = ErrorKind.NOT_FOUND


class AttachmentStoreFull(KulturklusterError):
    """The store could not write a file (disk full, quota, I/O error): the mail waits in quarantine and
    ``inbound reprocess`` stores it once there is space again."""

    kind = ErrorKind.UNAVAILABLE


@dataclass(frozen=True, slots=True)
class SpooledFile:
    """An attachment the parse worker already wrote to a file (big mail): adopted into the store by a
    rename, so its bytes are never held whole in memory."""

    path: str
    sha256: str
    size: int


class AttachmentStore:
    def __init__(self, root: Path, max_bytes: int) -> None:
        self.root = root
        self.max_bytes = max_bytes

    @property
    def spool_dir(self) -> Path:
        """Where the parse worker writes big attachments: inside the store, so adopting one is a rename."""
        return self.root / ".spool"

    def adopt(self, spooled: SpooledFile) -> str | None:
        """Move a spooled file into the store; its sha256, or None when it is over the size limit (the
        caller's clean-up then removes the spooled file)."""
        if spooled.size > self.max_bytes:
            return None
        path = self.path(spooled.sha256)
        if path.exists():
            return spooled.sha256
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(spooled.path, path)  # a rename within the store; a copy if the spool is elsewhere
        except OSError as exc:
            raise AttachmentStoreFull(
                t("attachments.store_failed", root=self.root, error=exc.strerror or exc)
            ) from exc
        return spooled.sha256

    def put(self, data: bytes) -> str | None:
        """Store ``data`` and return its sha256, or None when it is over the size limit."""
        if len(data) > self.max_bytes:
            return None
        digest = hashlib.sha256(data).hexdigest()
        path = self.path(digest)
        if path.exists():
            return digest
        temp: Path | None = None
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            # Write beside the target and rename: a reader never sees half a file, two writers never clash.
            with tempfile.NamedTemporaryFile(dir=path.parent, delete=False, prefix=".tmp-") as handle:
                temp = Path(handle.name)
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            temp.replace(path)
        except OSError as exc:  # ENOSPC, EDQUOT, EIO: leave nothing half-written behind
            if temp is not None:
                temp.unlink(missing_ok=True)
            raise AttachmentStoreFull(
                t("attachments.store_failed", root=self.root, error=exc.strerror or exc)
            ) from exc
        return digest

    def get(self, digest: str) -> bytes:
        try:
            return self.path(digest).read_bytes()
        except FileNotFoundError as exc:
            raise AttachmentMissing(f"attachment {digest} is missing from {self.root}") from exc

    def path(self, digest: str) -> Path:
        if len(digest) != 64 or not all(c in "0123456789abcdef" for c in digest):
            raise ValueError(f"not a sha256: {digest!r}")
        return self.root / digest[:2] / digest
