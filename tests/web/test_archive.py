"""The public archive and its feed over HTTP, on both databases: which issues are shown, how they look
to anyone, and the admin's hide toggle."""

from __future__ import annotations

import re
from datetime import timedelta
from xml.etree import ElementTree as ET

import pytest

from kulturkluster.db import utcnow
from kulturkluster.settings import OrgSettings
from kulturkluster.wiring import Services
from mailer import campaign_runs, campaigns
from mailer.atom import ATOM_NS
from mailer.campaign_models import Newsletter
from mailer.render import Renderer
from subscribers import service
from subscribers.models import Channel, Status
from subscribers.service import Evidence

from .conftest import StaffClient

PUBLIC = "https://post.kk.test"
A = f"{{{ATOM_NS}}}"


def letter(subject: str) -> str:
    return f"""---
subject: "{subject}"
preheader: "Sammanfattning av {subject}."
sections:
  - heading: "Kulturfrukost"
    body: "Välkommen till frukost."
---
Hej!
"""


def make(svc: Services, subject: str, state: str) -> int:
    """A newsletter brought to ``state`` with the same functions the CLI and the staff app use."""
    with svc.db.unit_of_work() as session:
        newsletter = campaigns.create(
            session, svc.newsletter_renderer, template="default", source=letter(subject), created_by="t"
        )
        if state == "scheduled":
            campaigns.start(session, svc.newsletter_renderer, newsletter, at=utcnow() + timedelta(days=2))
        elif state != "draft":
            campaigns.start(session, svc.newsletter_renderer, newsletter)
        if state == "cancelled":
            campaigns.cancel(session, newsletter)
        newsletter_id = newsletter.id
    if state == "sent":
        with svc.db.unit_of_work() as session:
            campaign_runs.finish_completed(session)
    with svc.db.unit_of_work() as session:
        found = session.get(Newsletter, newsletter_id)
        assert found is not None and found.status == state
    return newsletter_id


@pytest.fixture
def issues(staff_services: Services) -> dict[str, int]:
    made = {"sent": make(staff_services, "Brev sent", "sent")}  # nobody to send to: done at once
    with staff_services.db.unit_of_work() as session:
        service.add(
            session, "lasare@mottagare.test", "Lo", Status.ACTIVE, Evidence(Channel.STAFF, detail="t")
        )
    for state in ("draft", "scheduled", "cancelled", "sending"):
        made[state] = make(staff_services, f"Brev {state}", state)
    return made


def hrefs(html: str) -> list[str]:
    return re.findall(r'href="([^"]+)"', html)


def test_only_issues_that_went_out_are_in_the_archive_newest_first(
    app_client: object, issues: dict[str, int]
) -> None:
    anyone = app_client().client  # type: ignore[operator]
    page = anyone.get("/arkiv")
    assert page.status_code == 200 and "Nyhetsbrevsarkiv" in page.text and 'lang="sv"' in page.text
    assert page.headers["cache-control"] == "no-cache"  # a hidden issue leaves caches at once
    listed = re.findall(r'<h2><a href="[^"]+/arkiv/(\d+)-[^"]*">([^<]+)</a>', page.text)
    assert listed == [(str(issues["sending"]), "Brev sending"), (str(issues["sent"]), "Brev sent")]
    assert "Sammanfattning av Brev sent." in page.text
    assert f'href="{PUBLIC}/arkiv/feed.atom"' in page.text
    for state in ("draft", "scheduled", "cancelled"):
        assert f"Brev {state}" not in page.text
        assert anyone.get(f"/arkiv/{issues[state]}").status_code == 404


def test_an_issue_page_shows_the_letter_without_anything_personal(
    app_client: object, issues: dict[str, int]
) -> None:
    anyone = app_client().client  # type: ignore[operator]
    short = anyone.get(f"/arkiv/{issues['sent']}", follow_redirects=False)
    assert short.status_code == 301
    canonical = short.headers["location"]
    assert canonical == f"{PUBLIC}/arkiv/{issues['sent']}-brev-sent"
    page = anyone.get(canonical)
    assert page.status_code == 200 and "Brev sent" in page.text and "Välkommen till frukost" in page.text
    assert "lasare@" not in page.text and "KKPERSONAL" not in page.text
    links = hrefs(page.text)
    assert f"{PUBLIC}/avsluta" in links  # how to leave the list, for anyone: no personal token
    assert not [
        link for link in links if "/avsluta/" in link or "/nyhetsbrev/" in link or "/bekrafta/" in link
    ]
    assert canonical in links  # "Visa i webbläsaren" is the page itself
    assert "script-src" not in page.headers["content-security-policy"]
    assert anyone.get("/arkiv/999999").status_code == 404
    assert anyone.get("/arkiv/inte-ett-nummer").status_code == 404


