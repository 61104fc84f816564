"""Nyhetsbrev in the staff app: write, preview, check, test, send, follow and stop a newsletter.

The app runs on a real relay (aiosmtpd); sending is driven by the worker's own round (what
``mailer run --once`` does), so the messages really arrive.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from email import message_from_bytes
from email.policy import default
from pathlib import Path

import pytest
from sqlalchemy import select

from kulturkluster import accounts
from kulturkluster.accounts import Role
from kulturkluster.wiring import Services
from mailer.campaign_models import Newsletter
from subscribers import service
from subscribers.models import Channel, Status
from subscribers.service import Evidence
from tests.servers.smtp import SmtpServer

from .conftest import ADMIN, PASSWORD, STAFF, StaffClient

pytestmark = pytest.mark.integration

EXAMPLE = Path(__file__).resolve().parents[2] / "templates" / "newsletter" / "exempel.md"
PUBLIC = "https://post.kk.test"
LETTER_POLICY = (
    "sandbox; default-src 'none'; img-src https: data:; style-src 'unsafe-inline'; frame-ancestors 'self'"
)
SHORT = """---
subject: "Vårens kulturfrukost"
preheader: "Träffas över en frukost i Eskilstuna."
sections:
  - heading: "Kulturfrukost i Eskilstuna"
    body: |
      Välkommen till **Kulturfrukost**.
    button:
      label: "Anmäl dig"
      url: "https://kulturkluster.se/kulturfrukost"
