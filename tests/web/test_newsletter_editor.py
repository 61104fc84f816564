"""The block editor over HTTP: files open as blocks, the form saves blocks, errors name the block, and the
add/move/remove buttons work without script (the page comes back changed, nothing saved)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import select

from kulturkluster.wiring import Services
from mailer.campaign_models import Newsletter

from .conftest import StaffClient

pytestmark = pytest.mark.integration

LEGACY = """---
subject: "Kulturfrukost: våren"
sections:
  - heading: "Frukost i Eskilstuna"
    body: "Välkommen!"
    button: {label: "Anmäl dig", url: "https://kulturkluster.se/anmalan"}
events:
  - {date: "2027-01-21 08:00:00", title: Kulturfrukost, place: Eskilstuna}
---
Hej!
"""


def form(subject: str, *blocks: dict[str, str], template: str = "default", **extra: str) -> dict[str, Any]:
    data: dict[str, Any] = {"mall": template, "amne": subject, "preheader": "Kort förtext", **extra}
    for number, block in enumerate(blocks, start=1):
        data.update({f"b{number}.{name}": value for name, value in block.items()})
    return data


def saved(svc: Services) -> list[Newsletter]:
    with svc.db.unit_of_work() as session:
        rows = list(session.scalars(select(Newsletter).order_by(Newsletter.id)))
        for row in rows:
            session.expunge(row)
        return rows


def block_types(html: str) -> list[str]:
    return re.findall(r'name="b\d+\.type" value="([a-z]+)"', html)


def test_a_file_in_the_older_form_opens_as_blocks(staff: StaffClient, staff_services: Services) -> None:
    created = staff.post("/app/nyhetsbrev/nytt", {"mall": "default", "innehall": LEGACY})
    assert created.status_code == 303
    newsletter_id = saved(staff_services)[0].id
    page = staff.get(f"/app/nyhetsbrev/{newsletter_id}/redigera").text
    assert 'id="amne" name="amne" value="Kulturfrukost: våren"' in page
    assert block_types(page) == [
        "text",
        "divider",
        "heading",
        "text",
        "button",
        "divider",
        "heading",
        "event",
    ]
    assert 'type="date" id="b8.date" name="b8.date" value="2027-01-21"' in page
    assert 'type="time" id="b8.time" name="b8.time" value="08:00"' in page
    assert 'name="innehall"' not in page and "sections:" not in page  # no text form, no YAML


def test_the_block_form_saves_and_a_colon_just_works(staff: StaffClient, staff_services: Services) -> None:
    data = form(
        "Nyhetsbrev: mars",
        {"type": "heading", "text": "Speed-dejting: kultur möter näringsliv"},
        {"type": "text", "text": "Hej!\r\n\r\n- **fika**\r\n- samtal"},
        {"type": "button", "label": "Anmäl dig", "url": "https://kulturkluster.se/anmalan"},
        {
            "type": "event",
            "title": "Speed-dejting",
            "date": "2027-03-04",
            "time": "17:30",
            "place": "Nyköping",
        },
        atgard="spara",
    )
    response = staff.post("/app/nyhetsbrev/nytt", data)
    assert response.status_code == 303, response.text
    [letter] = saved(staff_services)
    assert letter.subject == "Nyhetsbrev: mars" and "blocks:" in letter.content
    assert "Torsdag 4 mars 2027 kl. 17.30" in staff.get(f"/app/nyhetsbrev/{letter.id}/visa").text

    again = staff.get(f"/app/nyhetsbrev/{letter.id}/redigera").text
    assert block_types(again) == ["heading", "text", "button", "event"]
    edited = staff.post(f"/app/nyhetsbrev/{letter.id}/redigera", {**data, "amne": "Nyhetsbrev: april"})
    assert edited.status_code == 303
    assert saved(staff_services)[0].subject == "Nyhetsbrev: april"


def test_errors_name_the_block_and_keep_what_was_written(
    staff: StaffClient, staff_services: Services
) -> None:
    data = form(
        "Inbjudan",
        {"type": "text", "text": "Välkommen på frukost"},
        {"type": "button", "label": "Anmäl dig"},
        atgard="spara",
    )
    refused = staff.post("/app/nyhetsbrev/nytt", data)
    assert refused.status_code == 400
    assert "Block 2 (knapp): länken saknas." in refused.text
    # and again inside the block it is about, which gets the focus
    assert '<p class="block-error" id="b2.error">Block 2 (knapp): länken saknas.</p>' in refused.text
    assert 'data-focus="2"' in refused.text and '<fieldset aria-describedby="b2.error">' in refused.text
    assert 'value="Anmäl dig"' in refused.text and "Välkommen på frukost" in refused.text
    no_subject = staff.post("/app/nyhetsbrev/nytt", {**data, "amne": " "})
    assert no_subject.status_code == 400 and "Ämnesraden saknas" in no_subject.text
    assert saved(staff_services) == []


def test_the_buttons_work_without_script(staff: StaffClient, staff_services: Services) -> None:
    blocks = ({"type": "heading", "text": "Först"}, {"type": "text", "text": "Sedan"})
    moved = staff.post("/app/nyhetsbrev/nytt", form("Ämne", *blocks, atgard="upp-2"))
    assert moved.status_code == 200
    assert block_types(moved.text) == ["text", "heading"]
    assert "Text är nu block 1 av 2." in moved.text  # said in the live region
    added = staff.post("/app/nyhetsbrev/nytt", form("Ämne", *blocks, atgard="ny-image"))
    assert block_types(added.text) == ["heading", "text", "image"]
    assert 'id="b3.alt"' in added.text and 'data-focus="3"' in added.text
    removed = staff.post("/app/nyhetsbrev/nytt", form("Ämne", *blocks, atgard="bort-1"))
    assert block_types(removed.text) == ["text"]
    assert 'name="b1.text"' in removed.text and "Sedan" in removed.text
    assert saved(staff_services) == []  # nothing is saved until "Spara utkast"


def test_the_live_preview_renders_the_blocks(staff: StaffClient) -> None:
    fragment = staff.htmx_post(
        "/app/nyhetsbrev/forhandsvisning",
        form("Förhandsvisning: blocken", {"type": "heading", "text": "Syns i ramen"}),
    )
    assert fragment.status_code == 200 and "<iframe" in fragment.text
    src = re.search(r'sandbox src="([^"]+)"', fragment.text)
    assert src is not None and "Syns i ramen" in staff.get(src.group(1)).text
    broken = staff.htmx_post(
        "/app/nyhetsbrev/forhandsvisning",
        form("Ämne", {"type": "image", "src": "https://a.se/x.jpg"}),
    )
    assert "Block 1 (bild): alt-texten saknas" in broken.text


def test_each_template_can_be_seen_with_an_example_before_choosing(staff: StaffClient) -> None:
    page = staff.get("/app/nyhetsbrev/nytt").text
    for name in ("default", "inbjudan"):
        assert f'<input type="radio" name="mall" value="{name}"' in page
        assert f'href="/app/nyhetsbrev/forhandsvisning/mall/{name}"' in page
    invitation = staff.get("/app/nyhetsbrev/forhandsvisning/mall/inbjudan")
    assert invitation.status_code == 200 and "sandbox" in invitation.headers["content-security-policy"]
    assert "Inbjudan" in invitation.text and "Torsdag 21 januari 2027 kl. 8.00" in invitation.text
    newsletter = staff.get("/app/nyhetsbrev/forhandsvisning/mall/default")
    assert "Kalendarium" in newsletter.text  # the default template, shown with exempel.md
    assert staff.get("/app/nyhetsbrev/forhandsvisning/mall/..%2Fsystem%2Fwelcome").status_code == 404
