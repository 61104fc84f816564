"""``kulturkluster newsletter image``: newsletter images from the command line (as the editor uploads them)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from kulturkluster.texts import t
from mailer.image_check import swedish_megabytes
from mailer.images import MAX_UPLOAD_BYTES, ImageRefused, ImageTooLarge, process_image

from .context import services
from .output import err_console

app = typer.Typer(help="Newsletter images: clean, scale and publish.", no_args_is_help=True)


def read_capped(path: Path, cap: int = MAX_UPLOAD_BYTES) -> bytes:
    """The file's bytes, refusing (without reading on) a file larger than ``cap``."""
    try:
        with path.open("rb") as handle:
            data = handle.read(cap + 1)
    except OSError as exc:
        raise ImageRefused(t("archive.image.not_found", path=path)) from exc
    if len(data) > cap:
        raise ImageTooLarge(t("archive.image.too_large", mb=cap // (1024 * 1024)))
    return data


@app.command()
def add(file: Annotated[Path, typer.Argument(help="A JPEG, PNG, WebP or GIF file, at most 10 MB.")]) -> None:
    """Clean (no EXIF/GPS), scale and store an image; prints its public URL, then a line for the content."""
    image = process_image(read_capped(file))
    with services() as svc:
        url = svc.images.save(image)
    size = swedish_megabytes(len(image.data))
    err_console.print(t("archive.image.added", width=image.width, height=image.height, size=size))
    alt = t("archive.image.alt_placeholder")
    sys.stdout.write(f'{url}\nimage: {{src: "{url}", alt: "{alt}"}}\n')
