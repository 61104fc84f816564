"""Newsletter rendering: content + organisation -> one ``Compiled`` mail for the whole list, with warnings.

mjml-python (a wrapper around the Rust MRML engine) returns only an HTML string: it raises ``ValueError``
when the MJML cannot be parsed at all, but it has no validation and no warnings. An unknown ``mj-*`` tag,
an ``mj-image`` inside ``mj-text`` or text straight in ``mj-body`` are passed through or silently dropped.
``mjml_warnings`` is our own small structural check of the MJML source (and of the HTML it became), so
that the pre-send check can show staff what MRML would not.
"""

from __future__ import annotations

from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any

from kulturkluster.errors import ErrorKind
from kulturkluster.settings import OrgSettings
from kulturkluster.texts import t
from mailer.check import DECORATIVE_CLASS
from mailer.content import NewsletterContent
from mailer.render import PERSONAL_FIELDS, Compiled, Renderer, TemplateError

FOLDER = "newsletter"
SUFFIX = ".mjml.j2"


class UnknownTemplate(TemplateError):
    """No newsletter template by that name; the message lists the ones there are."""

    kind = ErrorKind.NOT_FOUND


@dataclass(frozen=True, slots=True)
class RenderedNewsletter:
    compiled: Compiled  # markers in place of each recipient's values
    mjml_warnings: tuple[str, ...]


def available_templates(renderer: Renderer | None = None) -> list[str]:
    """Names of the newsletter templates (``default`` for ``newsletter/default.mjml.j2``), sorted."""
    env = (renderer or Renderer()).env
    names = []
    for path in env.list_templates(filter_func=lambda p: p.startswith(f"{FOLDER}/") and p.endswith(SUFFIX)):
        name = path[len(FOLDER) + 1 : -len(SUFFIX)]
        if "/" not in name and not name.startswith("_"):
            names.append(name)
    return sorted(names)


def render_newsletter(
    renderer: Renderer,
    template: str,
    content: NewsletterContent,
    org: OrgSettings,
    view_url: str,
    accessibility_url: str = "",
) -> RenderedNewsletter:
    """Render once for the whole list; ``compiled.personalise`` fills in each recipient's values."""
    available = available_templates(renderer)
    if template not in available:
        raise UnknownTemplate(
            t("newsletter.unknown_template", name=template, available=", ".join(available) or "-")
        )
    name = f"{FOLDER}/{template}{SUFFIX}"
    context: dict[str, Any] = {
        **content.template_context(),
        "org": {
            "name": org.name,
            "address": org.address,
            "postal_address": org.postal_address,
            "accessibility_url": accessibility_url or org.accessibility_url,
        },
        "view_url": view_url,
    }
    try:
        compiled = renderer.compile(name, context)
    except ValueError as exc:  # MRML could not parse the MJML that Jinja2 produced
        raise TemplateError(t("newsletter.mjml_broken", name=template, error=exc)) from exc
    # Templates must not branch on personal values, so dummy values give the same MJML structure;
    # Jinja2 is cheap, the MJML run (the costly part) happened once above.
    dummies = {namespace: dict.fromkeys(fields, "x") for namespace, fields in PERSONAL_FIELDS.items()}
    source = renderer.env.get_template(name).render({**context, **dummies})
    return RenderedNewsletter(compiled=compiled, mjml_warnings=tuple(mjml_warnings(source, compiled.html)))


# -- the MJML sanity check ------------------------------------------------------------------------------

_HEAD_CHILDREN = ("mj-title", "mj-preview", "mj-attributes", "mj-style", "mj-font", "mj-breakpoint",
                  "mj-html-attributes", "mj-raw")  # fmt: skip
_CONTENT = ("mj-text", "mj-image", "mj-button", "mj-divider", "mj-spacer", "mj-table", "mj-social",
            "mj-navbar", "mj-accordion", "mj-carousel", "mj-raw")  # fmt: skip
