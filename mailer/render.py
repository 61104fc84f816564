"""Rendering: Jinja2 first, then mjml-python once, then plain text generated from the HTML.

A template sets its own subject with ``{% set subject = ... %}`` so the words of a mail live in one file.

``compile`` runs Jinja2 and MJML once with markers in place of the recipient's values; ``personalise``
then only substitutes strings, so a thousand answers cost one MJML run, not a thousand.

Jinja2, MJML (with lxml) and inscriptis are imported when a template is first rendered, not with this
module: the newsletter sender needs ``Compiled`` and ``greeting_name`` but renders nothing, and the three
hold ~25 MiB (``mailer run`` stays lean; ``tests/integration/test_sender_imports.py``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache, cached_property
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kulturkluster.errors import ErrorKind, KulturklusterError

if TYPE_CHECKING:
    from inscriptis.model.config import ParserConfig
    from jinja2 import Environment

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"
_BLANK_RUNS = re.compile(r"\n{3,}")
# "[x](mailto:x)" and "[https://a](https://a)" say the same thing twice.
_SELF_LINK = re.compile(r"\[([^\]]+)\]\((?:mailto:)?\1\)")


class TemplateError(KulturklusterError):
    """A template is missing or does not render; the message names the template."""

    kind = ErrorKind.INVALID


@dataclass(frozen=True, slots=True)
class Rendered:
    subject: str
    html: str
    text: str


# Per-message values a template may use. ``recipient.greeting_name`` is " Anna", or "" when the name is
# unknown, so "Hej{{ recipient.greeting_name }}!" reads well either way. ``case`` is set for case mail.
# ``links`` are the recipient's own signed links (unsubscribe, confirm) on the public pages.
PERSONAL_FIELDS = {
    "recipient": ("email", "greeting_name"),
    "case": ("reference", "subject"),
    "links": ("unsubscribe", "confirm"),
}
_KEYS = tuple(f"{namespace}.{field}" for namespace, fields in PERSONAL_FIELDS.items() for field in fields)


def _marker(key: str) -> str:
    # Letters only: survives Jinja2 escaping, MJML and the HTML-to-text conversion unchanged.
    return "KKPERSONAL" + key.upper().replace("_", "").replace(".", "") + "X"


def greeting_name(name: str) -> str:
    return f" {name.strip()}" if name.strip() else ""


@dataclass(frozen=True, slots=True)
class Compiled:
    """A rendered mail with markers where the recipient's values go."""

    subject: str
    html: str
    text: str

    def personalise(self, values: Mapping[str, str]) -> Rendered:
        """Fill in ``values`` by key ("recipient.email", "case.reference", ...); missing keys become ""."""
        subject, html, text = self.subject, self.html, self.text
        for key in _KEYS:
            marker, value = _marker(key), values.get(key, "")
            subject = subject.replace(marker, value)
            html = html.replace(marker, escape(value))
            text = text.replace(marker, value)
        return Rendered(subject=subject, html=html, text=text)

    def prepare(self) -> Personaliser:
        """For many recipients of one mail: split at the markers once, then each fill is a join."""
        return Personaliser(Pieces.of(self.subject), Pieces.of(self.html), Pieces.of(self.text))


_MARKERS = re.compile("|".join(_marker(key) for key in _KEYS))
_KEY_OF = {_marker(key): key for key in _KEYS}


@dataclass(frozen=True, slots=True)
class Pieces:
    """A text cut at its markers: literal, key, literal, key, ..., literal."""

    literals: tuple[str, ...]
    keys: tuple[str, ...]

    @classmethod
    def of(cls, text: str) -> Pieces:
        parts = _MARKERS.split(text)
        return cls(tuple(parts), tuple(_KEY_OF[m] for m in _MARKERS.findall(text)))

    def fill(self, values: Mapping[str, str]) -> str:
        out = [self.literals[0]]
        for key, literal in zip(self.keys, self.literals[1:], strict=True):
            out.append(values.get(key, ""))
            out.append(literal)
        return "".join(out)


@dataclass(frozen=True, slots=True)
class Personaliser:
    subject: Pieces
    html: Pieces
    text: Pieces

    def uses(self, key: str) -> bool:
        return key in self.subject.keys or key in self.html.keys or key in self.text.keys

    def fill(self, values: Mapping[str, str]) -> Rendered:
        """The same result as ``Compiled.personalise``, at a fraction of the cost for long mails."""
        escaped = {key: escape(value) for key, value in values.items()}
        return Rendered(self.subject.fill(values), self.html.fill(escaped), self.text.fill(values))


class Renderer:
    """Renders the MJML templates under one folder."""

    def __init__(self, templates_dir: Path = TEMPLATES_DIR) -> None:
        self.templates_dir = templates_dir

    @cached_property
    def env(self) -> Environment:
        from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape  # noqa: PLC0415

        return Environment(
            loader=FileSystemLoader(self.templates_dir),
            autoescape=select_autoescape(enabled_extensions=("html", "mjml", "j2"), default=True),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )

    def render(self, name: str, context: dict[str, Any]) -> Rendered:
        try:
            template = self.env.get_template(name)
            mjml_source = template.render(context)
            subject = str(getattr(template.make_module(context), "subject", ""))
        except Exception as exc:
            raise TemplateError(f"template {name!r} could not be rendered: {exc}") from exc
        if not subject.strip():
            raise TemplateError(f"template {name!r} sets no subject ({{% set subject = ... %}})")
        from mjml import mjml2html  # noqa: PLC0415 - see the module's docstring

        html = mjml2html(mjml_source, disable_comments=True)
        return Rendered(subject=" ".join(subject.split()), html=html, text=html_to_text(html))

    def compile(self, name: str, context: dict[str, Any]) -> Compiled:
        """Render once for many messages: PERSONAL_FIELDS become markers that ``personalise`` fills in."""
        markers = {
            namespace: {field: _marker(f"{namespace}.{field}") for field in fields}
            for namespace, fields in PERSONAL_FIELDS.items()
        }
        rendered = self.render(name, {**context, **markers})
        return Compiled(subject=rendered.subject, html=rendered.html, text=rendered.text)


def html_to_text(html: str) -> str:
    """Readable plain text: paragraphs kept, links as ``[text](url)``, layout whitespace removed."""
    from inscriptis import get_text  # noqa: PLC0415 - see the module's docstring

    text = get_text(html, _text_config())
    lines = [line.strip() for line in text.splitlines()]
    text = _SELF_LINK.sub(r"\1", "\n".join(lines))
    return _BLANK_RUNS.sub("\n\n", text).strip() + "\n"


@cache
def _text_config() -> ParserConfig:
    from inscriptis.css_profiles import CSS_PROFILES  # noqa: PLC0415
    from inscriptis.model.config import ParserConfig  # noqa: PLC0415

    # display_images: an image's alt text stands in the plain text as "[alt]"; a decorative one (alt="") not.
    return ParserConfig(css=CSS_PROFILES["strict"], display_links=True, display_images=True)
