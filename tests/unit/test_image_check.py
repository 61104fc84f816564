"""Images in the pre-send check and in the letter: alt-text warnings, weight, https, decorative images,
and alt texts in the plain-text part."""

from __future__ import annotations

import pytest

from kulturkluster.settings import OrgSettings
from mailer.check import ImageTag, check_newsletter, images_in
from mailer.content import parse_content
from mailer.image_check import alt_findings, image_findings, swedish_megabytes
from mailer.newsletter_render import render_newsletter
from mailer.render import Renderer

ORG = OrgSettings(address="kulturkluster@kulturkluster.test")
PUBLIC = "https://post.kulturkluster.test"
OURS = f"{PUBLIC}/bilder/" + "a" * 64 + ".jpg"


def source(image: str) -> str:
    return f"""---
subject: "Bilder"
preheader: "Ett brev med en bild."
sections:
  - heading: "Kulturfrukost"
    body: "Välkommen."
    image: {image}
---
Hej!
"""


def render(image: str) -> tuple[str, str]:
    content = parse_content(source(image))
    rendered = render_newsletter(Renderer(), "default", content, ORG, f"{PUBLIC}/nyhetsbrev/vy")
    assert rendered.mjml_warnings == ()
    return rendered.compiled.html, rendered.compiled.text


@pytest.mark.parametrize(
    ("alt", "code"),
    [
        ("IMG_1234.jpg", "image_alt_file_name"),
        ("DSC01234", "image_alt_file_name"),
        ("kulturfrukost-eskilstuna.png", "image_alt_file_name"),
        ("bild", "image_alt_generic"),
        ("Bild.", "image_alt_generic"),
        ("image", "image_alt_generic"),
        ("Foto", "image_alt_generic"),
        ("Ett långt bord " * 12, "image_alt_long"),
        ("Fyra personer samtalar vid ett långbord med kaffe.", None),
        ("Bild från Kulturfrukosten i Eskilstuna", None),
    ],
)
def test_alt_texts_that_say_nothing_get_a_warning(alt: str, code: str | None) -> None:
    findings = alt_findings(ImageTag(src=OURS, alt=alt, decorative=False))
    assert [(f.severity, f.code) for f in findings] == ([("warning", code)] if code else [])


def test_a_decorative_image_needs_no_alt_and_gets_no_alt_warning() -> None:
    html, text = render('{src: "https://kulturkluster.se/ornament.png", decorative: true}')
    [image] = images_in(html)
    assert (image.alt, image.decorative) == ("", True)
    assert alt_findings(image) == []
    assert "ornament" not in text and "[]" not in text


def test_the_alt_text_is_in_the_plain_text_part() -> None:
    html, text = render('{src: "https://kulturkluster.se/frukost.jpg", alt: "Fyra personer vid ett bord"}')
    assert 'alt="Fyra personer vid ett bord"' in html
    assert "[Fyra personer vid ett bord]" in text


def test_an_image_without_alt_that_is_not_decorative_is_an_error_of_the_content() -> None:
    from mailer.content import ContentError

    with pytest.raises(ContentError, match=r"alt saknas i image i avsnitt 1 .* decorative: true"):
        parse_content(source('{src: "https://kulturkluster.se/frukost.jpg"}'))
    with pytest.raises(ContentError, match="alt saknas"):
        parse_content(source('{src: "https://kulturkluster.se/frukost.jpg", alt: "  "}'))
    with pytest.raises(ContentError, match=r"decorative i image i avsnitt 1 .* ska vara true eller false"):
        parse_content(source('{src: "https://kulturkluster.se/f.jpg", alt: "x", decorative: "ja"}'))


def test_the_check_still_passes_a_letter_with_a_decorative_image() -> None:
    content = parse_content(source('{src: "https://kulturkluster.se/ornament.png", decorative: true}'))
    rendered = render_newsletter(Renderer(), "default", content, ORG, f"{PUBLIC}/nyhetsbrev/vy")
    report = check_newsletter(rendered.compiled, content.preheader, rendered.mjml_warnings)
    assert "image_alt" not in {f.code for f in report.findings}


def test_images_over_1_mb_in_total_get_a_warning_each_counted_once() -> None:
    second = f"{PUBLIC}/bilder/" + "b" * 64 + ".png"
    sizes = {OURS: 600 * 1024, second: 500 * 1024}
    images = [ImageTag(OURS, "Ett bord", False), ImageTag(second, "En stol", False)]
    [finding] = image_findings(images, sizes.get, PUBLIC)
    assert (finding.severity, finding.code) == ("warning", "images_heavy")
    assert "1,1 MB" in finding.message
    # The same picture twice is fetched once; someone else's images cannot be weighed here.
    twice = [ImageTag(OURS, "Ett bord", False)] * 2 + [ImageTag("https://annan.se/x.jpg", "Ett hus", False)]
    assert image_findings(twice, sizes.get, PUBLIC) == []


def test_images_from_a_public_url_without_https_get_a_warning() -> None:
    plain = "http://post.kulturkluster.test"
    ours = f"{plain}/bilder/" + "c" * 64 + ".jpg"
    [finding] = image_findings([ImageTag(ours, "Ett bord", False)], lambda _url: 1000, plain)
    assert (finding.code, finding.severity) == ("images_http", "warning") and plain in finding.message
    assert (
        image_findings([ImageTag("https://annan.se/x.jpg", "Ett hus", False)], lambda _u: None, plain) == []
    )


def test_megabytes_are_written_with_a_decimal_comma() -> None:
    assert swedish_megabytes(1_258_291) == "1,2 MB"