# Where each element may stand (its allowed parents). mj-raw may stand almost anywhere.
_PARENTS: dict[str, tuple[str, ...]] = {
    "mjml": ("",),
    "mj-head": ("mjml",),
    "mj-body": ("mjml",),
    **dict.fromkeys(_HEAD_CHILDREN, ("mj-head",)),
    "mj-wrapper": ("mj-body",),
    "mj-section": ("mj-body", "mj-wrapper"),
    "mj-hero": ("mj-body", "mj-wrapper"),
    "mj-group": ("mj-section",),
    "mj-column": ("mj-section", "mj-group"),
    **dict.fromkeys(_CONTENT, ("mj-column", "mj-hero")),
    "mj-raw": ("mj-head", "mj-body", "mj-wrapper", "mj-section", "mj-column", "mj-hero"),
    "mj-social-element": ("mj-social",),
    "mj-navbar-link": ("mj-navbar",),
    "mj-accordion-element": ("mj-accordion",),
    "mj-accordion-title": ("mj-accordion-element",),
    "mj-accordion-text": ("mj-accordion-element",),
    "mj-carousel-image": ("mj-carousel",),
}
# Elements whose content is HTML, not MJML: an mj-* tag inside them is not rendered.
_ENDING = {"mj-text", "mj-button", "mj-table", "mj-raw", "mj-navbar-link", "mj-accordion-title",
           "mj-accordion-text", "mj-social-element", "mj-style", "mj-title", "mj-preview"}  # fmt: skip
# Elements that hold only other elements: text or HTML straight inside them is dropped or misplaced.
_STRUCTURAL = {"mjml", "mj-head", "mj-body", "mj-wrapper", "mj-section", "mj-group", "mj-column"}


class _MjmlLint(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.warnings: list[str] = []

    def _warn(self, key: str, **values: object) -> None:
        self.warnings.append(t(key, line=self.getpos()[0], **values))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._open(tag, attrs, closes=False)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._open(tag, attrs, closes=True)

    def _open(self, tag: str, attrs: list[tuple[str, str | None]], *, closes: bool) -> None:
        parent = self.stack[-1] if self.stack else ""
        if "mj-attributes" in self.stack:  # default attributes name any element; nothing is rendered
            if tag.startswith("mj-") and not closes:
                self.stack.append(tag)
            return
        if not (tag == "mjml" or tag.startswith("mj-")):
            if parent in _STRUCTURAL:
                self._warn("newsletter.mjml.html_outside_text", tag=tag, parent=parent)
            return
        if parent in _ENDING:
            self._warn("newsletter.mjml.inside_ending", tag=tag, parent=parent)
        elif tag not in _PARENTS:
            self._warn("newsletter.mjml.unknown", tag=tag)
        elif parent not in _PARENTS[tag]:
            where = parent or "-"
            self._warn("newsletter.mjml.misplaced", tag=tag, parent=where, allowed=", ".join(_PARENTS[tag]))
        values = dict(attrs)
        decorative = DECORATIVE_CLASS in (values.get("css-class") or "").split()
        if tag == "mj-image" and not values.get("alt") and not decorative:
            self._warn("newsletter.mjml.image_alt")
        if not closes:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not (tag == "mjml" or tag.startswith("mj-")):
            return
        if tag in self.stack:
            while self.stack and self.stack.pop() != tag:
                pass
        else:
            self._warn("newsletter.mjml.stray_end", tag=tag)

    def handle_data(self, data: str) -> None:
        if data.strip() and self.stack and self.stack[-1] in _STRUCTURAL:
            self._warn("newsletter.mjml.text_outside_text", parent=self.stack[-1], text=data.strip()[:40])


class _LeftoverMj(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag.startswith("mj-") and tag not in self.tags:
            self.tags.append(tag)


def mjml_warnings(mjml_source: str, html: str = "") -> list[str]:
    """Swedish warnings about MJML that MRML renders badly or not at all (line = line of the MJML)."""
    lint = _MjmlLint()
    lint.feed(mjml_source)
    lint.close()
    for tag in lint.stack:
        lint.warnings.append(t("newsletter.mjml.unclosed", tag=tag))
    leftover = _LeftoverMj()
    leftover.feed(html)
    leftover.close()
    lint.warnings.extend(t("newsletter.mjml.in_output", tag=tag) for tag in leftover.tags)
    return lint.warnings
