"""Prenumeranter: search, consent history, add and unsubscribe by hand, CSV import and export, and the
admin's person export and erasure; on SQLite and PostgreSQL, through the real app over HTTP."""

from __future__ import annotations

import json
import re

import httpx
import pytest
from sqlalchemy import func, select

from cases.models import Case
from inbound.sources.base import Item
from kulturkluster import accounts
from kulturkluster.wiring import Services
from subscribers import bounces, service, staff_actions
from subscribers.models import Channel, ConsentEvent, Status, Subscriber
from subscribers.service import Evidence
from tests.integration.test_pipeline import make_mail

from .conftest import StaffClient

pytestmark = pytest.mark.integration
LIST = "/app/prenumeranter"


def follow(client: StaffClient, response: httpx.Response) -> httpx.Response:
    """The page a POST redirected to (with its flash message)."""
    assert response.status_code == 303, (response.status_code, response.text[:500])
    return client.get(response.headers["location"])


def seed(svc: Services, *rows: tuple[str, str, Status]) -> dict[str, int]:
    with svc.db.unit_of_work() as session:
        for email, name, status in rows:
            service.add(session, email, name, status, Evidence(Channel.IMPORT, detail="seed", actor="test"))
        session.flush()
        return {s.email: s.id for s in session.scalars(select(Subscriber))}


def subscriber(svc: Services, email: str) -> Subscriber | None:
    with svc.db.unit_of_work() as session:
        found = service.get(session, email)
        if found is not None:
            found.events  # noqa: B018 - loaded while the session is open
        return found


def events(svc: Services, email: str) -> list[tuple[str, str, str | None, str]]:
    with svc.db.unit_of_work() as session:
        rows = session.execute(
            select(ConsentEvent.action, ConsentEvent.channel, ConsentEvent.evidence, ConsentEvent.actor)
            .join(Subscriber)
            .where(Subscriber.email == email)
            .order_by(ConsentEvent.id)
        )
        return [tuple(row) for row in rows]  # type: ignore[misc]


def count(svc: Services) -> int:
    with svc.db.unit_of_work() as session:
        return session.scalar(select(func.count()).select_from(Subscriber)) or 0


# -- the list ----------------------------------------------------------------------------------------------


def test_search_status_filter_counts_and_pages(staff_services: Services, staff: StaffClient) -> None:
    seed(
        staff_services,
        ("anna@example.se", "Anna Andersson", Status.ACTIVE),
        ("bo@example.se", "Bo Berg", Status.ACTIVE),
        ("cilla@kultur.example", "Cilla Ek", Status.PENDING),
        ("dan@example.se", "", Status.UNSUBSCRIBED),
        ("erik_100%@example.se", "", Status.BOUNCED),
    )
    page = staff.get(LIST)
    assert page.status_code == 200
    assert "5 adresser i listan, varav 2 aktiva" in page.text  # "1 adress" in test_swedish_words.py
    assert "Avslutad (1)" in page.text and "Väntar på bekräftelse (1)" in page.text
    by_name = staff.get(LIST, params={"q": "ANDERSSON"}).text
    assert "anna@example.se" in by_name and "bo@example.se" not in by_name
    by_domain = staff.get(LIST, params={"q": "kultur.example"}).text
    assert "cilla@kultur.example" in by_domain and "anna@example.se" not in by_domain
    # LIKE wildcards are plain characters
    assert "1 träff" in staff.get(LIST, params={"q": "100%"}).text
    assert "anna@" not in staff.get(LIST, params={"q": "%"}).text
    only = staff.get(LIST, params={"status": "unsubscribed"}).text
    assert "dan@example.se" in only and "anna@example.se" not in only
    both = staff.get(LIST, params={"status": "active", "q": "bo"}).text
    assert "bo@example.se" in both and "anna@example.se" not in both
    bad = staff.get(LIST, params={"status": "deleted", "page": "x"})
    assert bad.status_code == 400 and "Okänd status" in bad.text
    assert staff.get(LIST, params={"page": "-1"}).status_code == 400
    # Live search (htmx) gets only the results
    fragment = staff.get(
        LIST, params={"q": "bo"}, headers={"HX-Request": "true", "HX-Target": "subscriber-results"}
    )
    assert fragment.text.lstrip().startswith('<div id="subscriber-results">') and "<html" not in fragment.text
    # 50 per page
    seed(staff_services, *((f"p{i:02}@example.se", "", Status.ACTIVE) for i in range(60)))
    first = staff.get(LIST, params={"q": "@example.se"}).text
    assert "p00@example.se" in first and "sida 1 av 2" in first and 'href="/app/prenumeranter?q=' in first
    second = staff.get(LIST, params={"q": "@example.se", "page": "2"}).text
    assert "p59@example.se" in second and "p00@example.se" not in second and 'rel="prev"' in second


