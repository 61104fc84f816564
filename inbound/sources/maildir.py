"""A local Maildir as the inbox: the embedded default, and a way to feed the service by dropping files.

Handled mail moves into Maildir++ sub-folders of the inbox (``.Behandlat.Ärenden``), one per route.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from pathlib import Path

from kulturkluster.settings import FolderSettings

from ..classify import Route
from .base import Item, folder_for

_SUBDIRS = ("tmp", "new", "cur")


class MaildirSource:
    name = "maildir"
    # A file name can come back with other contents (someone drops "test.eml" twice): dedupe by content.
    stable_refs = False

    def __init__(self, path: Path, folders: FolderSettings, poll_interval: float) -> None:
        self.path = path
        self.folders = folders
        self.poll_interval = poll_interval
        for sub in _SUBDIRS:
            (path / sub).mkdir(parents=True, exist_ok=True)

    def waiting(self) -> list[str]:
        found: list[tuple[float, str]] = []
        for sub in ("new", "cur"):
            with os.scandir(self.path / sub) as entries:
                for entry in entries:
                    if entry.is_file() and not entry.name.startswith("."):
                        found.append((entry.stat().st_mtime, f"maildir:{sub}/{entry.name}"))
        return [ref for _mtime, ref in sorted(found)]

    def fetch(self, refs: Sequence[str]) -> list[Item]:
        items = []
        for ref in refs:
            try:
                raw = (self.path / ref.removeprefix("maildir:")).read_bytes()
            except FileNotFoundError:
                continue  # taken by another process or removed by hand
            items.append(Item(raw=raw, source=self.name, ref=ref))
        return items

    def file(self, filed: Sequence[tuple[str, Route]]) -> None:
        for ref, route in filed:
            name = ref.removeprefix("maildir:")
            target_dir = self._folder(folder_for(route, self.folders))
            base = Path(name).name.split(":", 1)[0]
            try:
                (self.path / name).replace(target_dir / "cur" / f"{base}:2,S")
            except FileNotFoundError:
                continue

    def wait(self, stop: threading.Event) -> None:
        stop.wait(self.poll_interval)

    def close(self) -> None:
        pass

    def _folder(self, folder: str) -> Path:
        path = self.path / ("." + folder.replace("/", "."))
        for sub in _SUBDIRS:
            (path / sub).mkdir(parents=True, exist_ok=True)
        return path
