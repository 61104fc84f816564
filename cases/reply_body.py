"""What a reply says besides what staff typed: their signature below it, the requester's last message
quoted below that, and the files with it. Pure: plain values in, plain values out.

The quote reads as mail programs write it: "Den 3 mars 2026 kl. 10:15 skrev Namn <adress>:", then the
message with "> " before each line in the text part; the HTML part shows it as a blockquote.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from kulturkluster.errors import ErrorKind, KulturklusterError
from kulturkluster.texts import t
from mailer.mime import FilePart, safe_content_type

LOCAL_TIME = ZoneInfo("Europe/Stockholm")
MAX_QUOTED_LINES = 400
MAX_FILENAME = 200
_UNSAFE_NAME = re.compile(r"[\x00-\x1f\x7f/\\]+")

# Letters only (like the renderer's personal markers): they survive Jinja2, MJML and the text conversion.
QUOTE_START, QUOTE_END = "KKQUOTESTARTX", "KKQUOTEENDX"
_QUOTE_IN_HTML = re.compile(rf"<div>\s*(?:{QUOTE_START}|{QUOTE_END})\s*</div>")
_QUOTE_IN_TEXT = re.compile(rf"{QUOTE_START}.*?{QUOTE_END}", re.S)


class AttachmentsTooLarge(KulturklusterError):
    """The files of a reply are larger together than ``KK_CASES__MAX_REPLY_ATTACHMENT_BYTES``."""

    kind = ErrorKind.INVALID


@dataclass(frozen=True, slots=True)
class Quote:
    intro: str
    lines: tuple[str, ...]

    def as_text(self) -> str:
        return "\n".join([self.intro, *(f"> {line}" if line else ">" for line in self.lines)])


def swedish_moment(at: datetime) -> str:
    """ "3 mars 2026 kl. 10:15" in Stockholm time."""
    local = at.astimezone(LOCAL_TIME)
    month = t("newsletter.months").split()[local.month - 1]
    return f"{local.day} {month} {local.year} kl. {local:%H:%M}"


def quote_of(text: str, at: datetime, name: str, address: str) -> Quote | None:
    """The quote of a message with ``text`` from ``name <address>`` at ``at``; None for an empty one."""
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").strip("\n").split("\n")]
    if not any(lines):
        return None
    if len(lines) > MAX_QUOTED_LINES:
        lines = [*lines[:MAX_QUOTED_LINES], "[…]"]
    who = f"{name} <{address}>" if name and address else (name or address or t("answering.quote_someone"))
    return Quote(t("answering.quote_intro", when=swedish_moment(at), who=who), tuple(lines))


def with_signature(body: str, signature: str) -> str:
    """The typed text with the author's signature below it (a blank line between)."""
    body, signature = body.strip(), signature.replace("\r\n", "\n").strip()
    return f"{body}\n\n{signature}" if signature else body


def paragraphs(text: str) -> list[str]:
    return [p.strip() for p in re.split(r"\n\s*\n", text.strip()) if p.strip()]


def place_quote(html: str, text: str, quote: Quote | None) -> tuple[str, str]:
    """The rendered reply with its quote as it should read: the markers gone from the HTML (where the
    template's blockquote stays), and the text's quote replaced by the "> " lines."""
    if quote is None:
        return html, text
    return _QUOTE_IN_HTML.sub("", html), _QUOTE_IN_TEXT.sub(lambda _m: quote.as_text(), text, count=1)


def file_name(name: str) -> str:
    """An uploaded file's name as we keep and send it: no folders, no control characters, not too long."""
    base = _UNSAFE_NAME.sub("_", name.replace("\\", "/").rsplit("/", 1)[-1]).strip(" .")
    if len(base) > MAX_FILENAME:
        stem, dot, ext = base.rpartition(".")
        base = (
            (stem[: MAX_FILENAME - len(ext) - 1] + dot + ext)
            if dot and len(ext) <= 10
            else base[:MAX_FILENAME]
        )
    return base or t("answering.unnamed_file")


def refuse_over(total: int, limit: int) -> None:
    """``AttachmentsTooLarge`` when files of ``total`` bytes are more than one reply may carry."""
    if total > limit:
        raise AttachmentsTooLarge(
            t("answering.files_too_large", size=size_text(total), limit=size_text(limit))
        )


def checked_files(files: Sequence[FilePart], limit: int) -> list[FilePart]:
    """The files to send, named and typed safely; ``AttachmentsTooLarge`` when they weigh over ``limit``."""
    refuse_over(sum(len(f.data) for f in files), limit)
    return [FilePart(file_name(f.filename), safe_content_type(f.content_type), f.data) for f in files]


def size_text(size: int) -> str:
    """A size as staff read it: "900 byte", "12 kB", "10 MB", "10,5 MB" (a decimal comma)."""
    if size < 1024:
        return f"{size} byte"
    if size < 1024 * 1024:
        return f"{size // 1024} kB"
    value = f"{size / 1024 / 1024:.1f}".replace(".", ",").removesuffix(",0")
    return f"{value} MB"
