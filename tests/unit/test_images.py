"""Newsletter images, pure: what is refused (and why, in Swedish), and what an accepted image becomes."""

from __future__ import annotations

import io
import random
import zipfile

import pytest
from PIL import Image

from mailer.image_format import GIF, JPEG, PNG, WEBP, Layout, layout, sniff
from mailer.images import MAX_UPLOAD_BYTES, MAX_WIDTH, ImageRefused, ImageTooLarge, process_image

GPS_IFD = 0x8825
ORIENTATION = 0x0112


def encoded(image: Image.Image, fmt: str, **options: object) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


def phone_photo(width: int = 4032, height: int = 3024) -> bytes:
    """A JPEG as a phone writes it: GPS position, camera make, and "rotate 90° to show" (orientation 6)."""
    exif = Image.Exif()
    exif[ORIENTATION] = 6
    exif[0x010F] = "Telefonmärke"
    exif[GPS_IFD] = {1: "N", 2: (59.0, 22.0, 15.0), 3: "E", 4: (16.0, 30.0, 35.0)}
    image = Image.new("RGB", (width, height), (180, 40, 40))
    image.paste((20, 20, 200), (0, 0, width // 2, height // 2))  # a blue corner shows the rotation
    return encoded(image, "JPEG", exif=exif, quality=90)


def opened(data: bytes) -> Image.Image:
    return Image.open(io.BytesIO(data))


def test_a_phone_photo_loses_its_exif_and_gps_and_stands_upright() -> None:
    source = phone_photo()
    assert opened(source).getexif().get_ifd(GPS_IFD)  # the test photo really tells where it was taken
    image = process_image(source)
    out = opened(image.data)
    assert out.format == "JPEG" and image.extension == "jpg" and image.content_type == "image/jpeg"
    assert dict(out.getexif()) == {} and "exif" not in out.info
    assert b"Exif" not in image.data and "Telefonmärke".encode() not in image.data
    # Orientation 6 applied before the tag went: the 4032 × 3024 landscape is a portrait, 1200 wide.
    assert (image.width, image.height) == (MAX_WIDTH, 1600) == out.size


@pytest.mark.parametrize(
    ("size", "expected"),
    [((3000, 1000), (1200, 400)), ((1200, 50), (1200, 50)), ((640, 480), (640, 480)), ((1201, 2), (1200, 2))],
)
def test_images_are_scaled_down_to_1200_wide_never_up(
    size: tuple[int, int], expected: tuple[int, int]
) -> None:
    image = process_image(encoded(Image.new("RGB", size, (10, 120, 60)), "PNG"))
    assert (image.width, image.height) == expected == opened(image.data).size


def test_formats_out_are_the_ones_every_mail_program_shows() -> None:
    opaque = Image.new("RGB", (300, 200), (200, 100, 0))
    clear = Image.new("RGBA", (300, 200), (200, 100, 0, 90))
    assert process_image(encoded(opaque, "JPEG")).extension == "jpg"
    assert process_image(encoded(clear, "PNG")).extension == "png"
    assert process_image(encoded(opaque, "WEBP")).extension == "jpg"  # Outlook for Windows shows no WebP
    transparent_webp = process_image(encoded(clear, "WEBP", lossless=True))
    assert transparent_webp.extension == "png" and opened(transparent_webp.data).mode == "RGBA"


def test_an_animated_gif_keeps_its_first_frame_as_a_png() -> None:
    colours = ((200, 0, 0), (0, 200, 0), (0, 0, 200))
    frames = [Image.new("RGB", (120, 80), colour) for colour in colours]
    source = encoded(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)
    assert getattr(opened(source), "n_frames", 1) == 3
    image = process_image(source)
    out = opened(image.data)
    assert image.extension == "png" and getattr(out, "n_frames", 1) == 1 and out.size == (120, 80)
    assert out.convert("RGB").getpixel((5, 5)) == colours[0]


def test_the_same_picture_gets_the_same_name() -> None:
    source = encoded(Image.new("RGB", (50, 50), (1, 2, 3)), "PNG")
    first, second = process_image(source), process_image(source)
    assert first.name == second.name and len(first.sha256) == 64 and first.name.endswith(".png")


SVG_WITH_SCRIPT = (
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
    b"<script>alert(document.cookie)</script><rect width='10' height='10'/></svg>"
)


def gif_with_script() -> bytes:
    """A GIF whose bytes are also JavaScript: after the trailer comes the script."""
    return encoded(Image.new("P", (10, 10)), "GIF") + b"*/=1;alert(document.cookie)//"


def jpeg_with_zip() -> bytes:
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as bundle:
        bundle.writestr("payload.js", "alert(1)")
    return encoded(Image.new("RGB", (40, 40)), "JPEG") + archive.getvalue()


def png_with_html_in_a_text_chunk() -> bytes:
    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    info.add_text("Comment", "<html><body><script>alert(1)</script></body></html>")
    return encoded(Image.new("RGB", (40, 40)), "PNG", pnginfo=info)


def bomb() -> bytes:
    """A small file (a few hundred KB) that would unpack to 400 megapixels."""
    return encoded(Image.new("1", (20_000, 20_000)), "PNG", optimize=True)


HOSTILE = {
    "svg with script": (SVG_WITH_SCRIPT, "ingen bild"),
    "html": (b"<!doctype html><html><body><script>alert(1)</script></body></html>", "ingen bild"),
    "gif/js polyglot": (gif_with_script(), "något mer än en bild"),
    "jpeg+zip polyglot": (jpeg_with_zip(), "något mer än en bild"),
    "png with html inside": (png_with_html_in_a_text_chunk(), "något mer än en bild"),
    "decompression bomb": (bomb(), "för många bildpunkter"),
    "truncated jpeg": (phone_photo(400, 300)[:2000], "skadad"),
    "jpeg header, png body": (b"\xff\xd8\xff" + encoded(Image.new("RGB", (9, 9)), "PNG"), "skadad"),
    "empty": (b"", "ingen bild"),
}


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_files_are_refused_in_swedish(name: str) -> None:
    data, words = HOSTILE[name]
    with pytest.raises(ImageRefused) as refused:
        process_image(data)
    assert words in str(refused.value) and refused.value.http_status == 422


def test_more_than_10_mb_is_refused_before_decoding() -> None:
    with pytest.raises(ImageTooLarge, match="högst 10 MB"):
        process_image(b"\xff\xd8\xff" + bytes(MAX_UPLOAD_BYTES))


def end_of(data: bytes, kind: str) -> int:
    found = layout(data, kind)
    assert isinstance(found, Layout)
    return found.end


@pytest.mark.parametrize(
    ("fmt", "kind", "options"),
    [
        ("JPEG", JPEG, {}),
        ("JPEG", JPEG, {"progressive": True}),
        ("PNG", PNG, {}),
        ("GIF", GIF, {}),
        ("WEBP", WEBP, {}),
    ],
)
def test_the_layout_ends_where_a_plain_image_ends(fmt: str, kind: str, options: dict[str, object]) -> None:
    data = encoded(Image.new("RGB", (64, 48), (100, 150, 200)), fmt, **options)
    assert sniff(data) == kind
    assert end_of(data, kind) == len(data)
    assert end_of(data + b"PK\x03\x04", kind) == len(data)


def test_a_real_photo_with_its_exif_thumbnail_passes_the_structure_walk() -> None:
    data = phone_photo(800, 600)
    assert end_of(data, JPEG) == len(data)


def test_binary_data_after_a_photo_is_dropped_not_refused() -> None:
    """Phones append a motion-photo video after the JPEG; re-encoding leaves it behind."""
    video = b"\x00\x00\x00\x18ftypmp42" + random.Random(7).randbytes(2 * 1024 * 1024)
    image = process_image(phone_photo(800, 600) + video)
    assert len(image.data) < 200_000 and b"ftypmp42" not in image.data


def test_script_in_a_jpeg_comment_is_refused() -> None:
    data = encoded(Image.new("RGB", (40, 40)), "JPEG", comment=b"<script>alert(1)</script>")
    with pytest.raises(ImageRefused, match="något mer än en bild"):
        process_image(data)


def test_a_multi_picture_jpeg_from_a_phone_is_taken_as_its_first_picture() -> None:
    first, second = Image.new("RGB", (300, 200), (200, 0, 0)), Image.new("RGB", (300, 200), (0, 0, 200))
    source = encoded(first, "MPO", save_all=True, append_images=[second])
    assert opened(source).format == "MPO"
    image = process_image(source)
    red = opened(image.data).convert("RGB").getpixel((5, 5))
    assert image.extension == "jpg" and isinstance(red, tuple) and red[0] > 150


def damaged(seed: int) -> bytes:
    """A valid image of some format with a few bytes changed or its end cut off."""
    rng = random.Random(seed)
    fmt = ("JPEG", "PNG", "GIF", "WEBP")[seed % 4]
    data = bytearray(encoded(Image.new("RGB", (64, 48), (seed % 255, 90, 30)), fmt))
    for _ in range(rng.randint(1, 6)):
        data[rng.randrange(len(data))] = rng.randrange(256)
    if seed % 3 == 0:
        del data[rng.randrange(12, len(data)) :]
    return bytes(data)


@pytest.mark.parametrize("seed", range(120))
def test_a_damaged_image_is_taken_or_refused_never_a_crash(seed: int) -> None:
    try:
        image = process_image(damaged(seed))
    except ImageRefused as refused:
        assert str(refused)  # a Swedish reason
    else:
        assert opened(image.data).size == (image.width, image.height)
