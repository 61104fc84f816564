"""Newsletter content: a Markdown file with YAML front matter, parsed into plain frozen data.

The format (documented for staff in ``templates/README.md``)::

    ---
    subject: Nyhetsbrev mars 2026
    preheader: En mening som syns bredvid ämnesraden
    sections:
      - heading: Kulturfrukost
        body: |
          Markdown ...
        image: {src: "https://...", alt: "..."}
        button: {label: "Anmäl dig", url: "https://..."}
    events:
      - {date: 2026-03-19, title: Kulturfrukost, place: Eskilstuna, url: "https://..."}
    ---
    Markdown after the front matter is the introduction.

The introduction is either the ``intro`` field or the Markdown after the front matter, never both: a file
with both is rejected rather than guessing which one the writer meant. The block editor writes the other
form, an ordered ``blocks`` list (``mailer/blocks.py``) instead of ``intro``, ``sections`` and ``events``;
either form becomes the same ordered blocks, which is what the templates lay out.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import yaml
from markupsafe import Markup

from kulturkluster.texts import t

from .blocks import Action, Block, CalendarEntry, Text, layout, legacy_blocks, parse_blocks
from .content_text import (
    LINK,
    WEB,
    ContentError,
    check_url,
    markdown_html,
    no_unknown,
    shown_date,
    text_field,
)

__all__ = ["ContentError", "NewsletterContent", "markdown_html", "parse_content", "split_front_matter"]

_FIELDS = ("subject", "preheader", "intro", "sections", "events", "blocks")
_OLD_FORM = ("intro", "sections", "events")
_SECTION_FIELDS = ("heading", "body", "image", "button")
_EVENT_FIELDS = ("date", "title", "place", "url")
_IMAGE_FIELDS = ("src", "alt", "decorative")
_FENCES = ("---", "...")


@dataclass(frozen=True, slots=True)
class Image:
    src: str
    alt: str  # "" for a decorative image
    decorative: bool = False  # adds nothing to the text: screen readers and the plain-text part skip it


@dataclass(frozen=True, slots=True)
class Button:
    label: str
    url: str


@dataclass(frozen=True, slots=True)
class Section:
    heading: str
    body_html: str  # sanitised HTML for mj-text
    image: Image | None = None
    button: Button | None = None


@dataclass(frozen=True, slots=True)
class Event:
    date: str  # as it is shown: ISO dates are written out in Swedish, other text is kept as written
    title: str
    place: str
    url: str | None = None


@dataclass(frozen=True, slots=True)
class NewsletterContent:
    subject: str
    preheader: str
    intro_html: str
    sections: tuple[Section, ...]  # the older form only
    events: tuple[Event, ...]  # the older form's events, or the calendar entries among the blocks
    blocks: tuple[Block, ...] = ()

    def template_context(self) -> dict[str, Any]:
        """The ``content`` variable of a newsletter template; the sanitised HTML is marked safe here only."""
        return {
            "content": {
                "subject": self.subject,
                "preheader": self.preheader,
                "intro": Markup(self.intro_html),  # noqa: S704 - cleaned by nh3 in markdown_html
                "sections": [
                    {
                        "heading": s.heading,
                        "body": Markup(s.body_html),  # noqa: S704 - cleaned by nh3 in markdown_html
                        "image": s.image,
                        "button": s.button,
                    }
                    for s in self.sections
                ],
                "events": list(self.events),
                "blocks": [_block_context(b) for b in self.blocks],
                "groups": _groups(self.blocks),
                **_lead(self.blocks),
            }
        }


def _groups(blocks: Sequence[Block]) -> list[dict[str, Any]]:
    return [{"wide": g["wide"], "blocks": [_block_context(b) for b in g["blocks"]]} for g in layout(blocks)]


def _lead(blocks: Sequence[Block]) -> dict[str, Any]:
    """For a template about one event (``inbjudan``): the first calendar entry and the first button, shown
    prominently, and the groups of the other blocks."""
    event = next((b for b in blocks if isinstance(b, CalendarEntry)), None)
    button = next((b for b in blocks if isinstance(b, Action)), None)
    rest = [b for b in blocks if b is not event and b is not button]
    return {
        "lead_event": _block_context(event) if event else None,
        "lead_button": _block_context(button) if button else None,
        "other_groups": _groups(rest),
    }


def _block_context(block: Block) -> dict[str, Any]:
    if isinstance(block, Text):
        return {"kind": block.kind, "html": Markup(block.html)}  # noqa: S704 - cleaned by nh3 in markdown_html
    return {"kind": block.kind, **{name: getattr(block, name) for name in block.__slots__}}


def front_matter(source: str) -> tuple[dict[str, Any], str, str]:
    """The front matter's fields, its text and the body; raises ``ContentError`` with the YAML line."""
    front, body = split_front_matter(source)
    try:
        data = yaml.safe_load(front)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = str(getattr(exc, "problem", None) or exc)
        if mark is None:
            raise ContentError(t("newsletter.yaml_error_noline", problem=problem)) from exc
        raise ContentError(t("newsletter.yaml_error", line=mark.line + 2, problem=problem)) from exc
    if not isinstance(data, dict):
        raise ContentError(t("newsletter.not_mapping"))
    no_unknown(data, _FIELDS, "")
    return data, front, body