def test_consent_history_shows_evidence(staff_services: Services, staff: StaffClient) -> None:
    with staff_services.db.unit_of_work() as session:
        service.subscribe(
            session,
            "ingrid@forening.example",
            "Ingrid",
            Evidence(Channel.EMAIL, message_id="<sub-1@forening.example>", policy="dmarc-pass"),
            confirm_first=True,
        )
        service.confirm(session, "ingrid@forening.example", Evidence(Channel.LINK, detail="bekräftelselänk"))
        bounces.record_bounce(
            session,
            "ingrid@forening.example",
            permanent=False,
            evidence=Evidence(Channel.EMAIL, detail="4.2.2"),
        )
    sub = subscriber(staff_services, "ingrid@forening.example")
    assert sub is not None
    page = staff.get(f"{LIST}/{sub.id}")
    assert page.status_code == 200
    text = page.text
    assert "Ombedd att bekräfta" in text and "Bekräftade" in text and "Studs noterad" in text
    assert "&lt;sub-1@forening.example&gt;" in text and "bekräftelselänk" in text and "dmarc-pass" in text
    assert "4.2.2" in text and "Studspoäng" in text
    # Staff see no admin tools
    assert "Radera person" not in text and "personexport" not in text
    assert staff.get(f"{LIST}/999999", follow_redirects=False).status_code == 303


def test_add_by_hand_needs_evidence_and_never_resubscribes(
    staff_services: Services, staff: StaffClient
) -> None:
    response = staff.post(
        f"{LIST}/ny",
        {"email": " Asa@Example.SE ", "name": "Åsa  Öberg", "evidence": "anmälde sig på Kulturfrukost 12/11"},
    )
    page = follow(staff, response)
    assert "Asa@example.se är tillagd" in page.text and "anmälde sig på Kulturfrukost 12/11" in page.text
    assert events(staff_services, "Asa@example.se") == [
        ("added", "staff", "anmälde sig på Kulturfrukost 12/11", "sam")
    ]
    added = subscriber(staff_services, "Asa@example.se")
    assert added is not None and added.status == Status.ACTIVE and added.name == "Åsa Öberg"
    # No evidence, no address, a bad address: refused with a reason, nothing added
    for form, reason in [
        ({"email": "ny@example.se", "evidence": "   "}, "samtyckesloggen"),
        ({"email": "inte-en-adress", "evidence": "x"}, "ingen giltig e-postadress"),
        ({"evidence": "x"}, "ingen giltig e-postadress"),
    ]:
        refused = staff.post(f"{LIST}/ny", form)
        assert refused.headers["location"] == LIST
        assert reason in follow(staff, refused).text
    assert count(staff_services) == 1
    # Someone who left is not put back by hand (whatever the case of the local part)
    with staff_services.db.unit_of_work() as session:
        service.unsubscribe(session, "Asa@example.se", Evidence(Channel.LINK))
    again = staff.post(f"{LIST}/ny", {"email": "asa@EXAMPLE.se", "evidence": "sa det på mässan"})
    assert again.headers["location"] == f"{LIST}/{added.id}"
    assert "finns redan i listan (status: avslutad)" in follow(staff, again).text
    gone = subscriber(staff_services, "Asa@example.se")
    assert gone is not None and gone.status == Status.UNSUBSCRIBED and len(gone.events) == 2


