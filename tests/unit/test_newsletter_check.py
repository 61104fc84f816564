"""The pre-send check: each finding fires on a crafted mail and stays quiet on the example newsletter."""

from __future__ import annotations

import dataclasses
import re
from functools import cache
from pathlib import Path

import pytest

from kulturkluster.settings import OrgSettings
from mailer.check import (
    GMAIL_CLIP_BYTES,
    SIZE_WARNING_BYTES,
    CheckReport,
    Finding,
    check_newsletter,
    images_in,
    links_in,
)
from mailer.content import parse_content
from mailer.newsletter_render import render_newsletter
from mailer.render import Compiled, Renderer

EXAMPLE = Path(__file__).resolve().parents[2] / "templates" / "newsletter" / "exempel.md"
ORG = OrgSettings(address="kulturkluster@kulturkluster.test")
VIEW_URL = "https://post.kulturkluster.test/nyhetsbrev/vy"


@cache
def example() -> tuple[Compiled, str]:
    content = parse_content(EXAMPLE.read_text(encoding="utf-8"))
    rendered = render_newsletter(Renderer(), "default", content, ORG, VIEW_URL)
    assert rendered.mjml_warnings == ()
    return rendered.compiled, content.preheader


def unsubscribe_marker(compiled: Compiled) -> str:
    match = re.search(r'<a href="([^"]+)"[^>]*>Avsluta prenumerationen', compiled.html)
    assert match and "://" not in match.group(1)  # a marker, filled in per recipient
    return match.group(1)


def with_html(extra: str) -> Compiled:
    """The example with ``extra`` added at the end of the body."""
    compiled, _ = example()
    return dataclasses.replace(compiled, html=compiled.html.replace("</body>", extra + "</body>"))


def check(compiled: Compiled, preheader: str | None = None, warnings: tuple[str, ...] = ()) -> CheckReport:
    return check_newsletter(compiled, example()[1] if preheader is None else preheader, warnings)


def codes(report: CheckReport) -> set[tuple[str, str]]:
    return {(f.severity, f.code) for f in report.findings}


def test_the_example_passes_without_any_finding() -> None:
    compiled, preheader = example()
    report = check_newsletter(compiled, preheader, [])
    assert report.findings == ()
    assert report.ok


def test_report_is_ok_with_warnings_but_not_with_errors() -> None:
    warning, error = Finding("warning", "w", "v"), Finding("error", "e", "f")
    assert CheckReport((warning,)).ok
    report = CheckReport((warning, error))
    assert not report.ok and report.errors == (error,) and report.warnings == (warning,)


# -- size -----------------------------------------------------------------------------------------------


def test_a_120_kb_newsletter_is_clipped_by_gmail() -> None:
    body = "Kulturlivet i Sörmland växer och behöver mötesplatser. " * 200  # about 11.5 KB of text
    sections = "".join(f"  - heading: Avsnitt {n}\n    body: {body}\n" for n in range(1, 9))
    source = f"---\nsubject: Långt nyhetsbrev\npreheader: Mycket att läsa\nsections:\n{sections}---\nHej!\n"
    rendered = render_newsletter(Renderer(), "default", parse_content(source), ORG, VIEW_URL)
    size = len(rendered.compiled.html.encode())
    assert 110 * 1024 < size < 125 * 1024
    report = check_newsletter(rendered.compiled, "Mycket att läsa", rendered.mjml_warnings)
    assert ("error", "size") in codes(report) and not report.ok
    message = next(f.message for f in report.findings if f.code == "size")
    assert "Gmail" in message and f"{round(size / 1024)} kB" in message


def test_a_newsletter_near_the_limit_gets_a_warning() -> None:
    compiled, _ = example()
    padding = SIZE_WARNING_BYTES + 2048 - len(compiled.html.encode())
    report = check(with_html("<!--" + "x" * padding + "-->"))
    assert codes(report) == {("warning", "size")} and report.ok
    assert len(with_html("x" * padding).html.encode()) < GMAIL_CLIP_BYTES


# -- images ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("img", "expected"),
    [
        ('<img src="https://kulturkluster.se/a.jpg">', {("error", "image_alt")}),
        ('<img src="https://kulturkluster.se/a.jpg" alt="">', {("error", "image_alt")}),
        ('<img src="https://kulturkluster.se/a.jpg" alt="   ">', {("error", "image_alt")}),
        ('<img src="http://kulturkluster.se/a.jpg" alt="Bild">', {("error", "image_src")}),
        ('<img alt="Bild">', {("error", "image_src")}),
        # decorative: a spacer, presentation, MJML's own accordion icons
        ('<img src="https://kulturkluster.se/s.gif" alt="" width="1" height="1">', set()),
        ('<img src="https://kulturkluster.se/d.png" alt="" role="presentation">', set()),
        ('<img src="https://i.imgur.com/bIXv1bk.png" class="mj-accordion-more" style="display:none">', set()),
        ('<img src="https://kulturkluster.se/a.jpg" alt="Fyra personer vid ett bord">', set()),
    ],
)
def test_images_need_alt_text_and_https(img: str, expected: set[tuple[str, str]]) -> None:
    assert codes(check(with_html(img))) == expected


