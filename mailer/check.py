"""The pre-send check of a newsletter: what would break, clip or annoy in the recipients' mail programs.

``check_newsletter`` is pure: it looks at one ``Compiled`` mail (filled in with probe values, so the
recipient's own links count as present) and returns findings with Swedish messages for staff.
``check_links_online`` asks the web whether the links answer; it runs only when staff ask for it.
"""

from __future__ import annotations

import ssl
import urllib.request
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from html.parser import HTMLParser
from http.client import HTTPException
from typing import Literal
from urllib.error import HTTPError, URLError
from urllib.parse import urlsplit

from kulturkluster.texts import t
from mailer.render import PERSONAL_FIELDS, Compiled

Severity = Literal["error", "warning"]

# Gmail cuts the HTML of a message after about 102 KB and hides the rest (with our footer and the
# unsubscribe link) behind "[Message clipped]".
GMAIL_CLIP_BYTES = 102 * 1024
SIZE_WARNING_BYTES = 90 * 1024
SUBJECT_WARN_CHARS = 78  # what most mail programs show in a list before cutting
SUBJECT_MAX_CHARS = 150
USER_AGENT = "Kulturkluster-lankkontroll/1.0 (+https://kulturkluster.se)"

# The class a template gives an image that content marks as decorative (its alt is empty on purpose).
DECORATIVE_CLASS = "kk-decorative"
_UNSUBSCRIBE_PROBE = "https://avsluta.invalid/kontroll"
_PROBE = {
    f"{ns}.{field}": f"probe-{ns}-{field}" for ns, fields in PERSONAL_FIELDS.items() for field in fields
}
_PROBE["links.unsubscribe"] = _UNSUBSCRIBE_PROBE
_PROBE["links.confirm"] = "https://bekrafta.invalid/kontroll"


@dataclass(frozen=True, slots=True)
class Finding:
    severity: Severity
    code: str  # stable, for tests and scripts: "size", "image_alt", "link_http", ...
    message: str  # Swedish, for staff


@dataclass(frozen=True, slots=True)
class CheckReport:
    findings: tuple[Finding, ...]

    @property
    def ok(self) -> bool:
        """True when nothing stops the send (warnings are allowed)."""
        return not self.errors

    @property
    def errors(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity == "error")

    @property
    def warnings(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity == "warning")


@dataclass(frozen=True, slots=True)
class ImageTag:
    src: str
    alt: str | None  # None when the attribute is missing
    decorative: bool  # MJML's own markup or marked as presentation / a spacer of a pixel or two