def test_unsubscribe_by_hand(staff_services: Services, staff: StaffClient) -> None:
    ids = seed(staff_services, ("bo@example.se", "Bo", Status.ACTIVE))
    url = f"{LIST}/{ids['bo@example.se']}"
    assert "Avsluta prenumerationen" in staff.get(url).text
    refused = staff.post(f"{url}/avsluta", {"evidence": ""})
    assert refused.headers["location"] == url and "samtyckesloggen" in follow(staff, refused).text
    assert subscriber(staff_services, "bo@example.se").status == Status.ACTIVE  # type: ignore[union-attr]
    page = follow(staff, staff.post(f"{url}/avsluta", {"evidence": "ringde 12/3"}))
    assert "bo@example.se är borttagen ur listan" in page.text and "Avsluta prenumerationen" not in page.text
    assert events(staff_services, "bo@example.se")[-1] == ("unsubscribed", "staff", "ringde 12/3", "sam")
    twice = follow(staff, staff.post(f"{url}/avsluta", {"evidence": "igen"}))
    assert "inget ändrades" in twice.text
    missing = staff.post(f"{LIST}/999999/avsluta", {"evidence": "x"})
    assert "Det finns ingen prenumerant med id 999999" in follow(staff, missing).text


# -- CSV ---------------------------------------------------------------------------------------------------


def upload(
    client: StaffClient, data: bytes, source: str = "deltagarlista Kulturfrukost", **form: str
) -> httpx.Response:
    return client.post(
        f"{LIST}/import",
        {"source": source, **form},
        files={"file": ("lista.csv", data, "text/csv")},
    )


def test_import_preview_changes_nothing_and_confirm_applies_it(
    staff_services: Services, staff: StaffClient
) -> None:
    seed(
        staff_services,
        ("bo@example.se", "Bo", Status.ACTIVE),
        ("lamnat@example.se", "", Status.UNSUBSCRIBED),
        ("studs@example.se", "", Status.BOUNCED),
    )
    assert "CSV-fil" in staff.get(f"{LIST}/import").text
    csv = (
        "namn;e-post\n"
        "Anna;anna@example.se\n"
        "Bo;bo@example.se\n"
        "X;inte en adress\n"
        "Lämnat;lamnat@example.se\n"
        "Studs;studs@example.se\n"
        "Anna igen;ANNA@example.se\n"
        "Cilla;cilla@example.se\n"
    ).encode("cp1252")
    preview = upload(staff, csv)
    assert preview.status_code == 200, preview.text
    text = preview.text
    assert "Inget är ändrat ännu" in text and "anna@example.se" in text and "cilla@example.se" in text
    rejected = re.search(r'<table class="striped import-rejected">.*?</table>', text, re.S)
    assert rejected is not None
    assert [int(n) for n in re.findall(r"<tr><td>(\d+)</td>", rejected.group(0))] == [4, 7]
    assert "samma adress som rad 2" in text and "giltig e-postadress" in text
    assert "har avslutat sin prenumeration" in text and "spärrad efter studsar" in text
    assert count(staff_services) == 3  # the preview wrote nothing
    token = re.search(r'name="token" value="([^"]+)"', text).group(1)  # type: ignore[union-attr]
    # Something changes between preview and confirmation: the import respects it
    with staff_services.db.unit_of_work() as session:
        service.add(session, "cilla@example.se", "", Status.UNSUBSCRIBED, Evidence(Channel.LINK))
    report = staff.post(f"{LIST}/import/bekrafta", {"token": token})
    assert report.status_code == 200 and "Importen är klar" in report.text
    assert "1 nya, 1 fanns redan, 3 hoppades över, 2 rader avvisades" in report.text
    assert subscriber(staff_services, "anna@example.se").status == Status.ACTIVE  # type: ignore[union-attr]
    for left in ("lamnat@example.se", "cilla@example.se"):
        assert subscriber(staff_services, left).status == Status.UNSUBSCRIBED  # type: ignore[union-attr]
    assert subscriber(staff_services, "studs@example.se").status == Status.BOUNCED  # type: ignore[union-attr]
    assert events(staff_services, "anna@example.se") == [
        ("added", "import", "deltagarlista Kulturfrukost (lista.csv)", "sam")
    ]
    # A token works once, and only in the browser that uploaded it
    used = staff.post(f"{LIST}/import/bekrafta", {"token": token})
    assert "Förhandsgranskningen finns inte längre" in follow(staff, used).text
    assert count(staff_services) == 5