---
Hej!
"""
# Passes the content rules but fails the pre-send check: plain http for a link and for the picture.
FLAWED = """---
subject: "Brev med fel"
preheader: "Det här brevet har problem."
sections:
  - heading: "Osäkra adresser"
    body: |
      Läs mer på [vår gamla sida](http://kulturkluster.se/gammal).
    image:
      src: "http://kulturkluster.se/bild.jpg"
      alt: "En bild"
---
Hej!
"""


@pytest.fixture
def staff_services(services_factory: Callable[..., Services], smtp: SmtpServer) -> Services:
    """The conftest's services, with a real relay and no rate limits (overrides the shared fixture)."""
    svc = services_factory(
        public_url=PUBLIC,
        smtp={"host": "127.0.0.1", "port": smtp.port, "security": "none"},
        mailer={"per_minute": 0, "per_day": 0, "batch_size": 10},
    )
    with svc.db.unit_of_work() as session:
        accounts.add(session, ADMIN, PASSWORD, role=Role.ADMIN, name="Ada Admin", email="ada@kk.test")
        accounts.add(session, STAFF, PASSWORD, role=Role.STAFF, name="Sam Staff", email="sam@kk.test")
    return svc


def subscribe(svc: Services, *emails: str) -> None:
    with svc.db.unit_of_work() as session:
        for email in emails:
            service.add(session, email, "", Status.ACTIVE, Evidence(Channel.STAFF, detail="test"))


def create(client: StaffClient, source: str = SHORT, template: str = "default") -> int:
    response = client.post("/app/nyhetsbrev/nytt", {"mall": template, "innehall": source})
    assert response.status_code == 303, response.text
    found = re.fullmatch(r"/app/nyhetsbrev/(\d+)", response.headers["location"])
    assert found, response.headers["location"]
    return int(found.group(1))


def newsletter(svc: Services, newsletter_id: int) -> Newsletter:
    with svc.db.unit_of_work() as session:
        found = session.get(Newsletter, newsletter_id)
        assert found is not None
        session.expunge(found)
        return found


def flashed(client: StaffClient, response: object) -> str:
    """The page a redirect leads to (where the flash message is shown)."""
    location = response.headers["location"]  # type: ignore[attr-defined]
    return client.get(location).text


def drain(svc: Services) -> None:
    sender = svc.make_sender()
    try:
        for _ in range(20):
            result = sender.run_round()
            if not result.handled and not result.skipped:
                break
    finally:
        sender.close()


def test_write_a_newsletter_from_a_template_and_edit_it(staff: StaffClient, staff_services: Services) -> None:
    page = staff.get("/app/nyhetsbrev/nytt")
    assert page.status_code == 200
    assert 'hx-post="/app/nyhetsbrev/forhandsvisning"' in page.text and "every" not in page.text
    assert '<input type="radio" name="mall" value="default" checked' in page.text
    assert 'id="amne" name="amne" value="Nyhetsbrev ' in page.text  # the starter, as blocks
    assert 'name="b1.type" value="text"' in page.text and "subject:" not in page.text  # no YAML in sight

    newsletter_id = create(staff)
    saved = newsletter(staff_services, newsletter_id)
    assert (saved.subject, saved.template, saved.created_by, saved.status) == (
        "Vårens kulturfrukost",
        "default",
        STAFF,
        "draft",
    )
    editor = staff.get(f"/app/nyhetsbrev/{newsletter_id}/redigera", follow_redirects=False)
    assert "Kulturfrukost i Eskilstuna" in editor.text
    changed = SHORT.replace("Vårens kulturfrukost", "Höstens kulturfrukost")
    response = staff.post(
        f"/app/nyhetsbrev/{newsletter_id}/redigera", {"mall": "default", "innehall": changed}
    )
    assert response.status_code == 303
    assert "Ändringarna är sparade" in flashed(staff, response)
    assert newsletter(staff_services, newsletter_id).subject == "Höstens kulturfrukost"

    listing = staff.get("/app/nyhetsbrev")
    assert "Nytt nyhetsbrev" in listing.text and "Höstens kulturfrukost" in listing.text
    assert "utkast" in listing.text

    # Broken content is shown by the text, which is kept; nothing is saved
    broken = staff.post(
        "/app/nyhetsbrev/nytt", {"mall": "default", "innehall": "---\nsubject: [oavslutad\n---\n"}
    )
    assert broken.status_code == 400 and "rad" in broken.text and "[oavslutad" in broken.text
    wrong = staff.post("/app/nyhetsbrev/nytt", {"mall": "../system/welcome", "innehall": SHORT})
    assert wrong.status_code == 400 and "Det finns ingen nyhetsbrevsmall" in wrong.text
    with staff_services.db.unit_of_work() as session:
        assert len(session.scalars(select(Newsletter)).all()) == 1


def test_live_preview_renders_the_real_mjml_in_frames(staff: StaffClient, admin: StaffClient) -> None:
    fragment = staff.htmx_post("/app/nyhetsbrev/forhandsvisning", {"mall": "default", "innehall": SHORT})
    assert fragment.status_code == 200
    assert "Vårens kulturfrukost" in fragment.text
    frames = re.findall(r'<iframe class="preview-frame ([a-z]+)" sandbox src="([^"]+)"', fragment.text)
    assert [kind for kind, _ in frames] == ["desktop", "mobile"]
    letter = staff.get(frames[0][1])
    assert letter.status_code == 200
    assert letter.headers["content-security-policy"] == LETTER_POLICY
    assert "<script" not in letter.text
    assert "Kulturfrukost i Eskilstuna" in letter.text and "mj-column" in letter.text  # MJML's output
    assert f'href="{PUBLIC}/avsluta"' in letter.text  # the unsubscribe link (to the help page here)
    assert admin.get(frames[0][1]).status_code == 404  # a rendering is its maker's only

    broken = staff.htmx_post(
        "/app/nyhetsbrev/forhandsvisning", {"mall": "default", "innehall": "Ingen front matter"}
    )
    assert broken.status_code == 200 and "flash-error" in broken.text and "<iframe" not in broken.text
    assert "---" in broken.text  # the Swedish message says how a newsletter starts
    unknown = staff.htmx_post("/app/nyhetsbrev/forhandsvisning", {"mall": "finns-inte", "innehall": SHORT})
    assert "Det finns ingen nyhetsbrevsmall" in unknown.text


def test_saved_letter_and_its_page(staff: StaffClient, staff_services: Services) -> None:
    newsletter_id = create(staff, EXAMPLE.read_text(encoding="utf-8"))
    letter = staff.get(f"/app/nyhetsbrev/{newsletter_id}/visa")
    assert letter.status_code == 200
    assert letter.headers["content-security-policy"] == LETTER_POLICY
    assert letter.headers["x-frame-options"] == "SAMEORIGIN"
    assert "Kulturfrukost" in letter.text and "mottagare@exempel.se" in letter.text  # an example recipient
    assert "KKPERSONAL" not in letter.text
    page = staff.get(f"/app/nyhetsbrev/{newsletter_id}")
    assert page.status_code == 200
    assert f'src="/app/nyhetsbrev/{newsletter_id}/visa"' in page.text
    assert "Träffa kulturlivet" in page.text  # the preheader
    assert "sam@kk.test" in page.text  # where the test copy goes
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]


