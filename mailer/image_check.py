"""The pre-send check's view of a newsletter's images: their weight, where they come from, their alt texts.

Pure like ``check``: ``size_of`` answers how many bytes one of our stored images has (None for an image
that is not ours, which we cannot weigh without the network). ``check`` already makes a missing alt text
or a non-https address an error; this adds the warnings that need judgement.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from kulturkluster.texts import t

from .check import Finding, ImageTag

IMAGES_MAX_BYTES = 1024 * 1024  # above this an issue is slow to open on a phone
ALT_MAX_CHARS = 150
# Words that name the kind of thing rather than what it shows.
_GENERIC_ALT = frozenset(
    {"bild", "bilden", "bilder", "foto", "fotot", "fotografi", "image", "img", "photo", "picture", "grafik"}
)
_FILE_NAME = re.compile(
    r"(?:\S+\.(?:jpe?g|png|gif|webp|heic|heif|tiff?|bmp|svg)|(?:img|dsc|dscn|dcim|pxl|p)[-_ ]?\d{3,}\S*)",
    re.IGNORECASE,
)

SizeOf = Callable[[str], int | None]


def image_findings(images: Sequence[ImageTag], size_of: SizeOf, public_url: str) -> list[Finding]:
    """Warnings about the images of one issue (each image once, however often it appears)."""
    distinct = {image.src: image for image in images}
    findings = [*_weight(distinct, size_of), *_public_http(distinct, public_url)]
    for image in distinct.values():
        findings.extend(alt_findings(image))
    return findings


def alt_findings(image: ImageTag) -> list[Finding]:
    """An alt text that says nothing useful: a file name, a generic word, or far too long."""
    alt = " ".join((image.alt or "").split())
    if not alt or image.decorative:
        return []  # missing alt text is an error in ``check``; a decorative image has none on purpose
    if _FILE_NAME.fullmatch(alt):
        return [Finding("warning", "image_alt_file_name", t("archive.check.alt_file_name", alt=alt))]
    if alt.lower().strip(" .:!") in _GENERIC_ALT:
        return [Finding("warning", "image_alt_generic", t("archive.check.alt_generic", alt=alt))]
    if len(alt) > ALT_MAX_CHARS:
        return [Finding("warning", "image_alt_long", t("archive.check.alt_long", src=image.src, n=len(alt)))]
    return []


def swedish_megabytes(size: int) -> str:
    """1 258 291 -> "1,2 MB" (decimal comma)."""
    return f"{size / (1024 * 1024):.1f}".replace(".", ",") + " MB"


def _weight(images: dict[str, ImageTag], size_of: SizeOf) -> list[Finding]:
    total = sum(size or 0 for size in (size_of(src) for src in images))
    if total <= IMAGES_MAX_BYTES:
        return []
    return [
        Finding("warning", "images_heavy", t("archive.check.images_heavy", size=swedish_megabytes(total)))
    ]


def _public_http(images: dict[str, ImageTag], public_url: str) -> list[Finding]:
    own = public_url.rstrip("/") + "/"
    if not public_url or public_url.lower().startswith("https://"):
        return []
    if not any(src.startswith(own) for src in images):
        return []
    return [Finding("warning", "images_http", t("archive.check.images_http", url=public_url))]