def test_import_token_belongs_to_the_uploading_session(
    staff_services: Services, staff: StaffClient, admin: StaffClient
) -> None:
    preview = upload(staff, b"email\nny@example.se\n", status="pending")
    assert "läggs till som väntar på bekräftelse" in preview.text
    token = re.search(r'name="token" value="([^"]+)"', preview.text).group(1)  # type: ignore[union-attr]
    stolen = admin.post(f"{LIST}/import/bekrafta", {"token": token})
    assert "finns inte längre" in follow(admin, stolen).text
    forged = staff.post(f"{LIST}/import/bekrafta", {"token": "../../etc/passwd"})
    assert "finns inte längre" in follow(staff, forged).text
    assert count(staff_services) == 0
    staff.post(f"{LIST}/import/bekrafta", {"token": token})
    assert subscriber(staff_services, "ny@example.se").status == Status.PENDING  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (None, "Välj en CSV-fil"),  # what a browser sends when no file was chosen
        (b"", "CSV-filen är tom"),
        (b"   \n\n", "CSV-filen är tom"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "går inte att läsa som text"),
        ("text i UTF-16\nanna@example.se".encode("utf-16"), "går inte att läsa som text"),
        (b"PK\x03\x04\x14\x00\x06\x00", "kalkylark"),
        (b"anna@example.se\nbo@example.se\n", "saknar en kolumn som heter email"),
        (b'email\n"' + b"y" * 200_000 + b'"\n', "Rad 2 i filen går inte att läsa som CSV"),
        (b"email\n" + b"a@example.se\n" * 500_000, "Filen är för stor: högst 5 MB"),
    ],
)
def test_unusable_uploads_get_a_clear_error(
    staff_services: Services, staff: StaffClient, data: bytes | None, message: str
) -> None:
    response = (
        staff.post(f"{LIST}/import", {"source": "x"}, files={"file": ("", b"", "application/octet-stream")})
        if data is None
        else upload(staff, data)
    )
    assert response.status_code == 400
    assert message in response.text and 'enctype="multipart/form-data"' in response.text
    assert count(staff_services) == 0


def test_import_needs_evidence_and_an_importable_status(staff_services: Services, staff: StaffClient) -> None:
    assert "samtyckesloggen" in upload(staff, b"email\na@example.se\n", source=" ").text
    assert "kan inte importeras" in upload(staff, b"email\na@example.se\n", status="bounced").text
    assert "kan inte importeras" in upload(staff, b"email\na@example.se\n", status="nonsense").text
    assert count(staff_services) == 0


def test_export_csv(staff_services: Services, staff: StaffClient) -> None:
    seed(
        staff_services,
        ("anna@example.se", "Anna Å", Status.ACTIVE),
        ("bo@example.se", '=HYPERLINK("https://evil.example")', Status.ACTIVE),
        ("dan@example.se", "Dan", Status.UNSUBSCRIBED),
    )
    response = staff.get(f"{LIST}/export.csv")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["x-content-type-options"] == "nosniff"
    disposition = response.headers["content-disposition"]
    assert disposition.startswith('attachment; filename="prenumeranter-alla-') and disposition.endswith(
        '.csv"'
    )
    body = response.content.decode("utf-8")
    assert body.startswith("\ufeff")
    lines = body.lstrip("\ufeff").splitlines()
    assert lines[0] == "email,name,status,subscribed_at,created_at"
    assert lines[1].startswith("anna@example.se,Anna Å,active,")
    assert lines[2].startswith('bo@example.se,"\'=HYPERLINK(""https://evil.example"")",active')
    with staff_services.db.unit_of_work() as session:  # the same lines as `subscribers export`
        assert body.lstrip("\ufeff") == "".join(staff_actions.export_lines(session))
    only = staff.get(f"{LIST}/export.csv", params={"status": "unsubscribed"})
    assert "prenumeranter-unsubscribed-" in only.headers["content-disposition"]
    assert [line.split(",")[0] for line in only.text.lstrip("\ufeff").splitlines()] == [
        "email",
        "dan@example.se",
    ]
    bad = staff.get(f"{LIST}/export.csv", params={"status": "x"}, follow_redirects=False)
    assert bad.status_code == 303 and "Okänd status" in follow(staff, bad).text
    assert f'href="{LIST}/export.csv?status=active"' in staff.get(LIST, params={"status": "active"}).text


# -- personal data (admins) ---------------------------------------------------------------------------------