def test_check_names_the_problems_of_a_flawed_newsletter(staff: StaffClient) -> None:
    good = create(staff)
    fragment = staff.htmx_post(f"/app/nyhetsbrev/{good}/kontroll", {})
    assert fragment.status_code == 200 and "Kontrollen hittade inga problem" in fragment.text
    scored = staff.htmx_post(f"/app/nyhetsbrev/{good}/kontroll", {"spam": "ja"})  # only when ticked
    assert "SpamAssassin" in scored.text and "SpamAssassin" not in fragment.text

    flawed = create(staff, FLAWED)
    fragment = staff.htmx_post(f"/app/nyhetsbrev/{flawed}/kontroll", {})
    assert "Fel som stoppar utskicket" in fragment.text
    assert 'data-code="link_http"' in fragment.text and "använder http" in fragment.text
    assert 'data-code="image_src"' in fragment.text
    page = staff.post(f"/app/nyhetsbrev/{flawed}/kontroll", {})  # without htmx: the whole page
    assert page.status_code == 200 and "<html" in page.text and 'data-code="link_http"' in page.text


def test_test_copy_goes_to_the_staff_member(staff: StaffClient, smtp: SmtpServer) -> None:
    newsletter_id = create(staff)
    response = staff.post(f"/app/nyhetsbrev/{newsletter_id}/testutskick", {"till": "annan@example.se"})
    assert response.status_code == 303
    assert "testexemplar" in flashed(staff, response)
    [received] = smtp.handler.received
    assert received.recipients == ["sam@kk.test"]  # the account's own address, not one typed in
    message = message_from_bytes(received.data, policy=default)
    assert str(message["Subject"]) == "[Test] Vårens kulturfrukost"


