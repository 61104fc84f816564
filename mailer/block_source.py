"""The block editor's side of a content file: a file as editable blocks, and blocks back as a file.

``draft_from_source`` opens any valid content file (one written by ``newsletter create`` in the older
form too) as a ``Draft`` of plain string fields; ``source_from_draft`` writes a draft as front matter
with a ``blocks`` list. The YAML is written by PyYAML, so a colon or a quote in the subject just works.
Opening a file and saving it again renders the same (``tests/unit/test_block_source.py``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml

from .blocks import FIELDS, KINDS, legacy_blocks
from .content import front_matter, parse_content

FLAGS = frozenset({"decorative"})  # check boxes: "ja" when ticked


@dataclass(frozen=True, slots=True)
class EditorBlock:
    kind: str
    values: Mapping[str, str] = field(default_factory=dict)

    def value(self, name: str) -> str:
        return self.values.get(name, "")


@dataclass(frozen=True, slots=True)
class Draft:
    subject: str
    preheader: str
    blocks: tuple[EditorBlock, ...]


def draft_from_source(source: str) -> Draft:
    """A content file as blocks; raises ``ContentError`` when the file cannot be used as it is."""
    parse_content(source)  # the file's own errors first, with their lines
    data, _, body = front_matter(source)
    items = data["blocks"] if "blocks" in data else legacy_blocks(data, body)
    blocks = tuple(
        EditorBlock(str(item["type"]), {k: _plain(v) for k, v in item.items() if k != "type"})
        for item in items
    )
    return Draft(str(data.get("subject") or ""), str(data.get("preheader") or ""), blocks)


def source_from_draft(draft: Draft) -> str:
    """A draft as a content file in the block form (fields left empty are left out)."""
    fields: dict[str, Any] = {"subject": " ".join(draft.subject.split())}
    if draft.preheader.strip():
        fields["preheader"] = " ".join(draft.preheader.split())
    fields["blocks"] = [_stored(block) for block in draft.blocks]
    text = yaml.dump(fields, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=100_000)
    return f"---\n{text}---\n"


def _stored(block: EditorBlock) -> dict[str, Any]:
    stored: dict[str, Any] = {"type": block.kind}
    for name in FIELDS.get(block.kind, ()) if block.kind in KINDS else ():
        value = block.value(name).replace("\r\n", "\n")
        if name in FLAGS:
            if value:
                stored[name] = True
        elif block.kind == "text" and name == "text":
            if value.strip():
                stored[name] = "\n".join(line.rstrip() for line in value.strip("\n").split("\n"))
        elif value.strip():
            stored[name] = " ".join(value.split())
    return stored


def _plain(value: object) -> str:
    if value is True:
        return "ja"
    if value is None or value is False:
        return ""
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ", timespec="minutes")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


class _Dumper(yaml.SafeDumper):
    """Multi-line text as a literal block (``|``), as a person would write it."""


def _text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|" if "\n" in value else None)


_Dumper.add_representer(str, _text)