def test_person_export_and_erase_are_for_admins(
    staff_services: Services, staff: StaffClient, admin: StaffClient
) -> None:
    anna = "anna@example.se"
    staff_services.pipeline.process(
        [
            Item(make_mail("Nyhetsbrev", sender=anna, message_id="n1@x"), "t"),
            Item(make_mail("Fråga om bidrag", sender=anna, message_id="q1@x", body="Ring 070-1234567"), "t"),
        ]
    )
    sub = subscriber(staff_services, anna)
    assert sub is not None
    url = f"{LIST}/{sub.id}"
    assert staff.get(f"{url}/personexport").status_code == 403
    assert staff.post(f"{url}/radera", {"confirm": anna}).status_code == 403
    assert "Radera person" in admin.get(url).text
    exported = admin.get(f"{url}/personexport")
    assert exported.status_code == 200
    assert exported.headers["content-disposition"] == f'attachment; filename="personuppgifter-{sub.id}.json"'
    assert exported.headers["x-content-type-options"] == "nosniff"
    data = json.loads(exported.content)
    assert data["address"] == anna and data["subscriber"]["consent_log"][0]["evidence_message_id"] == "n1@x"
    assert [c["subject"] for c in data["cases"]] == ["Fråga om bidrag"]
    assert len(data["inbound_messages"]) == 2 and "newsletters" in data
    # A wrong confirmation erases nothing
    wrong = admin.post(f"{url}/radera", {"confirm": "bo@example.se"})
    assert wrong.headers["location"] == url
    assert "Skriv adressen anna@example.se i rutan" in follow(admin, wrong).text
    assert subscriber(staff_services, anna) is not None
    done = admin.post(f"{url}/radera", {"confirm": " Anna@EXAMPLE.se "})
    assert done.headers["location"] == LIST
    report = follow(admin, done).text
    assert "anna@example.se: prenumeration borttagen, 1 ärenden anonymiserade" in report
    assert subscriber(staff_services, anna) is None
    with staff_services.db.unit_of_work() as session:
        [case] = session.scalars(select(Case))
        assert case.subject == "[raderat]"
    assert admin.get(url, follow_redirects=False).status_code == 303
    missing = admin.post(f"{url}/radera", {"confirm": anna})
    assert "Det finns ingen prenumerant" in follow(admin, missing).text


def test_erasing_keeps_staff_accounts(staff_services: Services, admin: StaffClient) -> None:
    # The admin's own address on the list: erasing it removes the subscriber, not the account
    ids = seed(staff_services, ("ada@kk.test", "Ada", Status.ACTIVE))
    follow(admin, admin.post(f"{LIST}/{ids['ada@kk.test']}/radera", {"confirm": "ada@kk.test"}))
    with staff_services.db.unit_of_work() as session:
        assert accounts.get(session, "ada").active
    assert admin.get(LIST).status_code == 200


def test_rejected_rows_keep_their_line_numbers_and_stay_short(
    staff_services: Services, staff: StaffClient
) -> None:
    data = b"email;namn\nanna@example.se;Anna\n" + b"x" * 5000 + b"\x00;NUL\n\nbo@example.se;Bo\n"
    preview = upload(staff, data)
    assert preview.status_code == 200
    rejected = re.search(r'<table class="striped import-rejected">.*?</table>', preview.text, re.S)
    assert rejected is not None and "<tr><td>3</td>" in rejected.group(0)
    assert len(rejected.group(0)) < 2000  # the row and the reason are clipped
    assert "anna@example.se" in preview.text and "bo@example.se" in preview.text


def test_a_bounced_address_is_reenabled_by_one_click(staff_services: Services, staff: StaffClient) -> None:
    ids = seed(
        staff_services, ("studs@example.se", "", Status.BOUNCED), ("aktiv@example.se", "", Status.ACTIVE)
    )
    with staff_services.db.unit_of_work() as session:
        sub = service.get(session, "studs@example.se")
        assert sub is not None
        sub.bounce_score = 3.0
    url = f"{LIST}/{ids['studs@example.se']}"
    assert "Aktivera igen" in staff.get(url).text
    page = follow(staff, staff.post(f"{url}/aktivera", {}))
    assert "får nyhetsbrevet igen" in page.text and "Aktivera igen</button>" not in page.text
    again = subscriber(staff_services, "studs@example.se")
    assert again is not None and (again.status, again.bounce_score) == (Status.ACTIVE, 0.0)
    assert events(staff_services, "studs@example.se")[-1][:2] == ("reenabled", "staff")
    other = follow(staff, staff.post(f"{LIST}/{ids['aktiv@example.se']}/aktivera", {}))
    assert "inte spärrad" in other.text
