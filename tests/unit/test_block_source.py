"""The block form of newsletter content: files open as blocks, blocks save as files, errors name the block."""

from __future__ import annotations

from pathlib import Path

import pytest

from kulturkluster.settings import OrgSettings
from mailer.block_source import Draft, EditorBlock, draft_from_source, source_from_draft
from mailer.check import check_newsletter
from mailer.content import ContentError, parse_content
from mailer.newsletter_render import render_newsletter
from mailer.render import Renderer

ROOT = Path(__file__).resolve().parents[2]
ORG = OrgSettings(address="kulturkluster@kulturkluster.test")
VIEW_URL = "https://post.kulturkluster.test/nyhetsbrev/vy"
RENDERER = Renderer()

LEGACY = {
    "example": (ROOT / "templates" / "newsletter" / "exempel.md").read_text(encoding="utf-8"),
    "starter": (ROOT / "templates" / "web" / "staff" / "newsletters" / "start.md").read_text(
        encoding="utf-8"
    ),
    "dates": """---
subject: "Datum: ISO och text"
events:
  - {date: 2026-05-12 13:05:00, title: Workshop, place: Teams}
  - {date: "2027-01-21 08:00:00", title: Kulturfrukost, place: Eskilstuna, url: "https://a.se/k"}
  - {date: "Torsdag 7 maj, kl. 8.00", title: Fika, place: Nyköping}
---
Hej!
""",
    "sections only": """---
subject: Avsnitt
intro: "Inledning med **fetstil**."
sections:
  - heading: Första
    image: {src: "https://a.se/b.jpg", alt: "En röd lada"}
    button: {label: "Läs", url: "mailto:a@b.se"}
  - heading: Andra
    body: "- ett\\n- två"
---
""",
    "decorative image": """---
subject: Dekor
sections:
  - heading: Med en dekorativ bild
    image: {src: "https://a.se/ram.png", decorative: true}
    body: Text under.
---
""",
}


def html(source: str, template: str = "default") -> str:
    rendered = render_newsletter(RENDERER, template, parse_content(source), ORG, VIEW_URL)
    return rendered.compiled.html


@pytest.mark.parametrize("name", LEGACY)
def test_a_file_opened_in_the_editor_and_saved_renders_the_same(name: str) -> None:
    source = LEGACY[name]
    saved = source_from_draft(draft_from_source(source))
    assert "blocks:" in saved
    assert html(saved) == html(source)
    assert draft_from_source(saved) == draft_from_source(source)  # and opens as the same blocks again


def test_a_colon_or_quote_in_the_subject_just_works() -> None:
    draft = Draft('Nyhetsbrev: "mars" # 3', "Förtext: kort", (EditorBlock("text", {"text": "Hej: du"}),))
    content = parse_content(source_from_draft(draft))
    assert (content.subject, content.preheader) == ('Nyhetsbrev: "mars" # 3', "Förtext: kort")
    assert draft_from_source(source_from_draft(draft)) == draft


def test_blocks_render_in_order_with_every_kind() -> None:
    blocks = (
        EditorBlock("heading", {"text": "Kulturfrukost"}),
        EditorBlock("text", {"text": "Välkommen **alla**.\n\n- kaffe\n- samtal"}),
        EditorBlock(
            "image",
            {
                "src": "https://a.se/x.jpg",
                "alt": "Ett fullsatt kafé",
                "link": "https://a.se",
                "caption": "Foto: Bo",
            },
        ),
        EditorBlock("image", {"src": "https://a.se/ornament.png", "decorative": "ja"}),
        EditorBlock("button", {"label": "Anmäl dig", "url": "https://a.se/anmalan"}),
        EditorBlock(
            "event", {"title": "Frukost", "date": "2027-01-21", "time": "08:00", "place": "Eskilstuna"}
        ),
        EditorBlock("divider"),
    )
    out = html(source_from_draft(Draft("Ordning", "", blocks)))
    order = ["Kulturfrukost", "<strong>alla</strong>", 'alt="Ett fullsatt kafé"', "Foto: Bo", "ornament.png",
             "Anmäl dig", "Torsdag 21 januari 2027 kl. 8.00"]  # fmt: skip
    positions = [out.index(marker) for marker in order]
    assert positions == sorted(positions)
    assert 'href="https://a.se"' in out
    assert '<img src="https://a.se/ornament.png" alt="" role="presentation"' in out
    content = parse_content(source_from_draft(Draft("O", "", blocks)))
    rendered = render_newsletter(RENDERER, "default", content, ORG, VIEW_URL)
    report = check_newsletter(rendered.compiled, "Förtext", rendered.mjml_warnings)
    assert "image_alt" not in {f.code for f in report.findings}  # a decorative picture needs no alt text
    assert rendered.mjml_warnings == ()


