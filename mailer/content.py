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
with both is rejected rather than guessing which one the writer meant. Markdown is rendered with the
CommonMark preset and raw HTML off (so ``<script>`` is shown as text), headings become ``h3`` and the
result is cleaned with nh3 down to what belongs inside ``mj-text``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import nh3
import yaml
from markdown_it import MarkdownIt
from markdown_it.token import Token
from markupsafe import Markup

from kulturkluster.errors import ErrorKind, KulturklusterError
from kulturkluster.texts import SV, t

_FIELDS = ("subject", "preheader", "intro", "sections", "events")
_SECTION_FIELDS = ("heading", "body", "image", "button")
_EVENT_FIELDS = ("date", "title", "place", "url")
_FENCES = ("---", "...")
# http:// is let through so that the pre-send check can point at it with the rest of the link problems.
_WEB = ("https://", "http://")
_LINK = (*_WEB, "mailto:", "tel:")

_MARKDOWN = MarkdownIt("commonmark", {"html": False})
_ALLOWED_TAGS = {"p", "br", "a", "strong", "em", "code", "ul", "ol", "li", "h3"}
_CLEANER = nh3.Cleaner(
    tags=_ALLOWED_TAGS,
    attributes={"a": {"href", "title"}, "ol": {"start"}},
    clean_content_tags={"script", "style"},
    # http stays so that the pre-send check can name the link; anything else (javascript:, data:) goes.
    url_schemes={"https", "http", "mailto", "tel"},
    link_rel="noopener noreferrer",
    set_tag_attribute_values={"a": {"target": "_blank"}},
)


class ContentError(KulturklusterError):
    """Newsletter content that cannot be used; the Swedish message says which field and what to do."""

    kind = ErrorKind.INVALID


@dataclass(frozen=True, slots=True)
class Image:
    src: str
    alt: str


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
    sections: tuple[Section, ...]
    events: tuple[Event, ...]

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
            }
        }


def parse_content(source: str) -> NewsletterContent:
    """Parse a content file; raises ``ContentError`` with a message staff can act on."""
    front, body = _split(source)
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
    _no_unknown(data, _FIELDS, "")
    subject = _text(data, "subject", "", required=True)
    intro_source = _text(data, "intro", "")
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
        preheader=" ".join(_text(data, "preheader", "").split()),
        intro_html=intro_html,
        sections=sections,
        events=events,
    )


def markdown_html(source: str, where: str) -> str:
    """Markdown as HTML that may stand inside ``mj-text``; "" for empty input."""
    if not source.strip():
        return ""
    tokens = _MARKDOWN.parse(source)
    for token in tokens:
        if token.type in ("heading_open", "heading_close"):
            token.tag = "h3"  # the template owns h1/h2; content headings sit one level below
        if any(child.type == "image" for child in _children(token)):
            raise ContentError(t("newsletter.markdown_image", where=where))
    html = _MARKDOWN.renderer.render(tokens, _MARKDOWN.options, {})
    return _CLEANER.clean(html).strip()


def _children(token: Token) -> list[Token]:
    return token.children or []


def _split(source: str) -> tuple[str, str]:
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
    _no_unknown(item, _SECTION_FIELDS, where)
    image = _nested(item, "image", ("src", "alt"), where)
    button = _nested(item, "button", ("label", "url"), where)
    if image:
        _url(image["src"], "src", t("newsletter.where_nested", field="image", where=where), _WEB)
    if button:
        _url(button["url"], "url", t("newsletter.where_nested", field="button", where=where), _LINK)
    return Section(
        heading=" ".join(_text(item, "heading", where, required=True).split()),
        body_html=markdown_html(_text(item, "body", where), where),
        image=Image(src=image["src"], alt=image["alt"]) if image else None,
        button=Button(label=button["label"], url=button["url"]) if button else None,
    )


def _event(item: Mapping[str, Any], where: str) -> Event:
    _no_unknown(item, _EVENT_FIELDS, where)
    date = item.get("date")
    # YAML reads 2026-03-19 as a date (and 2026-03-19 08:30:00 as a datetime); a quoted ISO date is read
    # the same way; other text is kept as written.
    if not isinstance(date, dt.date):
        date = iso_date(_text(item, "date", where, required=True)) or date
    shown = _swedish_date(date) if isinstance(date, dt.date) else str(date)
    url = _text(item, "url", where).strip()
    if url:
        _url(url, "url", where, _LINK)
    return Event(
        date=" ".join(shown.split()),
        title=" ".join(_text(item, "title", where, required=True).split()),
        place=" ".join(_text(item, "place", where, required=True).split()),
        url=url or None,
    )


def _nested(item: Mapping[str, Any], field: str, keys: tuple[str, ...], where: str) -> dict[str, str] | None:
    value = item.get(field)
    if value is None:
        return None
    inner = t("newsletter.where_nested", field=field, where=where)
    if not isinstance(value, dict):
        raise ContentError(t("newsletter.nested_not_mapping", field=field, where=where, keys=", ".join(keys)))
    _no_unknown(value, keys, inner)
    return {key: _text(value, key, inner, required=True).strip() for key in keys}


def _url(value: str, field: str, where: str, schemes: tuple[str, ...]) -> None:
    """Refuse what can never be a working link (javascript:, relative paths); the check judges the rest."""
    if not value.lower().startswith(schemes):
        raise ContentError(t("newsletter.bad_url", field=field, where=where, value=value))


def _text(data: Mapping[str, Any], field: str, where: str, *, required: bool = False) -> str:
    value = data.get(field)
    if value is None:
        if required:
            raise ContentError(t("newsletter.missing_field", field=field, where=where))
        return ""
    if not isinstance(value, str):
        raise ContentError(t("newsletter.not_text", field=field, where=where, kind=_kind(value)))
    if required and not value.strip():
        raise ContentError(t("newsletter.empty_field", field=field, where=where))
    return value


def _no_unknown(data: Mapping[Any, Any], allowed: tuple[str, ...], where: str) -> None:
    for key in data:
        if key not in allowed:
            raise ContentError(
                t("newsletter.unknown_field", field=str(key), where=where, allowed=", ".join(allowed))
            )


def _kind(value: object) -> str:
    if isinstance(value, bool):
        return SV["newsletter.kind.bool"]
    if isinstance(value, int | float):
        return SV["newsletter.kind.number"]
    if isinstance(value, dt.date):
        return SV["newsletter.kind.date"]
    if isinstance(value, list):
        return SV["newsletter.kind.list"]
    if isinstance(value, dict):
        return SV["newsletter.kind.mapping"]
    return SV["newsletter.kind.other"]


_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}(?:[ T]\d{2}:\d{2}(?::\d{2})?)?")


def iso_date(text: str) -> dt.date | None:
    """``2027-01-21`` as a date, ``2027-01-21 08:00[:00]`` (or with ``T``) as a datetime; else None."""
    text = text.strip()
    if not _ISO_DATE.fullmatch(text):
        return None
    try:
        return dt.date.fromisoformat(text) if len(text) == 10 else dt.datetime.fromisoformat(text)
    except ValueError:  # 2027-02-30: not a day, so it is shown as written
        return None


def _swedish_date(value: dt.date) -> str:
    weekdays, months = SV["newsletter.weekdays"].split(), SV["newsletter.months"].split()
    shown = t(
        "newsletter.date",
        weekday=weekdays[value.weekday()],
        day=value.day,
        month=months[value.month - 1],
        year=value.year,
    )
    if isinstance(value, dt.datetime):
        shown += t("newsletter.time", hour=value.hour, minute=value.minute)
    return shown[:1].upper() + shown[1:]  # it starts a line in the calendar
