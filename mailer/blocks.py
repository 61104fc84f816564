"""Newsletter content as an ordered list of blocks: what the editor writes and what templates render.

Stored in the front matter under ``blocks``, one mapping per block with its ``type`` (see
``docs/architecture.md`` for the fields). A file in the older form (``intro``, ``sections``, ``events``)
becomes the same blocks through ``legacy_blocks``, so every file renders through one path and a file
opened in the block editor and saved again renders the same. Errors name the block the way the editor
shows it: "Block 3 (knapp): länken saknas."
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from kulturkluster.texts import SV, t

from .content_text import LINK, WEB, ContentError, iso_date, kind_of, markdown_html, shown_date

KINDS = ("heading", "text", "image", "button", "event", "divider")
FIELDS: dict[str, tuple[str, ...]] = {
    "heading": ("text",),
    "text": ("text",),
    "image": ("src", "alt", "decorative", "link", "caption"),
    "button": ("label", "url"),
    "event": ("title", "date", "time", "place", "url"),
    "divider": (),
}
_TIME = re.compile(r"\d{1,2}:\d{2}")


@dataclass(frozen=True, slots=True)
class Heading:
    kind: ClassVar[str] = "heading"
    text: str


@dataclass(frozen=True, slots=True)
class Text:
    kind: ClassVar[str] = "text"
    html: str  # sanitised HTML for mj-text


@dataclass(frozen=True, slots=True)
class Picture:
    kind: ClassVar[str] = "image"
    src: str
    alt: str  # "" only when decorative
    decorative: bool = False
    link: str | None = None
    caption: str = ""


@dataclass(frozen=True, slots=True)
class Action:
    kind: ClassVar[str] = "button"
    label: str
    url: str


@dataclass(frozen=True, slots=True)
class CalendarEntry:
    kind: ClassVar[str] = "event"
    date: str  # as shown: written out in Swedish when it is an ISO date
    title: str
    place: str
    url: str | None = None


@dataclass(frozen=True, slots=True)
class Divider:
    kind: ClassVar[str] = "divider"


Block = Heading | Text | Picture | Action | CalendarEntry | Divider


def kind_label(kind: str) -> str:
    return SV.get(f"editor.kind.{kind}", kind)


def where(number: int, kind: str) -> str:
    return t("editor.block.where", number=number, kind=kind_label(kind))


class BlockError(ContentError):
    """A block that cannot be used; ``number`` (from 1) says which, so the editor can point at it."""

    def __init__(self, message: str, number: int) -> None:
        super().__init__(message, number=number)
        self.number = number


def parse_blocks(items: object) -> tuple[Block, ...]:
    """The ``blocks`` list of a content file as typed blocks; a ``BlockError`` names the block."""
    if not isinstance(items, list):
        raise ContentError(t("newsletter.not_list", field="blocks"))
    blocks = []
    for number, item in enumerate(items, start=1):
        try:
            blocks.append(_block(number, item))
        except BlockError:
            raise
        except ContentError as exc:
            raise BlockError(str(exc), number) from exc
    return tuple(blocks)


def _block(number: int, item: object) -> Block:
    if not isinstance(item, dict):
        raise ContentError(t("editor.block.not_mapping", number=number))
    kind = item.get("type")
    if kind not in KINDS:
        raise ContentError(
            t("editor.block.unknown_kind", number=number, kind=str(kind), kinds=", ".join(KINDS))
        )
    here = where(number, str(kind))
    for key in item:
        if key != "type" and key not in FIELDS[kind]:
            raise ContentError(t("editor.block.unknown_field", where=here, field=str(key)))
    get = _Reader(item, here, str(kind))
    if kind == "heading":
        return Heading(text=get.required("text"))
    if kind == "text":
        inside = t("editor.block.where_inside", number=number, kind=kind_label(kind))
        return Text(html=markdown_html(get.required("text"), inside))
    if kind == "image":
        decorative = item.get("decorative") is True
        alt = get.optional("alt") if decorative else get.required("alt")
        if decorative and get.optional("link"):  # a link needs a name, and the alt text is the name
            raise ContentError(t("editor.block.decorative_link", where=here))
        return Picture(
            src=get.url("src", WEB, required=True) or "",
            alt="" if decorative else alt,
            decorative=decorative,
            link=get.url("link", LINK),
            caption=get.optional("caption"),
        )
    if kind == "button":
        return Action(label=get.required("label"), url=get.url("url", LINK, required=True) or "")
    if kind == "event":
        return CalendarEntry(
            date=_event_date(get, here),
            title=get.required("title"),
            place=get.required("place"),
            url=get.url("url", LINK),
        )
    return Divider()


def _event_date(get: _Reader, here: str) -> str:
    date, time = get.required("date"), get.optional("time")
    if not time:
        return shown_date(date)
    hour, _, minute = time.partition(":")
    if not _TIME.fullmatch(time) or int(hour) > 23 or int(minute) > 59:
        raise ContentError(t("editor.block.bad_time", where=here, value=time))
    joined = f"{date} {int(hour):02d}:{minute}"
    shown = shown_date(joined)
    if shown == joined:  # no ISO date to put the time on
        raise ContentError(t("editor.block.time_without_date", where=here))
    return shown


class _Reader:
    """One block's fields, each read with a message that names the block and what is missing."""

    def __init__(self, item: Mapping[str, Any], here: str, kind: str) -> None:
        self.item, self.here, self.kind = item, here, kind

    def optional(self, field: str) -> str:
        value = self.item.get(field)
        if value is None:
            return ""
        if isinstance(value, dt.date) and field == "date":
            return value.isoformat(sep=" ") if isinstance(value, dt.datetime) else value.isoformat()
        if not isinstance(value, str):
            raise ContentError(t("editor.block.not_text", where=self.here, field=field, kind=kind_of(value)))
        return value if self.kind == "text" else " ".join(value.split())

    def required(self, field: str) -> str:
        value = self.optional(field)
        if not value.strip():
            raise ContentError(
                t("editor.block.missing", where=self.here, what=SV[f"editor.missing.{self.kind}.{field}"])
            )
        return value

    def url(self, field: str, schemes: tuple[str, ...], *, required: bool = False) -> str | None:
        value = (self.required(field) if required else self.optional(field)).strip()
        if value and not value.lower().startswith(schemes):
            raise ContentError(t("editor.block.bad_url", where=self.here, field=field, value=value))
        return value or None