@pytest.mark.parametrize(
    ("block", "message"),
    [
        (EditorBlock("button", {"label": "Anmäl dig"}), "Block 3 (knapp): länken saknas."),
        (EditorBlock("button", {"url": "https://a.se"}), "Block 3 (knapp): knapptexten saknas."),
        (EditorBlock("button", {"label": "A", "url": "javascript:alert(1)"}), "Block 3 (knapp): adressen"),
        (EditorBlock("heading", {"text": "  "}), "Block 3 (rubrik): rubriken saknas."),
        (EditorBlock("text"), "Block 3 (text): texten är tom."),
        (EditorBlock("image", {"src": "https://a.se/x.jpg"}), "Block 3 (bild): alt-texten saknas"),
        (EditorBlock("image", {"alt": "Ett träd"}), "Block 3 (bild): bilden saknas"),
        (
            EditorBlock("image", {"src": "https://a.se/x.jpg", "decorative": "ja", "link": "https://a.se"}),
            "Block 3 (bild): en bild med länk behöver en alt-text",
        ),
        (EditorBlock("event", {"title": "T", "place": "P"}), "Block 3 (kalenderpost): datumet saknas."),
        (
            EditorBlock("event", {"title": "T", "date": "2027-01-21", "time": "8.00", "place": "P"}),
            "Block 3 (kalenderpost): tiden 8.00",
        ),
        (
            EditorBlock("event", {"title": "T", "date": "2027-01-21", "time": "25:00", "place": "P"}),
            "Block 3 (kalenderpost): tiden 25:00",
        ),
        (
            EditorBlock("event", {"title": "T", "date": "i vår", "time": "08:00", "place": "P"}),
            "Block 3 (kalenderpost): en tid behöver ett datum",
        ),
    ],
)
def test_errors_name_the_block_and_never_quote_a_parser(block: EditorBlock, message: str) -> None:
    draft = Draft(
        "Ämne", "", (EditorBlock("heading", {"text": "R"}), EditorBlock("text", {"text": "T"}), block)
    )
    with pytest.raises(ContentError) as caught:
        parse_content(source_from_draft(draft))
    assert str(caught.value).startswith(message)
    assert "yaml" not in str(caught.value).lower() and "mapping" not in str(caught.value)


def test_blocks_and_the_older_form_are_not_mixed() -> None:
    with pytest.raises(ContentError, match="både som block"):
        parse_content("---\nsubject: A\nblocks:\n- {type: divider}\n---\nHej!\n")
    with pytest.raises(ContentError, match="inget innehåll"):
        parse_content("---\nsubject: A\nblocks: []\n---\n")
    with pytest.raises(ContentError, match="Block 1 är av en okänd sort"):
        parse_content("---\nsubject: A\nblocks:\n- {type: video}\n---\n")


def test_the_invitation_puts_date_place_and_sign_up_first_and_passes_the_check() -> None:
    source = (ROOT / "templates" / "newsletter" / "inbjudan.md").read_text(encoding="utf-8")
    content = parse_content(source)
    rendered = render_newsletter(RENDERER, "inbjudan", content, ORG, VIEW_URL)
    out = rendered.compiled.html
    lead = [
        out.index(m) for m in ("Torsdag 21 januari 2027 kl. 8.00", "Eskilstuna kulturhus", "Anmäl dig till")
    ]
    assert lead == sorted(lead) and lead[-1] < out.index("Välkommen till vårens första")
    assert out.count("Torsdag 21 januari 2027") == 1  # the lead entry is not repeated below
    report = check_newsletter(rendered.compiled, content.preheader, rendered.mjml_warnings, "https://a.se")
    assert rendered.mjml_warnings == () and report.findings == ()
    # Any content works in it: the example newsletter (many entries and buttons) too
    example = parse_content(LEGACY["example"])
    assert render_newsletter(RENDERER, "inbjudan", example, ORG, VIEW_URL).mjml_warnings == ()
