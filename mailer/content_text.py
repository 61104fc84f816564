"""The pieces of newsletter content shared by both of its forms (sections and blocks).

Markdown to the HTML that may stand inside ``mj-text``, dates written out in Swedish, and the small field
checks whose messages name the field and where it is. Markdown is rendered with the CommonMark preset and
raw HTML off (so ``<script>`` is shown as text), headings become ``h3`` and the result is cleaned with nh3.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

import nh3
from markdown_it import MarkdownIt
from markdown_it.token import Token

from kulturkluster.errors import ErrorKind, KulturklusterError
from kulturkluster.texts import SV, t

# http:// is let through so that the pre-send check can point at it with the rest of the link problems.
WEB = ("https://", "http://")
LINK = (*WEB, "mailto:", "tel:")

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
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}(?:[ T]\d{2}:\d{2}(?::\d{2})?)?")


class ContentError(KulturklusterError):
    """Newsletter content that cannot be used; the Swedish message says which field and what to do."""

    kind = ErrorKind.INVALID


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


def iso_date(text: str) -> dt.date | None:
    """``2027-01-21`` as a date, ``2027-01-21 08:00[:00]`` (or with ``T``) as a datetime; else None."""
    text = text.strip()
    if not _ISO_DATE.fullmatch(text):
        return None
    try:
        return dt.date.fromisoformat(text) if len(text) == 10 else dt.datetime.fromisoformat(text)
    except ValueError:  # 2027-02-30: not a day, so it is shown as written
        return None


def swedish_date(value: dt.date) -> str:
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


def shown_date(value: object) -> str:
    """A date as the calendar shows it: dates and ISO text written out in Swedish, other text as written."""
    if isinstance(value, str):
        value = iso_date(value) or value
    return swedish_date(value) if isinstance(value, dt.date) else " ".join(str(value).split())


def check_url(value: str, field: str, where: str, schemes: tuple[str, ...]) -> None:
    """Refuse what can never be a working link (javascript:, relative paths); the check judges the rest."""
    if not value.lower().startswith(schemes):
        raise ContentError(t("newsletter.bad_url", field=field, where=where, value=value))


def text_field(data: Mapping[str, Any], field: str, where: str, *, required: bool = False) -> str:
    value = data.get(field)
    if value is None:
        if required:
            raise ContentError(t("newsletter.missing_field", field=field, where=where))
        return ""
    if not isinstance(value, str):
        raise ContentError(t("newsletter.not_text", field=field, where=where, kind=kind_of(value)))
    if required and not value.strip():
        raise ContentError(t("newsletter.empty_field", field=field, where=where))
    return value


def no_unknown(data: Mapping[Any, Any], allowed: tuple[str, ...], where: str) -> None:
    for key in data:
        if key not in allowed:
            raise ContentError(
                t("newsletter.unknown_field", field=str(key), where=where, allowed=", ".join(allowed))
            )


def kind_of(value: object) -> str:
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