def legacy_blocks(data: Mapping[str, Any], body: str) -> list[dict[str, Any]]:
    """The blocks of a file in the older form (already checked by ``parse_content``), in stored form."""
    blocks: list[dict[str, Any]] = []
    intro = data.get("intro") or body
    if isinstance(intro, str) and intro.strip():
        blocks.append({"type": "text", "text": intro.strip("\n")})
    for section in data.get("sections") or []:
        image = section.get("image")
        if image and image.get("decorative") is True:  # the archive work's ``decorative: true``
            blocks.append({"type": "image", "src": image["src"].strip(), "decorative": True})
        elif image:
            blocks.append({"type": "image", "src": image["src"].strip(), "alt": image["alt"].strip()})
        else:
            blocks.append({"type": "divider"})
        blocks.append({"type": "heading", "text": section["heading"]})
        if (section.get("body") or "").strip():
            blocks.append({"type": "text", "text": section["body"].strip("\n")})
        if section.get("button"):
            button = section["button"]
            blocks.append({"type": "button", "label": button["label"].strip(), "url": button["url"].strip()})
    events = data.get("events") or []
    if events:
        blocks += [{"type": "divider"}, {"type": "heading", "text": SV["editor.calendar_heading"]}]
    for event in events:
        entry = {
            "type": "event",
            **_legacy_date(event["date"]),
            "title": event["title"],
            "place": event["place"],
        }
        if (event.get("url") or "").strip():
            entry["url"] = event["url"].strip()
        blocks.append(entry)
    return blocks


def _legacy_date(value: object) -> dict[str, str]:
    if isinstance(value, str):
        value = iso_date(value) or value  # a quoted ISO date opens in the date and time pickers too
    if isinstance(value, dt.datetime):
        return {"date": value.date().isoformat(), "time": f"{value.hour:02d}:{value.minute:02d}"}
    if isinstance(value, dt.date):
        return {"date": value.isoformat()}
    return {"date": str(value)}


def layout(blocks: Sequence[Block]) -> list[dict[str, Any]]:
    """Blocks as the template lays them out: each picture across the whole width, the rest in columns."""
    groups: list[dict[str, Any]] = []
    for block in blocks:
        if isinstance(block, Picture):
            groups.append({"wide": True, "blocks": [block]})
        elif groups and not groups[-1]["wide"]:
            groups[-1]["blocks"].append(block)
        else:
            groups.append({"wide": False, "blocks": [block]})
    return groups