# -- links ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("anchor", "expected"),
    [
        ('<a href="">tom</a>', "link_empty"),
        ("<a>ingen adress</a>", "link_empty"),
        ('<a href="#">topp</a>', "link_anchor"),
        ('<a href="#kalendarium">kalendarium</a>', "link_anchor"),
        ('<a href="http://kulturkluster.se/a">osäker</a>', "link_http"),
        ('<a href="HTTP://kulturkluster.se/a">osäker</a>', "link_http"),
        ('<a href="/kulturfrukost">relativ</a>', "link_not_https"),
        ('<a href="www.kulturkluster.se">utan schema</a>', "link_not_https"),
        ('<a href="javascript:alert(1)">js</a>', "link_not_https"),
        ('<a href="https://">bara schema</a>', "link_malformed"),
        ('<a href="https://kultur kluster.se/">mellanslag</a>', "link_malformed"),
        ('<a href="https://localhost/a">ingen domän</a>', "link_malformed"),
        ('<a href="https://kulturkluster.se:port/">port</a>', "link_malformed"),
        ('<a href="mailto:">tom mejladress</a>', "link_malformed"),
    ],
)
def test_bad_links_are_errors(anchor: str, expected: str) -> None:
    report = check(with_html(anchor))
    assert codes(report) == {("error", expected)}
    assert not report.ok


@pytest.mark.parametrize(
    "anchor",
    [
        '<a href="mailto:kulturkluster@regionsormland.se">mejla</a>',
        '<a href="tel:+4615512345">ring</a>',
        '<a href="https://kulturkluster.se/a?b=1&amp;c=2#d">ok</a>',
        '<a href="#1" class="mj-carousel-thumbnail">MJML:s egen</a>',
        '<!-- <a href="http://kommentar.se">bortkommenterad</a> -->',
    ],
)
def test_good_links_pass(anchor: str) -> None:
    assert check(with_html(anchor)).findings == ()


def test_the_same_bad_link_twice_is_reported_once() -> None:
    report = check(with_html('<a href="http://a.se">1</a><a href="http://a.se">2</a>'))
    assert [f.code for f in report.findings] == ["link_http"]


def test_links_in_and_images_in_parse_html_not_text() -> None:
    html = (
        "<A HREF=https://a.se/x>a</A> <a href='https://b.se/?q=1&amp;r=2'>b</a> "
        '<p>href="https://inte-en-lank.se"</p> <a>tom</a> <IMG SRC="https://c.se/i.png" ALT="Bild">'
    )
    assert links_in(html) == ["https://a.se/x", "https://b.se/?q=1&r=2", ""]
    [image] = images_in(html)
    assert (image.src, image.alt, image.decorative) == ("https://c.se/i.png", "Bild", False)


# -- unsubscribe, text, subject, preheader, MJML --------------------------------------------------------


def test_unsubscribe_link_missing_from_html_is_an_error() -> None:
    compiled, _ = example()
    marker = unsubscribe_marker(compiled)
    report = check(
        dataclasses.replace(compiled, html=compiled.html.replace(marker, "https://kulturkluster.se/"))
    )
    assert codes(report) == {("error", "unsubscribe_missing")}


def test_unsubscribe_link_missing_from_text_is_a_warning() -> None:
    compiled, _ = example()
    marker = unsubscribe_marker(compiled)
    assert marker in compiled.text
    report = check(dataclasses.replace(compiled, text=compiled.text.replace(marker, "")))
    assert codes(report) == {("warning", "unsubscribe_missing_text")} and report.ok


def test_missing_plain_text_is_an_error() -> None:
    compiled, _ = example()
    report = check(dataclasses.replace(compiled, text="  \n"))
    assert ("error", "text_missing") in codes(report)


@pytest.mark.parametrize(
    ("subject", "expected"),
    [
        ("", {("error", "subject_empty")}),
        ("   ", {("error", "subject_empty")}),
        ("Nyhetsbrev mars", set()),
        ("K" * 78, set()),
        ("K" * 79, {("warning", "subject_long")}),
        ("K" * 150, {("warning", "subject_long")}),
        ("K" * 151, {("error", "subject_long")}),
    ],
)
def test_subject_length(subject: str, expected: set[tuple[str, str]]) -> None:
    compiled, _ = example()
    assert codes(check(dataclasses.replace(compiled, subject=subject))) == expected


def test_missing_preheader_is_a_warning() -> None:
    compiled, _ = example()
    report = check(compiled, preheader=" ")
    assert codes(report) == {("warning", "preheader_missing")} and report.ok


def test_each_mjml_warning_becomes_a_warning() -> None:
    compiled, _ = example()
    report = check(compiled, warnings=("rad 3: <mj-txt> är ingen MJML-tagg", "<mj-foo> stängs aldrig."))
    assert [(f.severity, f.code) for f in report.findings] == [("warning", "mjml"), ("warning", "mjml")]
    assert "mj-txt" in report.findings[0].message and report.ok


def test_messages_are_swedish_and_name_the_problem() -> None:
    report = check(with_html('<a href="http://kulturkluster.se/gammal">x</a><img src="https://a.se/b.png">'))
    messages = " ".join(f.message for f in report.findings)
    assert "http://kulturkluster.se/gammal" in messages and "https" in messages
    assert "alt-text" in messages and "https://a.se/b.png" in messages


def test_our_own_public_url_is_judged_once_as_a_setting() -> None:
    from mailer.check import check_newsletter
    from mailer.render import _marker

    marker = _marker("links.unsubscribe")

    def report_for(public_url: str) -> list[tuple[str, str]]:
        html = (
            f'<a href="{public_url}/nyhetsbrev/kkn-x">Visa</a> '
            f'<a href="{marker}">Avsluta</a> <a href="https://kulturkluster.se/">Hem</a>'
        )
        compiled = Compiled(subject="Hej", html=html, text=f"Avsluta: {marker}")
        report = check_newsletter(compiled, "Förhandstext", (), public_url)
        return [(f.severity, f.code) for f in report.findings]

    assert report_for("https://post.kk.test") == []
    assert report_for("http://localhost:8000") == [("warning", "public_url_local")]
    assert report_for("http://post.kk.test") == [("error", "public_url_http")]
