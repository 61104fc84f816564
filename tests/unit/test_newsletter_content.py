"""Newsletter content files: parsing, Markdown safety, rendering with the default template."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from kulturkluster.settings import OrgSettings
from mailer.check import images_in, links_in
from mailer.content import ContentError, NewsletterContent, markdown_html, parse_content
from mailer.newsletter_render import UnknownTemplate, available_templates, mjml_warnings, render_newsletter
from mailer.render import Renderer, TemplateError

EXAMPLE = Path(__file__).resolve().parents[2] / "templates" / "newsletter" / "exempel.md"
ORG = OrgSettings(
    name="Kulturkluster Sörmland",
    address="kulturkluster@kulturkluster.test",
    postal_address="Region Sörmland, 611 88 Nyköping",
)
VIEW_URL = "https://post.kulturkluster.test/nyhetsbrev/vy-token"
UNSUBSCRIBE_URL = "https://post.kulturkluster.test/avsluta/tok.en_123"


def _render(content: NewsletterContent, template: str = "default") -> tuple[str, str, str]:
    rendered = render_newsletter(Renderer(), template, content, ORG, VIEW_URL)
    assert rendered.mjml_warnings == ()
    personal = rendered.compiled.personalise(
        {"recipient.email": "anna@example.se", "links.unsubscribe": UNSUBSCRIBE_URL}
    )
    return personal.subject, personal.html, personal.text


def minimal(extra: str = "", body: str = "Hej!\n") -> str:
    return f"---\nsubject: Nyhetsbrev\n{extra}---\n{body}"


# -- the example, end to end ----------------------------------------------------------------------------


def test_example_parses_into_sections_and_events() -> None:
    content = parse_content(EXAMPLE.read_text(encoding="utf-8"))
    assert content.subject.startswith("Nyhetsbrev mars")
    assert content.preheader
    assert [s.heading for s in content.sections][:3] == [
        "Kulturfrukost i Eskilstuna: när kultur möter näringsliv",
        "Utlysning: Kreativa utvecklingscheckar",
        "Speed-dejting för kulturaktörer",
    ]
    assert all(s.image is None or s.image.alt for s in content.sections)
    assert "<strong>Kulturfrukost</strong>" in content.intro_html  # the body after the front matter
    # An ISO date is written out in Swedish; free text is kept as written.
    assert [e.date for e in content.events][:2] == ["Torsdag 19 mars, kl. 8.00–9.30", "Onsdag 15 april 2026"]
    assert content.events[-1].url is None


def test_example_renders_with_org_events_and_links_and_no_markers() -> None:
    content = parse_content(EXAMPLE.read_text(encoding="utf-8"))
    subject, html, text = _render(content)
    assert subject == content.subject
    assert "KKPERSONAL" not in subject + html + text
    assert "<mj-" not in html
    assert "Kulturkluster Sörmland" in html and "Region Sörmland, 611 88 Nyköping" in html
    assert "Kalendarium" in html and "Munktell Science Park, Eskilstuna" in html
    assert f'href="{UNSUBSCRIBE_URL}"' in html and f'href="{VIEW_URL}"' in html
    assert "anna@example.se prenumererar på" in html
    assert content.preheader in html  # mj-preview
    assert "fonts.googleapis.com" not in html  # no external fonts
    assert {i.alt for i in images_in(html)} == {s.image.alt for s in content.sections if s.image}
    assert all(i.src.startswith("https://") for i in images_in(html))
    assert "https://kulturkluster.se/speed-dejting" in links_in(html)


def test_example_plain_text_reads_well() -> None:
    _, _, text = _render(parse_content(EXAMPLE.read_text(encoding="utf-8")))
    assert "<" not in text and "&amp;" not in text
    lines = text.splitlines()
    # Headings stand on their own line, separated from the text around them.
    for heading in ("Utlysning: Kreativa utvecklingscheckar", "Kalendarium"):
        index = lines.index(heading)
        assert lines[index - 1] == "" and lines[index + 1] == ""
    assert "[Anmäl dig till Speed-dejting](https://kulturkluster.se/speed-dejting)" in text
    assert (
        "[Region Sörmlands webbplats](https://regionsormland.se/kultur/kreativa-utvecklingscheckar)" in text
    )
    assert f"[Avsluta prenumerationen]({UNSUBSCRIBE_URL})" in text
    assert f"[Visa i webbläsaren]({VIEW_URL})" in text
    assert "* Samtal i mindre grupper" in text


def test_template_names_and_unknown_template() -> None:
    assert "default" in available_templates()
    assert all(not name.startswith("_") for name in available_templates())
    content = parse_content(minimal())
    with pytest.raises(UnknownTemplate, match="default") as info:
        render_newsletter(Renderer(), "fancy", content, ORG, VIEW_URL)
    assert "fancy" in str(info.value)


def test_private_templates_are_not_offered(tmp_path: Path) -> None:
    folder = tmp_path / "newsletter"
    folder.mkdir()
    for name in ("plain.mjml.j2", "_layout.mjml.j2", "notes.md"):
        (folder / name).write_text("x", encoding="utf-8")
    assert available_templates(Renderer(tmp_path)) == ["plain"]


def test_mjml_that_mrml_cannot_parse_is_a_template_error(tmp_path: Path) -> None:
    folder = tmp_path / "newsletter"
    folder.mkdir()
    (folder / "broken.mjml.j2").write_text(
        "{% set subject = content.subject %}<mjml><mj-body><mj-section><mj-column>"
        "<mj-text><p>open</mj-text></mj-column></mj-section></mj-body></mjml>",
        encoding="utf-8",
    )
    with pytest.raises(TemplateError, match="broken"):
        render_newsletter(Renderer(tmp_path), "broken", parse_content(minimal()), ORG, VIEW_URL)


# -- Markdown -------------------------------------------------------------------------------------------


def test_raw_html_in_markdown_is_escaped_not_run() -> None:
    content = parse_content(minimal(body='Hej <script>alert("x")</script> och <b onclick="x()">fet</b>\n'))
    assert "<script" not in content.intro_html and "<b" not in content.intro_html
    assert "&lt;script&gt;" in content.intro_html
    _, html, text = _render(content)
    assert "<script" not in html and not re.search(r"<b\s", html)
    assert "&lt;script&gt;" in html and '&lt;b onclick="x()"&gt;' in html
    assert '<script>alert("x")</script>' in text  # shown to the reader as the text it was


@pytest.mark.parametrize(
    ("markdown", "expected", "absent"),
    [
        ("# Stor rubrik", "<h3>Stor rubrik</h3>", "<h1"),
        ("**fet** och *kursiv*", "<strong>fet</strong> och <em>kursiv</em>", ""),
        (
            "[Läs mer](https://kulturkluster.se/a)",
            '<a href="https://kulturkluster.se/a" target="_blank" rel="noopener noreferrer">Läs mer</a>',
            "",
        ),
        ("[klicka](javascript:alert(1))", "klicka", 'href="javascript'),
        ('<a href="javascript:x()">a</a>', "&lt;a href=", "<a "),
        ("- ett\n- två", "<ul>\n<li>ett</li>\n<li>två</li>\n</ul>", ""),
        ("> citat", "<p>citat</p>", "blockquote"),
        ("rad ett  \nrad två", "<br>", ""),
    ],
)
def test_markdown_becomes_mj_text_safe_html(markdown: str, expected: str, absent: str) -> None:
    html = markdown_html(markdown, "")
    assert expected in html
    if absent:
        assert absent not in html
    tags = set(re.findall(r"</?([a-z0-9]+)", html))
    assert tags <= {"p", "br", "a", "strong", "em", "code", "ul", "ol", "li", "h3"}


# -- bad content ----------------------------------------------------------------------------------------

BAD = [
    ("no front matter", "Hej, här kommer nyhetsbrevet\n", "---"),
    ("empty file", "", "---"),
    ("binary garbage", "\x00\x01\x02 PK\x03\x04", "---"),
    ("front matter never closed", "---\nsubject: Hej\n", "avslutas aldrig"),
    ("YAML syntax", "---\nsubject: Hej\nsections:\n  - heading: A\n   body: B\n---\n", "rad 5"),
    ("YAML tab", "---\nsubject: Hej\n\tpreheader: x\n---\nHej", "rad 3"),
    ("front matter is a list", "---\n- subject\n---\nHej", "namn: värde"),
    ("subject missing", "---\npreheader: Hej\n---\nHej", "subject saknas"),
    ("subject empty", "---\nsubject: '  '\n---\nHej", "subject är tomt"),
    ("subject a number", "---\nsubject: 2026\n---\nHej", "subject ska vara text, men är ett tal"),
    ("subject yes", "---\nsubject: yes\n---\nHej", "ja/nej"),
    ("preheader a list", "---\nsubject: Hej\npreheader: [a, b]\n---\nHej", "preheader ska vara text"),
    ("misspelt field", "---\nsubjekt: Hej\n---\nHej", "Okänt fält 'subjekt'"),
    (
        "sections not a list",
        "---\nsubject: Hej\nsections: Kulturfrukost\n---\n",
        "sections ska vara en lista",
    ),
    (
        "section is text",
        "---\nsubject: Hej\nsections:\n  - Kulturfrukost\n---\n",
        "Punkt 1 under sections (rad 4)",
    ),
    (
        "second section without heading",
        "---\nsubject: Hej\nsections:\n  - heading: A\n    body: a\n  - body: b\n---\n",
        "heading saknas i avsnitt 2 under sections (rad 6)",
    ),
    (
        "heading a number",
        "---\nsubject: Hej\nsections:\n  - heading: 42\n---\n",
        "heading i avsnitt 1 under sections (rad 4) ska vara text",
    ),
    (
        "unknown section field",
        "---\nsubject: Hej\nsections:\n  - heading: A\n    text: a\n---\n",
        "Okänt fält 'text' i avsnitt 1",
    ),
    (
        "image without alt",
        "---\nsubject: Hej\nsections:\n  - heading: A\n    image:\n      src: https://a.se/b.jpg\n---\n",
        "alt saknas i image i avsnitt 1",
    ),
    (
        "image as a string",
        "---\nsubject: Hej\nsections:\n  - heading: A\n    image: https://a.se/b.jpg\n---\n",
        "image i avsnitt 1 under sections (rad 4) ska ha fälten src, alt",
    ),
    (
        "button without url",
        "---\nsubject: Hej\nsections:\n  - heading: A\n    button:\n      label: Läs\n---\n",
        "url saknas i button i avsnitt 1",
    ),
    (
        "button to javascript",
        "---\nsubject: Hej\nsections:\n  - heading: A\n    button: {label: Läs, url: 'javascript:alert(1)'}\n---\n",
        "url i button i avsnitt 1 under sections (rad 4) ska vara en fullständig adress",
    ),
    (
        "relative image",
        "---\nsubject: Hej\nsections:\n  - heading: A\n    image: {src: /bild.jpg, alt: Bild}\n---\n",
        "src i image i avsnitt 1",
    ),
    (
        "event link without scheme",
        "---\nsubject: Hej\nevents:\n  - {date: i dag, title: T, place: P, url: www.a.se}\n---\nHej",
        "url i evenemang 1 under events (rad 4) ska vara en fullständig adress som börjar med https://",
    ),
    (
        "event without place",
        "---\nsubject: Hej\nevents:\n  - date: 2026-03-19\n    title: Kulturfrukost\n---\nHej",
        "place saknas i evenemang 1 under events (rad 4)",
    ),
    ("image in Markdown", "---\nsubject: Hej\n---\n![Bild](https://a.se/b.jpg)\n", "fältet image"),
    ("intro twice", "---\nsubject: Hej\nintro: Hej\n---\nHej igen\n", "både i fältet intro"),
    ("nothing to read", "---\nsubject: Hej\n---\n\n", "ingen text"),
]


@pytest.mark.parametrize(("case", "source", "message"), BAD, ids=[case for case, _, _ in BAD])
def test_bad_content_is_a_content_error_that_says_what_to_fix(case: str, source: str, message: str) -> None:
    with pytest.raises(ContentError) as info:
        parse_content(source)
    assert message in str(info.value), case


def test_intro_field_front_matter_only_and_windows_line_endings() -> None:
    source = "\ufeff---\r\nsubject: Hej\r\nintro: Det här är **inledningen**.\r\n---\r\n"
    content = parse_content(source)
    assert content.intro_html == "<p>Det här är <strong>inledningen</strong>.</p>"
    assert content.sections == () and content.events == ()
    assert content.template_context()["content"]["subject"] == "Hej"


def test_event_datetime_is_written_out_with_time() -> None:
    content = parse_content(
        minimal("events:\n  - {date: 2026-05-12 13:05:00, title: Workshop, place: Teams}\n")
    )
    assert content.events[0].date == "Tisdag 12 maj 2026 kl. 13.05"


@pytest.mark.parametrize(
    ("written", "shown"),
    [
        ('"2027-01-21 08:00:00"', "Torsdag 21 januari 2027 kl. 8.00"),
        ("'2027-01-21 08:00'", "Torsdag 21 januari 2027 kl. 8.00"),
        ('"2027-01-21T18:30"', "Torsdag 21 januari 2027 kl. 18.30"),
        ('"2027-01-21"', "Torsdag 21 januari 2027"),
        ('"2027-02-30"', "2027-02-30"),  # not a day: shown as written
        ('"Torsdag 7 maj, kl. 8.00"', "Torsdag 7 maj, kl. 8.00"),
    ],
)
def test_quoted_iso_dates_are_written_out_like_unquoted_ones(written: str, shown: str) -> None:
    content = parse_content(minimal(f"events:\n  - {{date: {written}, title: Frukost, place: Eskilstuna}}\n"))
    assert content.events[0].date == shown


# -- the MJML sanity check ------------------------------------------------------------------------------


def _mjml(column: str, body_extra: str = "") -> str:
    return (
        "<mjml><mj-head><mj-attributes><mj-all font-family='Arial' /><mj-text color='#000' />"
        f"</mj-attributes></mj-head><mj-body>{body_extra}<mj-section><mj-column>{column}"
        "</mj-column></mj-section></mj-body></mjml>"
    )


@pytest.mark.parametrize(
    ("source", "fragment"),
    [
        (_mjml("<mj-txt>Hej</mj-txt>"), "<mj-txt> är ingen MJML-tagg"),
        (_mjml("<mj-text>Hej <mj-image src='https://a.se/b.png' alt='b' /></mj-text>"), "inuti <mj-text>"),
        (_mjml("<mj-column><mj-text>x</mj-text></mj-column>"), "<mj-column> står i <mj-column>"),
        (_mjml("<mj-text>x</mj-text>", body_extra="Lös text"), "'Lös text' står direkt i <mj-body>"),
        (_mjml("<p>stycke</p>"), "HTML-taggen <p> står direkt i <mj-column>"),
        (_mjml("<mj-image src='https://a.se/b.png' />"), "saknar alt-text"),
        (_mjml("<mj-text>x</mj-text></mj-section>"), "</mj-section> stänger"),
    ],
)
def test_mjml_warnings_name_what_mrml_would_not(source: str, fragment: str) -> None:
    warnings = mjml_warnings(source)
    assert any(fragment in w for w in warnings), warnings
    assert all(w.startswith("rad ") or "stängs aldrig" in w for w in warnings)


def test_mjml_warnings_report_mj_tags_left_in_the_html() -> None:
    assert any("<mj-foo>" in w for w in mjml_warnings("<mjml></mjml>", "<div><mj-foo>x</mj-foo></div>"))


def test_clean_mjml_has_no_warnings() -> None:
    source = _mjml(
        "<mj-text><p>Hej <a href='https://a.se'>a</a><br /></p></mj-text><mj-image src='x' alt='y' />"
    )
    assert mjml_warnings(source, "<html><body><div class='mj-column-per-100'>x</div></body></html>") == []