class _Scan(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.images: list[ImageTag] = []
        self._decorative_next = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        classes = values.get("class", "").split()
        mjml_own = any(c.startswith("mj-") for c in classes)
        if DECORATIVE_CLASS in classes:  # MJML puts an mj-image's css-class on the cell around the <img>
            self._decorative_next = True
        if tag == "a" and not mjml_own:  # MJML's carousel thumbnails link to "#1", "#2", ...
            self.links.append(values.get("href", "").strip())
        elif tag == "img":
            tiny = any(
                values.get(d, "").strip() in ("0", "1", "2", "0px", "1px", "2px") for d in ("width", "height")
            )
            decorative = (
                mjml_own
                or self._decorative_next
                or tiny
                or values.get("role") == "presentation"
                or values.get("aria-hidden") == "true"
            )
            alt = values.get("alt")
            self._decorative_next = False
            self.images.append(ImageTag(src=values.get("src", "").strip(), alt=alt, decorative=decorative))


def _scan(html: str) -> _Scan:
    scan = _Scan()
    scan.feed(html)
    scan.close()
    return scan


def links_in(html: str) -> list[str]:
    """The href of every link (``<a>``) in document order; "" for a link without one."""
    return _scan(html).links


def images_in(html: str) -> list[ImageTag]:
    return _scan(html).images


def check_newsletter(
    compiled: Compiled, preheader: str, mjml_warnings: Sequence[str], public_url: str = ""
) -> CheckReport:
    """Everything that can be known without the network; ``ok`` is False when there is an error.

    Links to our own public pages (``public_url``: view in browser, unsubscribe) are judged once, as the
    setting they come from: plain http is fine for a trial on this machine, an error anywhere else.
    """
    probe = compiled.personalise(_PROBE)
    scan = _scan(probe.html)
    own = public_url.rstrip("/") + "/" if public_url else None
    theirs = [href for href in scan.links if own is None or not href.startswith(own)]
    findings = [
        *_size(probe.html),
        *_subject(probe.subject),
        *_unsubscribe(scan.links, probe.text),
        *_public_url(public_url, used=len(theirs) < len(scan.links)),
        *_links(theirs),
        *_images(scan.images),
    ]
    if not probe.text.strip():
        findings.append(Finding("error", "text_missing", t("newsletter.check.text_missing")))
    if not preheader.strip():
        findings.append(Finding("warning", "preheader_missing", t("newsletter.check.preheader_missing")))
    findings.extend(Finding("warning", "mjml", t("newsletter.check.mjml", warning=w)) for w in mjml_warnings)
    return CheckReport(tuple(findings))


def _size(html: str) -> list[Finding]:
    size = len(html.encode("utf-8"))
    kb = round(size / 1024)
    if size > GMAIL_CLIP_BYTES:
        return [Finding("error", "size", t("newsletter.check.size_error", kb=kb))]
    if size > SIZE_WARNING_BYTES:
        return [Finding("warning", "size", t("newsletter.check.size_warning", kb=kb))]
    return []


def _subject(subject: str) -> list[Finding]:
    length = len(subject.strip())
    if not length:
        return [Finding("error", "subject_empty", t("newsletter.check.subject_empty"))]
    if length > SUBJECT_MAX_CHARS:
        return [Finding("error", "subject_long", t("newsletter.check.subject_too_long", n=length))]
    if length > SUBJECT_WARN_CHARS:
        return [Finding("warning", "subject_long", t("newsletter.check.subject_long", n=length))]
    return []


def _unsubscribe(links: list[str], text: str) -> list[Finding]:
    if _UNSUBSCRIBE_PROBE not in links:
        return [Finding("error", "unsubscribe_missing", t("newsletter.check.unsubscribe_html"))]
    if _UNSUBSCRIBE_PROBE not in text:
        return [Finding("warning", "unsubscribe_missing_text", t("newsletter.check.unsubscribe_text"))]
    return []


def _public_url(public_url: str, *, used: bool) -> list[Finding]:
    if not used or public_url.lower().startswith("https://"):
        return []
    host = (urlsplit(public_url).hostname or "").lower()
    if host in {"localhost", "127.0.0.1", "::1"}:
        return [
            Finding("warning", "public_url_local", t("newsletter.check.public_url_local", url=public_url))
        ]
    return [Finding("error", "public_url_http", t("newsletter.check.public_url_http", url=public_url))]


def _links(links: list[str]) -> list[Finding]:
    findings = []
    for href in dict.fromkeys(links):
        problem = _link_problem(href)
        if problem:
            code, key = problem
            findings.append(Finding("error", code, t(key, url=href)))
    return findings


def _link_problem(href: str) -> tuple[str, str] | None:
    if not href:
        return "link_empty", "newsletter.check.link_empty"
    if href.startswith("#"):
        return "link_anchor", "newsletter.check.link_anchor"
    scheme = href.partition(":")[0].lower() if ":" in href else ""
    if scheme in ("mailto", "tel"):
        return (
            None if href.partition(":")[2].strip() else ("link_malformed", "newsletter.check.link_malformed")
        )
    if scheme == "http":
        return "link_http", "newsletter.check.link_http"
    if scheme != "https":
        return "link_not_https", "newsletter.check.link_not_https"
    return None if _well_formed(href) else ("link_malformed", "newsletter.check.link_malformed")


def _well_formed(url: str) -> bool:
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        _ = parts.port  # raises ValueError for a port that is not a number
    except ValueError:
        return False
    return bool(host) and "." in host.strip(".") and not any(c.isspace() for c in url)


def _images(images: list[ImageTag]) -> list[Finding]:
    findings = []
    for image in images:
        if not (image.alt or "").strip() and not image.decorative:
            findings.append(Finding("error", "image_alt", t("newsletter.check.image_alt", src=image.src)))
        if not image.src.startswith("https://") or not _well_formed(image.src):
            findings.append(Finding("error", "image_src", t("newsletter.check.image_src", src=image.src)))
    return findings


# -- online ---------------------------------------------------------------------------------------------


def check_links_online(
    urls: Iterable[str], timeout: float = 5.0, *, ssl_context: ssl.SSLContext | None = None
) -> list[Finding]:
    """HEAD (then GET, for servers that refuse HEAD) each distinct http(s) URL in parallel.

    Answers 4xx/5xx and unreachable hosts are errors; other schemes (mailto:, markers) are skipped.
    """
    distinct = [u for u in dict.fromkeys(urls) if urlsplit(u).scheme in ("http", "https")]
    if not distinct:
        return []
    opener = urllib.request.build_opener(urllib.request.HTTPSHandler(context=ssl_context))
    with ThreadPoolExecutor(max_workers=min(8, len(distinct))) as pool:
        results = list(pool.map(lambda url: _probe_url(opener, url, timeout), distinct))
    return [finding for finding in results if finding is not None]


def _probe_url(opener: urllib.request.OpenerDirector, url: str, timeout: float) -> Finding | None:
    status = 0
    for method in ("HEAD", "GET"):
        request = urllib.request.Request(url, method=method, headers={"User-Agent": USER_AGENT})  # noqa: S310
        try:
            with opener.open(request, timeout=timeout) as response:
                status = int(response.status)
        except HTTPError as exc:
            status = exc.code
            exc.close()
        except (URLError, HTTPException, OSError, ValueError) as exc:
            reason = getattr(exc, "reason", None) or exc
            return Finding(
                "error", "link_unreachable", t("newsletter.check.link_unreachable", url=url, why=reason)
            )
        if status < 400:
            return None
    return Finding("error", "link_broken", t("newsletter.check.link_broken", url=url, status=status))
