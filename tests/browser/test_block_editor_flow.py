"""A newsletter built from nothing in the block editor, with clicks and the keyboard only, then sent.

Two text blocks, a phone photo with GPS data (made here with Pillow), a button and a calendar entry; the
staff member previews it, sends a test to themself and sends it. The received mail's picture is served
from the public URL without EXIF, its alt text is in both parts, and the issue then appears in the public
archive and its feed.

The image upload (``POST /app/nyhetsbrev/bilder``), its public URL and ``/arkiv`` with its feed come
from the archive work (issue 16's images and archive parts); this test is written against that contract.
"""

from __future__ import annotations

import io
import re
from email.message import EmailMessage
from pathlib import Path
from typing import cast
from urllib.parse import urlparse

import httpx
import pytest
from PIL import Image
from playwright.sync_api import Locator, Page, expect

from tests.browser import demo
from tests.browser.conftest import LiveServer, login, open_section

pytestmark = [pytest.mark.browser, pytest.mark.integration]

PUBLIC = "https://nyhetsbrev.kk.test"  # the check wants https; the test reads its paths from the app
LIST = [("anna.berg@kulturmejl.example", "Anna Berg"), ("erik.sjoberg@musikhuset.example", "Erik Sjöberg")]
SUBJECT = "Kulturfrukost: när kultur möter näringsliv"
ALT = "Ett tiotal personer samtalar kring ett långbord med kaffe i en ljus lokal"
GPS_IFD = 0x8825


@pytest.fixture
def server_settings() -> dict[str, object]:
    return {"public_url": PUBLIC}


def phone_photo(folder: Path) -> Path:
    """A JPEG as a phone writes it: larger than a letter needs, with the camera and where it was taken."""
    exif = Image.Exif()
    exif[0x010F] = "Telefonmakaren"  # Make
    exif[GPS_IFD] = {1: "N", 2: (59.0, 22.0, 1.0), 3: "E", 4: (16.0, 30.0, 0.0)}
    path = folder / "IMG_4711.jpg"
    Image.new("RGB", (2400, 1800), (200, 120, 80)).save(path, "JPEG", exif=exif)
    with Image.open(path) as written:
        assert written.getexif().get_ifd(GPS_IFD)  # the photo really carries a position
    return path


def add_block(page: Page, label: str) -> Locator:
    """Add a block with the keyboard: focus its button in "Lägg till ett block sist" and press Enter."""
    blocks = page.locator("#blocks > li.block")
    count = blocks.count()
    page.locator(".block-add").get_by_role("button", name=label, exact=True).focus()
    page.keyboard.press("Enter")
    expect(blocks).to_have_count(count + 1)
    expect(page.locator("#editor-status")).to_contain_text(f"Block {count + 1} ")
    return blocks.nth(count)


