"""``kulturkluster newsletter image add FILE``: the same cleaning and store as the editor's upload."""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image
from typer.testing import CliRunner

from kulturkluster.cli import app
from mailer.images import ImageRefused, ImageTooLarge
from tests.integration.test_cli import cli, env  # noqa: F401 - the fixture
from tests.unit.test_images import jpeg_with_zip, phone_photo

runner = CliRunner()


def test_image_add_prints_the_url_and_a_line_for_the_content(env: Path, tmp_path: Path) -> None:  # noqa: F811
    photo = tmp_path / "IMG_1234.JPG"
    photo.write_bytes(phone_photo())
    url, snippet = cli("newsletter", "image", "add", str(photo)).splitlines()
    assert url.startswith("http") and "/bilder/" in url and url.endswith(".jpg")
    assert snippet == f'image: {{src: "{url}", alt: "Beskriv vad bilden visar"}}'
    [stored] = list((env / "images").iterdir())
    assert url.endswith(stored.name)
    assert dict(Image.open(io.BytesIO(stored.read_bytes())).getexif()) == {}
    assert cli("newsletter", "image", "add", str(photo)).splitlines()[0] == url  # same file, same URL
    assert len(list((env / "images").iterdir())) == 1


def test_image_add_refuses_what_the_upload_refuses(env: Path, tmp_path: Path) -> None:  # noqa: F811
    polyglot = tmp_path / "bild.jpg"
    polyglot.write_bytes(jpeg_with_zip())
    refused = runner.invoke(app, ["newsletter", "image", "add", str(polyglot)])
    assert isinstance(refused.exception, ImageRefused) and "något mer än en bild" in str(refused.exception)
    huge = tmp_path / "stor.jpg"
    with huge.open("wb") as handle:
        handle.truncate(30 * 1024 * 1024)
    too_large = runner.invoke(app, ["newsletter", "image", "add", str(huge)])
    assert isinstance(too_large.exception, ImageTooLarge)
    missing = runner.invoke(app, ["newsletter", "image", "add", str(tmp_path / "finns-inte.jpg")])
    assert isinstance(missing.exception, ImageRefused) and "finns inte" in str(missing.exception)
    assert not (env / "images").exists()
