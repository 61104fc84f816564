"""Where processed newsletter images live: one file per picture, named by the SHA-256 of its bytes.

Content addressing makes the public URL stable and cacheable for ever (a changed picture is a new name),
and the same picture uploaded twice is one file. Files are written whole to a temporary name and renamed,
so a reader never sees half a picture.
"""

from __future__ import annotations

import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .images import CONTENT_TYPES, ProcessedImage

IMAGE_PATH = "/bilder/{name}"
_NAME = re.compile(r"[0-9a-f]{64}\.(?:jpg|png)")


def valid_name(name: str) -> bool:
    return _NAME.fullmatch(name) is not None


def content_type(name: str) -> str:
    return CONTENT_TYPES[name.rpartition(".")[2]]


@dataclass(frozen=True, slots=True)
class ImageStore:
    folder: Path
    public_url: str  # settings.public_url: the images are served from there

    def save(self, image: ProcessedImage) -> str:
        """Store ``image`` (once) and return its public URL."""
        target = self.folder / image.name
        if not target.exists():
            self.folder.mkdir(parents=True, exist_ok=True)
            fd, temporary = tempfile.mkstemp(dir=self.folder, prefix=".upload-")
            try:
                with os.fdopen(fd, "wb") as handle:
                    handle.write(image.data)
                Path(temporary).replace(target)
            except BaseException:
                Path(temporary).unlink(missing_ok=True)
                raise
        return self.url(image.name)

    def url(self, name: str) -> str:
        return self.public_url.rstrip("/") + IMAGE_PATH.format(name=name)

    def path(self, name: str) -> Path | None:
        """The file of a stored image, or None for a name that is not one of ours."""
        if not valid_name(name):
            return None
        path = self.folder / name
        return path if path.is_file() else None

    def name_of(self, url: str) -> str | None:
        """The stored image a URL points to (our public URL), or None for any other address."""
        prefix = self.url("")
        if not url.startswith(prefix):
            return None
        name = url[len(prefix) :].partition("?")[0]
        return name if valid_name(name) else None

    def size_of(self, url: str) -> int | None:
        """Bytes of the stored image behind ``url``; None when it is not ours or not there."""
        name = self.name_of(url)
        path = self.path(name) if name else None
        return path.stat().st_size if path else None
