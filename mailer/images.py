"""Newsletter images: an uploaded file in, a clean web image out (pure; storage is ``image_store``).

``process_image`` accepts JPEG, PNG, WebP and GIF up to ``MAX_UPLOAD_BYTES`` and refuses everything else
with a Swedish message: what is not an image by its own bytes (an SVG with script, HTML), a polyglot (an
image with a script or a ZIP archive inside or behind it), a decompression bomb. What it accepts it turns
upright by its EXIF orientation, scales to at most ``MAX_WIDTH`` pixels wide and re-encodes from the pixels
alone, so no EXIF (GPS position, camera serial numbers) and no comment survives.

What comes out is JPEG or PNG, the two formats every mail program shows: a JPEG stays JPEG (quality 85), a
PNG stays PNG (optimised), a WebP becomes JPEG (PNG when it is transparent), since Outlook for Windows does
not show WebP. An animated GIF keeps its first frame only, as a PNG: Outlook for Windows shows only that
frame anyway, and a still picture never distracts someone who is reading the letter.
"""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps

from kulturkluster.errors import ErrorKind, KulturklusterError
from kulturkluster.texts import t

from .image_format import GIF, JPEG, PNG, WEBP, foreign_content, layout, sniff

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
MAX_WIDTH = 1200
# A phone photo has 12 to 50 megapixels; more than this is a decompression bomb or nothing for a letter.
MAX_PIXELS = 60_000_000
JPEG_QUALITY = 85
ACCEPTED = (JPEG, PNG, WEBP, GIF)
CONTENT_TYPES = {"jpg": "image/jpeg", "png": "image/png"}
# Pillow's names for each format; many phones write MPO: a JPEG with more pictures (depth, HDR) behind it.
_DECODED_AS = {JPEG: ("JPEG", "MPO"), PNG: ("PNG",), WEBP: ("WEBP",), GIF: ("GIF",)}


class ImageRefused(KulturklusterError):
    """A file that is not taken as a newsletter image; the message says why and what to do."""

    kind = ErrorKind.INVALID


class ImageTooLarge(ImageRefused):
    """More bytes than an upload may have."""


@dataclass(frozen=True, slots=True)
class ProcessedImage:
    data: bytes
    extension: str  # "jpg" or "png"
    width: int
    height: int

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()

    @property
    def name(self) -> str:
        """The content-addressed file name: the same picture always gets the same name."""
        return f"{self.sha256}.{self.extension}"

    @property
    def content_type(self) -> str:
        return CONTENT_TYPES[self.extension]


def process_image(data: bytes) -> ProcessedImage:
    """A clean, scaled, re-encoded copy of an uploaded image; raises ``ImageRefused`` with the reason."""
    if len(data) > MAX_UPLOAD_BYTES:
        raise ImageTooLarge(t("archive.image.too_large", mb=MAX_UPLOAD_BYTES // (1024 * 1024)))
    kind = sniff(data)
    if kind is None:
        raise ImageRefused(t("archive.image.not_image"))
    found = layout(data, kind)
    if found is None:
        raise ImageRefused(t("archive.image.broken"))
    if foreign_content(data, found):
        raise ImageRefused(t("archive.image.foreign"))
    with warnings.catch_warnings():
        # Pillow warns above MAX_IMAGE_PIXELS and raises above twice that; both are refused here.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            return _reencode(data, kind)
        except ImageRefused:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise ImageRefused(t("archive.image.bomb")) from exc
        except Exception as exc:  # any decoder failure on bytes from outside means a broken file
            raise ImageRefused(t("archive.image.broken")) from exc


def _reencode(data: bytes, kind: str) -> ProcessedImage:
    with Image.open(io.BytesIO(data)) as probe:
        if probe.format not in _DECODED_AS[kind]:  # the bytes say one format, the decoder another
            raise ImageRefused(t("archive.image.not_image"))
        _refuse_bomb(probe.size)
        probe.verify()
    with Image.open(io.BytesIO(data)) as image:
        _refuse_bomb(image.size)
        image.seek(0)  # the first frame of an animation
        icc = image.info.get("icc_profile")
        frame = ImageOps.exif_transpose(image)  # upright by the orientation tag, before the tag goes
        frame.load()
    transparent = frame.mode in ("RGBA", "LA", "PA") or "transparency" in frame.info
    as_png = kind in (PNG, GIF) or (kind == WEBP and transparent)
    frame = _scaled(frame)
    # Only the pixels travel on: a new image has no EXIF, no comments and no text chunks.
    clean = _pixels_only(frame, as_png=as_png)
    out = io.BytesIO()
    extra = {"icc_profile": icc} if isinstance(icc, bytes) and icc else {}
    if as_png:
        clean.save(out, "PNG", optimize=True, **extra)
    else:
        clean.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True, **extra)
    return ProcessedImage(out.getvalue(), "png" if as_png else "jpg", clean.width, clean.height)


def _refuse_bomb(size: tuple[int, int]) -> None:
    width, height = size
    if width <= 0 or height <= 0:
        raise ImageRefused(t("archive.image.broken"))
    if width * height > MAX_PIXELS:
        raise ImageRefused(t("archive.image.bomb"))


def _scaled(image: Image.Image) -> Image.Image:
    if image.width <= MAX_WIDTH:
        return image
    height = max(1, round(image.height * MAX_WIDTH / image.width))
    return image.resize((MAX_WIDTH, height), Image.Resampling.LANCZOS)


def _pixels_only(image: Image.Image, *, as_png: bool) -> Image.Image:
    if as_png:
        mode = "RGBA" if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info else "RGB"
        if image.mode in ("L", "I;16") and "transparency" not in image.info:
            mode = "L"
    else:
        mode = "L" if image.mode == "L" else "RGB"
    converted = image.convert(mode)
    clean = Image.new(mode, converted.size)
    clean.paste(converted)
    return clean