def test_send_now_confirm_progress_and_locked_content(
    staff: StaffClient, staff_services: Services, smtp: SmtpServer
) -> None:
    subscribe(staff_services, "anna@example.se", "bo@example.se", "cecilia@example.se")
    newsletter_id = create(staff)
    confirm = staff.post(f"/app/nyhetsbrev/{newsletter_id}/skicka", {"nar": "nu"})
    assert confirm.status_code == 200
    assert 'class="recipient-count">3<' in confirm.text and 'name="bekraftat" value="ja"' in confirm.text
    assert newsletter(staff_services, newsletter_id).status == "draft"  # nothing sent before confirming

    response = staff.post(f"/app/nyhetsbrev/{newsletter_id}/skicka", {"nar": "nu", "bekraftat": "ja"})
    assert response.status_code == 303
    assert "3 mottagare" in flashed(staff, response)
    running = staff.get(f"/app/nyhetsbrev/{newsletter_id}/status", headers={"HX-Request": "true"})
    assert 'hx-trigger="every 3s"' in running.text and "<progress" in running.text
    assert "Pausa" in running.text
    badge = '<span id="nl-badge" hx-swap-oob="outerHTML" class="badge badge-nl-{}">{}</span>'
    assert badge.format("sending", "under utskick") in running.text
    row_url = f"/app/nyhetsbrev/{newsletter_id}/status?vy=rad"
    assert f'hx-get="{row_url}" hx-trigger="every 5s"' in staff.get("/app/nyhetsbrev").text  # the list polls

    drain(staff_services)
    assert sorted(r.recipients[0] for r in smtp.handler.received) == [
        "anna@example.se",
        "bo@example.se",
        "cecilia@example.se",
    ]
    done = staff.get(f"/app/nyhetsbrev/{newsletter_id}/status", headers={"HX-Request": "true"})
    assert 'class="sent-count">3<' in done.text and "skickat" in done.text
    assert "hx-trigger" not in done.text  # polling stops when it is done
    assert badge.format("sent", "skickat") in done.text  # and the badge under the heading follows
    row = staff.get(row_url, headers={"HX-Request": "true"}).text
    assert row.lstrip().startswith(f'<tr id="nl-row-{newsletter_id}">')  # the list's row: done, no polling
    assert '<span class="badge badge-nl-sent">skickat</span>' in row and "Skickat " in row
    assert (
        '<span id="nl-badge" class="badge badge-nl-sent">skickat</span>'
        in staff.get(f"/app/nyhetsbrev/{newsletter_id}").text
    )
    listing = staff.get("/app/nyhetsbrev")
    assert "Tidigare nummer" in listing.text and f"{PUBLIC}/nyhetsbrev/" in listing.text

    # The content is frozen now: the editor refuses, and a post changes nothing
    editor = staff.get(f"/app/nyhetsbrev/{newsletter_id}/redigera", follow_redirects=False)
    assert editor.status_code == 303 and "kan inte längre ändras" in flashed(staff, editor)
    post = staff.post(f"/app/nyhetsbrev/{newsletter_id}/redigera", {"mall": "default", "innehall": FLAWED})
    assert post.status_code == 303 and "kan inte längre ändras" in flashed(staff, post)
    assert newsletter(staff_services, newsletter_id).subject == "Vårens kulturfrukost"
    again = staff.post(f"/app/nyhetsbrev/{newsletter_id}/skicka", {"nar": "nu", "bekraftat": "ja"})
    assert again.status_code == 303 and "utkast" in flashed(staff, again)
    assert len(smtp.handler.received) == 3


def test_send_at_a_stockholm_time_then_pause_resume_cancel(
    staff: StaffClient, staff_services: Services
) -> None:
    summer, winter = create(staff), create(staff)
    staff.post(
        f"/app/nyhetsbrev/{summer}/skicka", {"nar": "vid", "tid": "2099-06-01T08:00", "bekraftat": "ja"}
    )
    response = staff.post(
        f"/app/nyhetsbrev/{winter}/skicka", {"nar": "vid", "tid": "2099-01-15T08:00", "bekraftat": "ja"}
    )
    assert "2099-01-15 08:00" in flashed(staff, response)
    assert newsletter(staff_services, summer).scheduled_at == datetime(2099, 6, 1, 6, 0, tzinfo=UTC)
    assert newsletter(staff_services, winter).scheduled_at == datetime(2099, 1, 15, 7, 0, tzinfo=UTC)
    assert newsletter(staff_services, winter).status == "scheduled"
    fragment = staff.get(f"/app/nyhetsbrev/{winter}/status", headers={"HX-Request": "true"})
    assert 'hx-trigger="every 3s"' in fragment.text and "2099-01-15 08:00" in fragment.text

    response = staff.post(f"/app/nyhetsbrev/{winter}/pausa")
    assert "pausat" in flashed(staff, response)
    assert newsletter(staff_services, winter).status == "paused"
    paused = staff.get(f"/app/nyhetsbrev/{winter}/status", headers={"HX-Request": "true"})
    assert "hx-trigger" not in paused.text and "Fortsätt" in paused.text
    response = staff.post(f"/app/nyhetsbrev/{winter}/fortsatt")
    assert "väntar åter" in flashed(staff, response)
    assert newsletter(staff_services, winter).status == "scheduled"

    response = staff.post(f"/app/nyhetsbrev/{winter}/avbryt")  # the box not ticked
    assert "Kryssa i rutan" in flashed(staff, response)
    assert newsletter(staff_services, winter).status == "scheduled"
    response = staff.post(f"/app/nyhetsbrev/{winter}/avbryt", {"bekraftat": "ja"})
    assert "avbrutet" in flashed(staff, response)
    assert newsletter(staff_services, winter).status == "cancelled"
    response = staff.post(f"/app/nyhetsbrev/{winter}/fortsatt")
    assert "avbrutet" in flashed(staff, response)
    assert newsletter(staff_services, winter).status == "cancelled"


