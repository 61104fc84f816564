"""The archive as an Atom feed (RFC 4287), built from plain data; pure, no I/O.

Every entry's id is the issue's archive URL without its readable part, which never changes (the subject
is frozen once an issue went out, but the id alone is stabler still).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from xml.etree import ElementTree as ET

ATOM_NS = "http://www.w3.org/2005/Atom"
CONTENT_TYPE = "application/atom+xml; charset=utf-8"
# An empty archive still needs an <updated>; a fixed moment keeps the feed stable for caches.
_EPOCH = datetime(2026, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class FeedEntry:
    id: str
    title: str
    link: str
    updated: datetime
    published: datetime
    summary: str


@dataclass(frozen=True, slots=True)
class Feed:
    id: str
    title: str
    self_link: str
    alternate_link: str
    author: str
    entries: Sequence[FeedEntry]


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def atom_xml(feed: Feed) -> bytes:
    """The feed document, UTF-8, with the XML declaration."""
    ET.register_namespace("", ATOM_NS)

    def sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
        element = ET.SubElement(parent, f"{{{ATOM_NS}}}{tag}", attrs)
        if text is not None:
            element.text = text
        return element

    root = ET.Element(f"{{{ATOM_NS}}}feed", {"xml:lang": "sv"})
    sub(root, "id", feed.id)
    sub(root, "title", feed.title)
    newest = max((entry.updated for entry in feed.entries), default=_EPOCH)
    sub(root, "updated", _stamp(newest))
    sub(root, "link", rel="self", type="application/atom+xml", href=feed.self_link)
    sub(root, "link", rel="alternate", type="text/html", href=feed.alternate_link)
    sub(sub(root, "author"), "name", feed.author)
    for entry in feed.entries:
        item = sub(root, "entry")
        sub(item, "id", entry.id)
        sub(item, "title", entry.title)
        sub(item, "link", rel="alternate", type="text/html", href=entry.link)
        sub(item, "published", _stamp(entry.published))
        sub(item, "updated", _stamp(entry.updated))
        sub(item, "summary", entry.summary or entry.title)
    document: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return document