def parse_content(source: str) -> NewsletterContent:
    """Parse a content file; raises ``ContentError`` with a message staff can act on."""
    data, front, body = front_matter(source)
    subject = text_field(data, "subject", "", required=True)
    preheader = " ".join(text_field(data, "preheader", "").split())
    if "blocks" in data:
        if body.strip() or any(data.get(field) is not None for field in _OLD_FORM):
            raise ContentError(t("editor.blocks_and_old_form"))
        blocks = parse_blocks(data["blocks"])
        if not blocks:
            raise ContentError(t("editor.no_blocks"))
        events = tuple(
            Event(date=b.date, title=b.title, place=b.place, url=b.url)
            for b in blocks
            if isinstance(b, CalendarEntry)
        )
        return NewsletterContent(" ".join(subject.split()), preheader, "", (), events, blocks)
    intro_source = text_field(data, "intro", "")
    if intro_source.strip() and body.strip():
        raise ContentError(t("newsletter.intro_twice"))
    intro_html = markdown_html(intro_source or body, t("newsletter.where_intro"))
    sections = tuple(
        _section(item, where) for item, where in _items(data, "sections", front, "newsletter.where_section")
    )
    events = tuple(
        _event(item, where) for item, where in _items(data, "events", front, "newsletter.where_event")
    )
    if not intro_html and not sections:
        raise ContentError(t("newsletter.empty"))
    return NewsletterContent(
        subject=" ".join(subject.split()),
        preheader=preheader,
        intro_html=intro_html,
        sections=sections,
        events=events,
        blocks=parse_blocks(legacy_blocks(data, body)),
    )


def split_front_matter(source: str) -> tuple[str, str]:
    """Front matter and body; the front matter must open on the first non-blank line."""
    lines = source.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    start = 0
    while start < len(lines) and not lines[start].strip():
        start += 1
    if start == len(lines) or lines[start].rstrip() != "---":
        raise ContentError(t("newsletter.no_front_matter"))
    for end in range(start + 1, len(lines)):
        if lines[end].rstrip() in _FENCES:
            # Blank lines in front of the fence keep YAML line numbers equal to the file's.
            front = "\n" * start + "\n".join(lines[start + 1 : end])
            return front, "\n".join(lines[end + 1 :])
    raise ContentError(t("newsletter.front_matter_unclosed"))


def _items(
    data: Mapping[str, Any], field: str, front: str, where_key: str
) -> list[tuple[Mapping[str, Any], str]]:
    value = data.get(field)
    if value is None:
        return []
    if not isinstance(value, list):
        raise ContentError(t("newsletter.not_list", field=field))
    lines = _item_lines(front, field)
    result: list[tuple[Mapping[str, Any], str]] = []
    for index, item in enumerate(value):
        line = lines[index] if index < len(lines) else "?"
        where = t(where_key, number=index + 1, line=line)
        if not isinstance(item, dict):
            raise ContentError(t("newsletter.item_not_mapping", field=field, number=index + 1, line=line))
        result.append((item, where))
    return result


def _item_lines(front: str, field: str) -> list[int]:
    """File line numbers of the items of a top-level list (the fence line is line 1)."""
    node = yaml.compose(front, Loader=yaml.SafeLoader)
    if not isinstance(node, yaml.MappingNode):
        return []
    for key, value in node.value:
        if key.value == field and isinstance(value, yaml.SequenceNode):
            return [item.start_mark.line + 2 for item in value.value]
    return []


def _section(item: Mapping[str, Any], where: str) -> Section:
    no_unknown(item, _SECTION_FIELDS, where)
    image = _image(item, where)
    button = _nested(item, "button", ("label", "url"), where)
    if button:
        check_url(button["url"], "url", t("newsletter.where_nested", field="button", where=where), LINK)
    return Section(
        heading=" ".join(text_field(item, "heading", where, required=True).split()),
        body_html=markdown_html(text_field(item, "body", where), where),
        image=image,
        button=Button(label=button["label"], url=button["url"]) if button else None,
    )


def _event(item: Mapping[str, Any], where: str) -> Event:
    no_unknown(item, _EVENT_FIELDS, where)
    date = item.get("date")
    # YAML reads 2026-03-19 as a date (and 2026-03-19 08:30:00 as a datetime); a quoted ISO date is
    # written out the same way; other text is kept as written.
    shown = shown_date(date if isinstance(date, dt.date) else text_field(item, "date", where, required=True))
    url = text_field(item, "url", where).strip()
    if url:
        check_url(url, "url", where, LINK)
    return Event(
        date=" ".join(shown.split()),
        title=" ".join(text_field(item, "title", where, required=True).split()),
        place=" ".join(text_field(item, "place", where, required=True).split()),
        url=url or None,
    )


def _image(item: Mapping[str, Any], where: str) -> Image | None:
    """``image: {src, alt}``, or ``{src, decorative: true}`` for a picture that only decorates."""
    value = item.get("image")
    if value is None:
        return None
    inner = t("newsletter.where_nested", field="image", where=where)
    if not isinstance(value, dict):
        raise ContentError(t("newsletter.nested_not_mapping", field="image", where=where, keys="src, alt"))
    no_unknown(value, _IMAGE_FIELDS, inner)
    decorative = value.get("decorative", False)
    if not isinstance(decorative, bool):
        raise ContentError(t("archive.image.decorative_not_bool", where=inner))
    src = text_field(value, "src", inner, required=True).strip()
    check_url(src, "src", inner, WEB)
    if decorative:
        return Image(src=src, alt="", decorative=True)
    if not text_field(value, "alt", inner).strip():
        raise ContentError(t("archive.image.alt_missing", where=inner))
    return Image(src=src, alt=text_field(value, "alt", inner).strip())


def _nested(item: Mapping[str, Any], field: str, keys: tuple[str, ...], where: str) -> dict[str, str] | None:
    value = item.get(field)
    if value is None:
        return None
    inner = t("newsletter.where_nested", field=field, where=where)
    if not isinstance(value, dict):
        raise ContentError(t("newsletter.nested_not_mapping", field=field, where=where, keys=", ".join(keys)))
    no_unknown(value, keys, inner)
    return {key: text_field(value, key, inner, required=True).strip() for key in keys}