def test_check_errors_stop_the_send_unless_an_admin_forces_it(
    staff: StaffClient, admin: StaffClient, staff_services: Services
) -> None:
    subscribe(staff_services, "anna@example.se")
    newsletter_id = create(staff, FLAWED)
    confirm = staff.post(f"/app/nyhetsbrev/{newsletter_id}/skicka", {"nar": "nu"})
    assert confirm.status_code == 200 and "skickas inte" in confirm.text
    assert 'name="bekraftat"' not in confirm.text  # no button to go on
    response = staff.post(f"/app/nyhetsbrev/{newsletter_id}/skicka", {"nar": "nu", "bekraftat": "ja"})
    assert "Kontrollen hittade fel" in flashed(staff, response)
    forced = {"nar": "nu", "bekraftat": "ja", "skicka_anda": "ja"}
    response = staff.post(f"/app/nyhetsbrev/{newsletter_id}/skicka", forced)
    assert "Bara en administratör" in flashed(staff, response)
    assert newsletter(staff_services, newsletter_id).status == "draft"

    confirm = admin.post(f"/app/nyhetsbrev/{newsletter_id}/skicka", {"nar": "nu", "skicka_anda": "ja"})
    assert 'name="skicka_anda" value="ja"' in confirm.text and "trots fel" in confirm.text
    response = admin.post(f"/app/nyhetsbrev/{newsletter_id}/skicka", forced)
    assert response.status_code == 303
    sent = newsletter(staff_services, newsletter_id)
    assert (sent.status, sent.forced, sent.total) == ("sending", True, 1)


def test_bogus_requests_get_a_clear_answer(staff: StaffClient, staff_services: Services) -> None:
    missing = staff.get("/app/nyhetsbrev/999")
    assert missing.status_code == 404 and "Det finns inget nyhetsbrev med nummer 999" in missing.text
    assert staff.get("/app/nyhetsbrev/999/visa").status_code == 404
    assert staff.get("/app/nyhetsbrev/abc").status_code == 404
    response = staff.post("/app/nyhetsbrev/999/pausa")
    assert response.status_code == 303 and "nummer 999" in flashed(staff, response)
    assert staff.htmx_post("/app/nyhetsbrev/999/kontroll").text.count("nummer 999") == 1

    newsletter_id = create(staff)
    cases = [
        ({"nar": "sedan"}, "nu eller vid en viss tid"),
        ({"nar": "vid", "tid": ""}, "Fyll i datum och tid"),
        ({"nar": "vid", "tid": "imorgon"}, "2026-12-01T08:00"),
        ({"nar": "vid", "tid": "2001-01-01T08:00"}, "redan passerat"),
    ]
    for data, message in cases:
        response = staff.post(f"/app/nyhetsbrev/{newsletter_id}/skicka", {**data, "bekraftat": "ja"})
        assert response.status_code == 303, data
        assert message in flashed(staff, response), data
    response = staff.post(f"/app/nyhetsbrev/{newsletter_id}/pausa")  # a draft cannot be paused
    assert "utkast" in flashed(staff, response)
    assert newsletter(staff_services, newsletter_id).status == "draft"
    too_long = staff.post("/app/nyhetsbrev/nytt", {"mall": "default", "innehall": SHORT + "x" * 200_001})
    assert too_long.status_code == 400 and "för lång" in too_long.text
