"""Screenshots of the main staff pages with Swedish demo data, for the README.

``KK_SCREENSHOTS=1 .venv/bin/python -m pytest tests/browser/test_screenshots.py -p no:cacheprovider``
writes them to docs/screenshots/; without the variable they go to a temporary directory (the test still
walks every page, so a page that breaks is noticed).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, FilePayload, Page, expect
from sqlalchemy import select

from cases import replies
from cases import service as case_service
from cases.models import ActorType, Case, FocusArea
from mailer import campaigns
from tests.browser import demo
from tests.browser.conftest import PHONE, SAM, LiveServer, login
from tests.conftest import mail_bytes, reply_parts

pytestmark = [pytest.mark.browser, pytest.mark.integration, pytest.mark.slow]

# Read when the module is imported: the session's autouse fixture removes KK_* variables before tests run.
TO_DOCS = os.environ.get("KK_SCREENSHOTS") == "1"
DOCS = Path(__file__).parents[2] / "docs" / "screenshots"

IMPORT_CSV = (
    "email;namn\n"
    "linnea@norrlyset.example;Linnea Holm\n"
    "ordforande@strangnaskultur.example;Göran Ek\n"
    "anna.berg@kulturmejl.example;Anna Berg\n"
    "inte en adress;Nisse Nilsson\n"
    "maria@teatervingen.example;Maria Lind\n"
)


@pytest.fixture
def server_settings() -> dict[str, object]:
    # A slow relay, so the newsletter is caught half sent (the progress has something to show).
    return {"mailer": {"per_minute": 10, "concurrency": 1}}


def seed(server: LiveServer) -> tuple[str, int, int]:
    """Cases (one answered, with fields and a note), other inbound mail, a list, a newsletter half sent and
    a draft. Returns the answered case's reference and the two newsletters' ids."""
    demo.add_cases(server, *demo.DEMO_CASES)
    server.deliver(mail_bytes("subscribe__plain.eml"), mail_bytes("quarantine__no_from.eml"))
    demo.add_subscribers(server, demo.DEMO_SUBSCRIBERS)
    svc = server.services
    with svc.db.unit_of_work() as session:
        norrlyset, strangnas, vingen, jazz = session.scalars(select(Case).order_by(Case.id)).all()
        case_service.set_fields(
            norrlyset, focus=FocusArea.SUPPORT, actor_type=ActorType.ENTREPRENEUR, assignee=SAM.username,
            tags=["utvecklingscheck"], organisation="Ateljé Norrlyset", municipality="Trosa",
        )  # fmt: skip
        case_service.set_fields(
            strangnas, focus=FocusArea.CONTACT, actor_type=ActorType.ASSOCIATION, assignee="ada",
            tags=["festival", "lokaler"], municipality="Strängnäs",
        )  # fmt: skip
        case_service.set_fields(vingen, focus=FocusArea.CONTACT, actor_type=ActorType.PROFESSIONAL)
        case_service.set_fields(jazz, focus=FocusArea.KNOWLEDGE, actor_type=ActorType.ASSOCIATION)
        case_service.add_note(
            session,
            norrlyset,
            "Ringde Linnea 10.15 – de vill söka i april. Skicka länk till utlysningen.",
            "sam",
        )
        replies.reply(
            reply_parts(svc),
            svc.outbox,
            session,
            strangnas,
            "Hej Göran!\n\nKul med en höstfestival! Prata gärna med Kulturhuset Multeum i Strängnäs och med "
            "Mälardalens föreningsnätverk. Vi kan också tipsa om festivalen i nästa nyhetsbrev.\n\n"
            "Vänliga hälsningar\nAda, Kulturkluster Sörmland",
            "ada",
        )
        norrlyset_ref = norrlyset.reference
    svc.flush_outbox()

    example = demo.NEWSLETTER_EXAMPLE.read_text(encoding="utf-8")
    with svc.db.unit_of_work() as session:
        sending = campaigns.create(
            session, svc.newsletter_renderer, template="default", source=example, created_by="ada"
        )
        campaigns.start(session, svc.newsletter_renderer, sending, force=True, actor="ada")
        sending_id = sending.id
        draft_source = example.replace(
            'subject: "Nyhetsbrev mars: Kulturfrukost, utvecklingscheckar och Speed-dejting"',
            'subject: "Nyhetsbrev april: Speed-dejting i Nyköping och vårens workshoppar"',
        )
        draft = campaigns.create(
            session, svc.newsletter_renderer, template="default", source=draft_source, created_by="sam"
        )
        draft_id = draft.id
    demo.run_mailer_once(server)  # the relay's limit stops it part of the way
    return norrlyset_ref, sending_id, draft_id


def settle(page: Page) -> None:
    """Load the lazy frames (scroll through the page) and wait until nothing is loading."""
    page.wait_for_load_state("networkidle")
    for frame_element in page.locator("iframe").all():
        frame_element.scroll_into_view_if_needed()
    page.evaluate("window.scrollTo(0, 0)")
    page.wait_for_load_state("networkidle")


def test_screenshots_of_the_main_pages(
    live_server: LiveServer, new_context: Callable[..., BrowserContext], tmp_path: Path
) -> None:
    out = DOCS if TO_DOCS else tmp_path
    out.mkdir(parents=True, exist_ok=True)
    page = new_context().new_page()

    def shot(name: str, target: Page | None = None) -> None:
        target = target or page
        settle(target)
        # Chromium paints a sandboxed frame (its own process) only inside the viewport: make the viewport
        # as tall as the page, so frames below the fold show in the full-page picture too.
        size = target.viewport_size
        assert size is not None
        height = target.evaluate("document.documentElement.scrollHeight")
        target.set_viewport_size({"width": size["width"], "height": max(size["height"], int(height))})
        settle(target)
        target.screenshot(path=str(out / f"{name}.png"), full_page=True)
        target.set_viewport_size(size)

    page.goto("/app/login")
    shot("login")

    reference, sending_id, draft_id = seed(live_server)
    login(page)
    expect(page.get_by_role("heading", name="Översikt", level=1)).to_be_visible()
    shot("oversikt")

    page.goto("/app/arenden")
    expect(page.get_by_role("link", name=reference)).to_be_visible()
    shot("arenden")

    page.goto(f"/app/arenden/{reference}")
    page.get_by_label(re.compile(r"^Svar till")).fill(
        "Hej Linnea!\n\nJa, en enskild firma kan söka en kreativ utvecklingscheck. Här är utlysningen: "
        "https://regionsormland.se/kultur/kreativa-utvecklingscheckar\n\nVänliga hälsningar\nSam"
    )
    page.get_by_role("button", name="Förhandsgranska").click()
    expect(page.locator("#reply-preview")).to_contain_text("SV:")
    shot("arende")

    phone = new_context(viewport=PHONE).new_page()
    login(phone)
    phone.goto(f"/app/arenden/{reference}")
    shot("arende-mobil", phone)

    page.goto(f"/app/nyhetsbrev/{draft_id}/redigera")
    for width in ("desktop", "mobile"):
        letter = page.locator(f"#preview iframe.{width}").content_frame
        expect(letter.get_by_text("Speed-dejting i Nyköping").first).to_be_visible()
    shot("nyhetsbrev-redigera")

    page.goto(f"/app/nyhetsbrev/{sending_id}")
    expect(page.locator("#status")).to_be_visible()
    shot("nyhetsbrev-utskick")

    page.goto("/app/nyhetsbrev")
    shot("nyhetsbrev")

    page.goto("/app/prenumeranter")
    shot("prenumeranter")

    page.goto("/app/prenumeranter/import")
    file: FilePayload = {"name": "kulturfrukost.csv", "mimeType": "text/csv", "buffer": IMPORT_CSV.encode()}
    page.get_by_label("CSV-fil").set_input_files(file)
    page.get_by_label("Var kommer adresserna ifrån?").fill("Anmälningslista från Kulturfrukost 19 mars")
    page.get_by_role("button", name="Förhandsgranska").click()
    expect(page.get_by_role("heading", name="Förhandsgranska import", level=1)).to_be_visible()
    shot("prenumeranter-import")

    page.goto("/app/inkommande")
    shot("inkommande")

    page.goto("/app/rapporter")
    shot("rapporter")

    made = sorted(p.name for p in out.glob("*.png"))
    assert len(made) == 12, made
