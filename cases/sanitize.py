"""Inbound HTML made safe to show staff: nh3 (ammonia) with a mail-friendly allow-list.

No scripts, event handlers, forms, frames or styles; links keep http(s) and mailto only and open with
``rel="noopener noreferrer"``; remote images are dropped (they would tell the sender when staff read the
mail), inline ``cid:`` images keep their reference so the case view can serve them from the attachments.
"""

from __future__ import annotations

import nh3

_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "code", "dd", "del", "div", "dl", "dt", "em", "font",
    "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "ins", "li", "ol", "p", "pre", "q", "s", "small",
    "span", "strike", "strong", "sub", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul",
}  # fmt: skip
_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "width", "height"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan"},
    "*": {"title", "lang", "dir"},
}


def _filter(tag: str, attribute: str, value: str) -> str | None:
    if tag == "img" and attribute == "src" and not value.lower().startswith("cid:"):
        return None
    return value


def sanitize_html(html: str) -> str:
    return nh3.clean(
        html,
        tags=_TAGS,
        attributes=_ATTRIBUTES,
        attribute_filter=_filter,
        url_schemes={"http", "https", "mailto", "cid"},
        clean_content_tags={"script", "style", "title", "head"},
        strip_comments=True,
        link_rel="noopener noreferrer",
    )