def test_build_a_newsletter_from_nothing_and_send_it(
    live_server: LiveServer, page: Page, tmp_path: Path
) -> None:
    demo.add_subscribers(live_server, LIST)
    login(page)
    open_section(page, "Nyhetsbrev")
    page.get_by_role("button", name="Nytt nyhetsbrev").click()
    expect(page.get_by_role("heading", name="Nytt nyhetsbrev", level=1)).to_be_visible()

    # From nothing: the starter blocks go, one Enter each; focus stays in the list, then on the add buttons.
    blocks = page.locator("#blocks > li.block")
    while blocks.count():
        page.get_by_role("button", name="Ta bort block 1").focus()
        page.keyboard.press("Enter")
    expect(page.locator(".block-add button").first).to_be_focused()

    page.get_by_label("Ämnesrad").fill(SUBJECT)
    page.get_by_label("Förhandstext (valfri)").fill("Frukost, samtal och nya kontakter i Eskilstuna.")

    first = add_block(page, "Text")
    expect(first.get_by_label("Text", exact=True)).to_be_focused()  # focus moves into the new block
    page.keyboard.type("Hej! Välkommen till ")
    page.keyboard.press("ControlOrMeta+b")  # the Markdown shortcut: **fetstil**, selected to type over
    page.keyboard.type("Kulturfrukost")
    expect(first.get_by_label("Text", exact=True)).to_have_value("Hej! Välkommen till **Kulturfrukost**")

    second = add_block(page, "Text")
    page.keyboard.type("Vi bjuder på frukost och ett samtal om sponsring.")
    second.get_by_role("button", name="Punktlista").click()  # the toolbar, with the mouse
    page.keyboard.type("Samtal i små grupper")

    picture = add_block(page, "Bild")
    picture.get_by_label(re.compile(r"^Ladda upp en bild")).set_input_files(phone_photo(tmp_path))
    expect(picture.locator(".upload-status")).to_contain_text("Bilden är uppladdad", timeout=20_000)
    source = picture.get_by_label("Bildens adress").input_value()
    assert source.startswith(f"{PUBLIC}/")
    picture.get_by_label("Alt-text", exact=True).focus()
    page.keyboard.type(ALT)

    button = add_block(page, "Knapp")
    page.keyboard.type("Anmäl dig")
    button.get_by_label("Länk").fill("https://kulturkluster.se/kulturfrukost")

    entry = add_block(page, "Kalenderpost")
    page.keyboard.type("Kulturfrukost")
    entry.get_by_label("Datum").fill("2027-01-21")  # the date picker
    entry.get_by_label("Tid (valfri)").fill("08:00")
    entry.get_by_label("Plats").fill("Eskilstuna kulturhus")

    # Moving with the keyboard: Alt+Arrow up in the button's field puts it above the picture.
    page.get_by_label("Knapptext").focus()
    page.keyboard.press("Alt+ArrowUp")
    expect(page.locator("#editor-status")).to_contain_text("Knapp är nu block 3 av 5")
    expect(page.get_by_label("Knapptext")).to_be_focused()
    kinds = page.locator("#blocks > li.block").evaluate_all("items => items.map(li => li.dataset.kind)")
    assert kinds == ["text", "text", "button", "image", "event"]

    # The live preview: desktop and phone, the real rendering of the blocks.
    preview = page.locator("#preview")
    expect(preview).to_contain_text(f"Ämne: {SUBJECT}")
    desktop = preview.locator("iframe.desktop").content_frame
    expect(desktop.get_by_text("Torsdag 21 januari 2027 kl. 8.00")).to_be_visible()
    expect(desktop.get_by_alt_text(ALT)).to_have_count(1)  # the public host does not resolve here

    page.get_by_role("button", name="Spara utkast").click()
    expect(page).to_have_url(re.compile(r"/app/nyhetsbrev/\d+$"))
    expect(page.get_by_role("heading", name=SUBJECT, level=1)).to_be_visible()
    newsletter_url = page.url

    page.get_by_role("button", name="Skicka test till mig").press("Enter")
    expect(page.get_by_text("är skickat till sam@kk.test")).to_be_visible()  # back on the page: no race
    [test_copy] = live_server.smtp.handler.messages_to("sam@kk.test")
    assert test_copy.message["Subject"] == f"[Test] {SUBJECT}"

    # By keyboard: the previews above the form grow as they load, so a click's point could move away.
    page.get_by_role("button", name=re.compile(r"^Granska och skicka")).press("Enter")
    expect(page).to_have_url(re.compile(r"/skicka$"))
    page.get_by_role("button", name=f"Ja, skicka till {len(LIST)} mottagare").press("Enter")
    expect(page).to_have_url(newsletter_url)
    demo.run_mailer_once(live_server)
    expect(page.locator("#nl-badge")).to_have_text("skickat", timeout=15_000)

    [received] = live_server.smtp.handler.messages_to(LIST[0][0])
    message = cast(EmailMessage, received.message)
    html_part, text_part = message.get_body(("html",)), message.get_body(("plain",))
    assert html_part is not None and text_part is not None
    html, text = html_part.get_content(), text_part.get_content()
    assert f'alt="{ALT}"' in html and ALT in " ".join(text.split())  # the alt text, in both parts
    [src] = re.findall(r'<img[^>]+src="([^"]+)"', html)
    assert src == source
    served = httpx.get(live_server.url + urlparse(src).path)  # the public URL's path, from the app
    assert served.status_code == 200 and "max-age" in served.headers.get("cache-control", "")
    photo = Image.open(io.BytesIO(served.content))
    assert photo.width <= 1200
    assert not photo.getexif() and "exif" not in photo.info  # no camera, no position

    archive = httpx.get(f"{live_server.url}/arkiv")
    assert archive.status_code == 200 and SUBJECT in archive.text
    feed = httpx.get(f"{live_server.url}/arkiv/feed.atom")
    assert feed.status_code == 200 and SUBJECT in feed.text