def test_the_feed_is_valid_atom_of_the_same_issues(app_client: object, issues: dict[str, int]) -> None:
    anyone = app_client().client  # type: ignore[operator]
    response = anyone.get("/arkiv/feed.atom")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/atom+xml")
    root = ET.fromstring(response.content)
    assert root.tag == f"{A}feed"
    for required in ("id", "title", "updated"):
        assert (root.findtext(f"{A}{required}") or "").strip(), required
    rels = {link.get("rel"): link.get("href") for link in root.findall(f"{A}link")}
    assert rels == {"self": f"{PUBLIC}/arkiv/feed.atom", "alternate": f"{PUBLIC}/arkiv"}
    entries = root.findall(f"{A}entry")
    assert [e.findtext(f"{A}title") for e in entries] == ["Brev sending", "Brev sent"]
    for entry in entries:
        for required in ("id", "title", "updated", "summary"):
            assert (entry.findtext(f"{A}{required}") or "").strip(), required
        href = entry.find(f"{A}link").get("href")  # type: ignore[union-attr]
        assert anyone.get(href).status_code == 200


def test_an_admin_hides_an_issue_and_shows_it_again(
    app_client: object, admin: StaffClient, staff: StaffClient, issues: dict[str, int]
) -> None:
    anyone = app_client().client  # type: ignore[operator]
    sent = issues["sent"]
    detail = admin.get(f"/app/nyhetsbrev/{sent}").text
    assert "Dölj i arkivet" in detail and f'action="/app/nyhetsbrev/{sent}/arkiv"' in detail
    assert "Dölj i arkivet" not in staff.get(f"/app/nyhetsbrev/{sent}").text  # admins only
    assert staff.post(f"/app/nyhetsbrev/{sent}/arkiv", {"dolj": "ja"}).status_code == 403
    no_token = admin.client.post(f"/app/nyhetsbrev/{sent}/arkiv", data={"dolj": "ja"})
    assert no_token.status_code == 403

    hidden = admin.post(f"/app/nyhetsbrev/{sent}/arkiv", {"dolj": "ja"})
    assert hidden.status_code == 303
    assert "visas inte längre i det öppna arkivet" in admin.get(hidden.headers["location"]).text
    assert "Brev sent" not in anyone.get("/arkiv").text
    assert "Brev sent" not in anyone.get("/arkiv/feed.atom").text
    assert anyone.get(f"/arkiv/{sent}-brev-sent").status_code == 404

    shown = admin.post(f"/app/nyhetsbrev/{sent}/arkiv", {"dolj": "nej"})
    assert "visas i det öppna arkivet" in admin.get(shown.headers["location"]).text
    assert "Brev sent" in anyone.get("/arkiv").text

    draft = admin.post(f"/app/nyhetsbrev/{issues['draft']}/arkiv", {"dolj": "nej"})
    assert "Bara nyhetsbrev som har skickats" in admin.get(draft.headers["location"]).text


def test_view_in_browser_leads_to_the_archive_while_the_issue_is_in_it(
    app_client: object, admin: StaffClient, staff_services: Services, issues: dict[str, int]
) -> None:
    anyone = app_client().client  # type: ignore[operator]
    sent = issues["sent"]
    view = staff_services.newsletter_renderer.view_url(sent)
    moved = anyone.get(view, follow_redirects=False)
    assert moved.status_code == 302 and moved.headers["location"] == f"{PUBLIC}/arkiv/{sent}-brev-sent"
    admin.post(f"/app/nyhetsbrev/{sent}/arkiv", {"dolj": "ja"})
    hidden = anyone.get(view, follow_redirects=False)
    assert hidden.status_code == 200 and "Brev sent" in hidden.text  # the token still shows it


def test_the_welcome_mail_links_to_the_archive() -> None:
    org = OrgSettings(address="kulturkluster@kulturkluster.test")
    compiled = Renderer().compile("system/welcome.mjml.j2", {"org": org, "public_url": PUBLIC})
    assert f'href="{PUBLIC}/arkiv"' in compiled.html and f"{PUBLIC}/arkiv" in compiled.text
