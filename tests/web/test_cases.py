"""Ärenden in the staff app: inbox, case page, the mail's sandboxed HTML, attachments, reply, note, fields,
merge and "this was a subscription", over HTTP with a real SMTP server, on SQLite and PostgreSQL."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from cases import operations as case_ops
from cases import replies, report_queries
from cases import service as case_service
from cases.models import SUBSCRIPTION_TAG, Case, CaseAttachment, CaseMessage, CaseStatus
from cases.reports import Period
from inbound.sources.base import Item
from kulturkluster import accounts
from kulturkluster.accounts import Role
from kulturkluster.db import utcnow
from kulturkluster.wiring import Services
from subscribers import service as subscriber_service
from subscribers.models import ConsentEvent, Status
from tests.conftest import MAIL_DIR, reply_parts
from tests.integration.test_cli import cli, env  # noqa: F401 - env: the CLI's fixture on the test db
from tests.integration.test_pipeline import answers, make_mail, smtp_settings
from tests.servers.smtp import SmtpServer

from .conftest import ADMIN, PASSWORD, STAFF, StaffClient

pytestmark = pytest.mark.integration

ACTOR = "gunilla@teater.example"
OTHER = "bo@forening.example"


@pytest.fixture
def staff_services(services_factory: Callable[..., Services], smtp: SmtpServer) -> Services:
    """The conftest's accounts, on services whose mail goes to the aiosmtpd server."""
    svc = services_factory(public_url="https://post.kk.test", smtp=smtp_settings(smtp))
    with svc.db.unit_of_work() as session:
        accounts.add(session, ADMIN, PASSWORD, role=Role.ADMIN, name="Ada Admin", email="ada@kk.test")
        accounts.add(session, STAFF, PASSWORD, role=Role.STAFF, name="Sam Staff", email="sam@kk.test")
    return svc


def feed(svc: Services, *raws: bytes) -> None:
    """Mail in through the real inbound pipeline (and the receipts out)."""
    svc.pipeline.process([Item(raw=raw, source="test") for raw in raws])
    svc.flush_outbox()


def reference_of(svc: Services, subject: str) -> str:
    with svc.db.unit_of_work() as session:
        return session.scalars(select(Case.reference).where(Case.subject == subject)).one()


def question(
    svc: Services, subject: str, body: str = "Hej", sender: str = ACTOR, message_id: str | None = None
) -> str:
    mid = message_id or f"{abs(hash(subject))}@teater.example"
    feed(svc, make_mail(subject, sender=sender, message_id=mid, body=body))
    return reference_of(svc, subject)


def references_on(page: str) -> list[str]:
    return list(dict.fromkeys(re.findall(r'href="/app/arenden/(KK-\d{4}-\d{4})"', page)))


# -- the inbox ---------------------------------------------------------------------------------------------


def test_inbox_filters_and_search(staff_services: Services, staff: StaffClient) -> None:
    svc = staff_services
    grants = question(svc, "Bidrag till turné", body="Vilka bidragen kan vi söka för en turné i länet?")
    venue = question(svc, "Lokal för konsert", body="Finns det en scen i Flen?", sender=OTHER)
    done = question(svc, "Tack för hjälpen", body="Allt klart nu.")
    with svc.db.unit_of_work() as session:
        case_service.set_fields(
            case_ops.find(session, grants),
            focus="stöd",
            actor_type="förening",
            assignee=STAFF,
            tags=["turné", "bidrag"],
        )
        case_service.set_fields(case_ops.find(session, venue), focus="kontakt", actor_type="kommun")
        case_service.set_fields(case_ops.find(session, done), status="avslutad")

    def listed(query: str = "") -> list[str]:
        page = staff.get(f"/app/arenden{query}")
        assert page.status_code == 200, page.text
        return references_on(page.text)

    # Default: open cases, newest activity first (the closed one is hidden).
    assert listed() == [venue, grants]
    assert set(listed("?status=alla")) == {grants, venue, done}
    assert listed("?status=avslutad") == [done]
    assert listed("?focus=st%C3%B6d") == [grants]
    assert listed("?actor=kommun") == [venue]
    assert listed(f"?assignee={STAFF}") == [grants]
    assert listed("?tag=turn%C3%A9") == [grants]
    assert listed("?focus=kontakt&actor=f%C3%B6rening") == []
    # Full-text search with Swedish word forms, as `cases search`: "bidrag" finds "bidragen".
    assert listed("?q=bidrag") == [grants]
    assert listed("?q=scen&status=alla") == [venue]
    assert listed("?q=klart") == []  # closed: not among the open cases
    assert listed("?q=klart&status=alla") == [done]
    page = staff.get("/app/arenden").text
    assert "Sam Staff" in page and "badge-ny" in page  # the assignee by name, the status as a badge
    assert 'value="ny"' in page and 'value="stöd"' in page and 'value="företagare"' in page
    # An unknown value is refused with a Swedish message, never a 500; the rest still applies.
    bad = staff.get("/app/arenden?status=raderad&focus=ekonomi&page=x")
    assert bad.status_code == 400
    assert "okänt värde" in bad.text and "ekonomi" in bad.text
    assert references_on(bad.text) == [venue, grants]


def test_inbox_pages(staff_services: Services, staff: StaffClient) -> None:
    with staff_services.db.unit_of_work() as session:
        start = utcnow() - timedelta(days=1)
        for n in range(55):
            case = case_service.open_case(session, f"p{n}@example.se", "", f"Fråga {n}", start)
            case.updated_at = start + timedelta(minutes=n)
    first = staff.get("/app/arenden")
    assert "55 öppna ärenden" in first.text and "Sida 1 av 2" in first.text
    assert len(references_on(first.text)) == 50
    second = staff.get("/app/arenden?page=2")
    refs = references_on(second.text)
    assert len(refs) == 5 and not set(refs) & set(references_on(first.text))
    assert references_on(first.text)[0].endswith("0055")  # newest activity first


# -- the case page -----------------------------------------------------------------------------------------


def test_case_page_shows_the_whole_thread(staff_services: Services, staff: StaffClient) -> None:
    svc = staff_services
    ref = question(svc, "Fråga om lokal", body="Finns det en <b>scen</b> i Flen?", message_id="q1@teater")
    with svc.db.unit_of_work() as session:
        case = case_ops.find(session, ref)
        case.contact.organisation, case.contact.municipality = "Teater Gnistan", "Flen"
        replies.reply(reply_parts(svc), svc.outbox, session, case, "Hej!\n\nJa, i Folkets hus.", STAFF)
        case_service.add_note(session, case, "Ringde också.", ADMIN)
    feed(svc, make_mail(f"SV: [{ref}] Fråga om lokal", sender=ACTOR, message_id="q2@teater", body="Tack!"))
    page = staff.get(f"/app/arenden/{ref}")
    assert page.status_code == 200
    text = page.text
    assert "Teater Gnistan" in text and "Flens kommun" in text and "Flen kommun" not in text and ACTOR in text
    assert "Finns det en &lt;b&gt;scen&lt;/b&gt;" in text  # plain text is escaped
    order = [text.index(s) for s in ("Finns det en", "Ja, i Folkets hus", "Ringde också", "Tack!")]
    assert order == sorted(order)
    assert text.count("case-message-in") == 2 and "case-message-out" in text and "case-message-note" in text
    assert "Sam Staff" in text and "Ada Admin" in text  # authors by their names
    with svc.db.unit_of_work() as session:
        inbound_id = session.scalars(
            select(CaseMessage.inbound_message_id).where(CaseMessage.message_id == "q1@teater")
        ).one()
    assert f'href="/app/inkommande/{inbound_id}"' in text
    assert "script-src 'self'" in page.headers["content-security-policy"]
    missing = staff.get("/app/arenden/KK-2001-0999")
    assert missing.status_code == 404 and "Hittar inget ärende" in missing.text
    assert staff.get("/app/arenden/inte-ett-ärende").status_code == 404


MALICIOUS_HTML = (
    "<html><head><style>body{display:none}</style><script>alert('head')</script></head><body>"
    '<p onclick="steal()">Hej, vi undrar om <b>bidrag</b>.<script>alert(1)</script></p>'
    '<img src="x" onerror="alert(2)"><img src="https://track.example/pixel.gif">'
    '<a href="javascript:alert(3)">klicka här</a> <a href="https://kultur.example/ok">läs mer</a>'
    '<div style="position:fixed;top:0;left:0;width:100%;height:100%;z-index:9999">Logga in igen</div>'
    '<iframe src="https://evil.example/"></iframe><form action="https://evil.example/"><input></form>'
    "<svg><script>alert(4)</script></svg></body></html>"
)
BAD = ("<script", "alert(", "onclick", "onerror", "javascript:", "position:fixed", "style=", "track.example",
       "evil.example", "<iframe src=\"https", "<form", "<svg")  # fmt: skip


def html_mail(subject: str, html: str, message_id: str, attachment: tuple[str, bytes] | None = None) -> bytes:
    parts = f"--b\r\nContent-Type: text/html; charset=utf-8\r\n\r\n{html}\r\n"
    if attachment:
        name, data = attachment
        parts += (
            "--b\r\nContent-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n"
            f'Content-Disposition: attachment; filename="{name}"\r\n\r\n'
            f"{base64.b64encode(data).decode()}\r\n"
        )
    return (
        f"From: Gunilla <{ACTOR}>\r\nTo: kulturkluster@kulturkluster.test\r\nSubject: {subject}\r\n"
        f"Message-ID: <{message_id}>\r\nMIME-Version: 1.0\r\n"
        "Content-Type: multipart/mixed; boundary=b\r\n\r\n" + parts + "--b--\r\n"
    ).encode()


def test_malicious_html_only_cleaned_and_only_in_a_sandboxed_frame(
    staff_services: Services, staff: StaffClient
) -> None:
    feed(staff_services, html_mail("Skadlig HTML", MALICIOUS_HTML, "evil@teater"))
    ref = reference_of(staff_services, "Skadlig HTML")
    with staff_services.db.unit_of_work() as session:
        message = session.scalars(select(CaseMessage).where(CaseMessage.message_id == "evil@teater")).one()
        message_id, stored = message.id, message.html or ""
    for bad in BAD:
        assert bad not in stored, bad  # cleaned when it was stored
    page = staff.get(f"/app/arenden/{ref}")
    frame_url = f"/app/arenden/{ref}/meddelande/{message_id}"
    assert re.search(rf'<iframe sandbox src="{frame_url}"', page.text)
    # The case page itself carries none of the mail's markup, only escaped text.
    for bad in ("<script>alert", "onerror=", "javascript:", "position:fixed", "onclick="):
        assert bad not in page.text, bad
    frame = staff.get(frame_url)
    assert frame.status_code == 200 and frame.headers["content-type"].startswith("text/html")
    csp = frame.headers["content-security-policy"]
    assert csp.startswith("sandbox;") and "default-src 'none'" in csp and "frame-ancestors 'self'" in csp
    assert "script-src" not in csp and "img-src data:" in csp
    assert frame.headers["x-frame-options"] == "SAMEORIGIN"
    assert frame.headers["x-content-type-options"] == "nosniff"
    assert "<b>bidrag</b>" in frame.text and 'href="https://kultur.example/ok"' in frame.text
    for bad in BAD:
        assert bad not in frame.text, bad
    # Only under its own case, only for a mail that has HTML.
    other = question(staff_services, "Annan fråga")
    assert staff.get(f"/app/arenden/{other}/meddelande/{message_id}").status_code == 404
    assert staff.get(f"/app/arenden/{ref}/meddelande/999999").status_code == 404


def test_attachment_downloads(staff_services: Services, staff: StaffClient) -> None:
    pdf = b"%PDF-1.4 <script>alert(1)</script>"
    feed(
        staff_services,
        html_mail("Med bilaga", "<p>Se bilagan</p>", "att@teater", ('Budget "2027".pdf', pdf)),
    )
    ref = reference_of(staff_services, "Med bilaga")
    other = question(staff_services, "Utan bilaga")
    with staff_services.db.unit_of_work() as session:
        attachment_id = session.scalars(select(CaseAttachment.id)).one()
    page = staff.get(f"/app/arenden/{ref}").text
    url = f"/app/arenden/{ref}/bilaga/{attachment_id}"
    assert f'href="{url}"' in page and "Budget" in page
    download = staff.get(url)
    assert download.status_code == 200 and download.content == pdf
    disposition = download.headers["content-disposition"]
    assert disposition.startswith("attachment;") and 'filename="Budget _2027_.pdf"' in disposition
    assert download.headers["x-content-type-options"] == "nosniff"
    assert download.headers["content-type"] == "application/octet-stream"
    assert staff.get(f"/app/arenden/{other}/bilaga/{attachment_id}").status_code == 404
    assert staff.get(f"/app/arenden/{ref}/bilaga/{attachment_id + 1000}").status_code == 404


# -- actions ---------------------------------------------------------------------------------------------


def test_reply_with_preview_arrives_threaded(
    staff_services: Services, staff: StaffClient, smtp: SmtpServer
) -> None:
    ref = question(staff_services, "Hur söker man checkarna?", message_id="q1@teater")
    assert len(answers(smtp, ACTOR)) == 1  # the receipt
    preview = staff.htmx_post(f"/app/arenden/{ref}/forhandsgranska", {"body": "Hej Gunilla!\n\nSå här."})
    assert preview.status_code == 200
    assert f"SV: [{ref}] Hur söker man checkarna?" in preview.text
    assert "Hej Gunilla!" in preview.text and ACTOR in preview.text and "q1@teater" in preview.text
    assert "<html" not in preview.text  # a fragment
    empty = staff.htmx_post(f"/app/arenden/{ref}/forhandsgranska", {"body": "  "})
    assert empty.status_code == 200 and "Skriv svaret" in empty.text

    response = staff.post(f"/app/arenden/{ref}/svar", {"body": "Hej Gunilla!\n\nSå här gör du."})
    assert response.status_code == 303 and response.headers["location"] == f"/app/arenden/{ref}"
    reply = answers(smtp, ACTOR)[-1]  # sent at once: the outbox was flushed
    assert reply["Subject"] == f"SV: [{ref}] Hur söker man checkarna?"
    assert reply["In-Reply-To"] == "<q1@teater>" and "<q1@teater>" in reply["References"]
    assert "kulturkluster@kulturkluster.test" in reply["From"]
    assert reply["Auto-Submitted"] is None
    [plain] = [part for part in reply.walk() if part.get_content_type() == "text/plain"]
    assert "Så här gör du." in plain.get_payload(decode=True).decode()  # type: ignore[union-attr]
    with staff_services.db.unit_of_work() as session:
        case = case_ops.find(session, ref)
        sent = [m for m in case.messages if m.direction == "out"]
        assert case.status == CaseStatus.WAITING and sent[0].author == STAFF
        assert case.first_response_at is not None
    assert "är skickat" in staff.get(f"/app/arenden/{ref}").text
    # Close with the reply; an empty reply is refused and nothing is sent.
    staff.post(f"/app/arenden/{ref}/svar", {"body": "Lycka till!", "close": "1"})
    assert the_status(staff_services, ref) == CaseStatus.CLOSED
    before = len(answers(smtp, ACTOR))
    refused = staff.post(f"/app/arenden/{ref}/svar", {"body": "   "})
    assert refused.status_code == 303 and len(answers(smtp, ACTOR)) == before
    assert "Svaret är tomt" in staff.get(f"/app/arenden/{ref}").text


def the_status(svc: Services, ref: str) -> str:
    with svc.db.unit_of_work() as session:
        return case_ops.find(session, ref).status


def test_note(staff_services: Services, admin: StaffClient, smtp: SmtpServer) -> None:
    ref = question(staff_services, "En fråga")
    sent = len(smtp.handler.received)
    admin.post(f"/app/arenden/{ref}/anteckning", {"body": "Ring henne på tisdag."})
    with staff_services.db.unit_of_work() as session:
        [note] = [m for m in case_ops.find(session, ref).messages if m.direction == "note"]
        assert (note.text, note.author) == ("Ring henne på tisdag.", ADMIN)
    assert len(smtp.handler.received) == sent  # never sent
    admin.post(f"/app/arenden/{ref}/anteckning", {"body": " "})
    assert "Anteckningen är tom" in admin.get(f"/app/arenden/{ref}").text


def test_set_fields_and_refuse_bogus_values(staff_services: Services, staff: StaffClient) -> None:
    ref = question(staff_services, "Fält")
    fields = {
        "status": "pågående",
        "focus": "kunskap",
        "actor": "förening",
        "assignee": ADMIN,
        "tags": "Turné, bidrag,, ",
        "organisation": "Teater Gnistan",
        "municipality": "Flen",
    }
    response = staff.post(f"/app/arenden/{ref}/falt", fields)
    assert response.status_code == 303
    page = staff.get(f"/app/arenden/{ref}").text
    assert "uppdaterat" in page and "Ada Admin" in page

    def state() -> tuple[object, ...]:
        with staff_services.db.unit_of_work() as session:
            case = case_ops.find(session, ref)
            tags = [tag.tag for tag in case.tags]
            return (
                case.status,
                case.focus_area,
                case.actor_type,
                case.assignee,
                tags,
                case.contact.organisation,
            )

    expected = ("pågående", "kunskap", "förening", ADMIN, ["bidrag", "turné"], "Teater Gnistan")
    assert state() == expected
    for bogus, message in (
        ({"focus": "ekonomi"}, "fokusområde"),
        ({"status": "raderad"}, "status"),
        ({"actor": "hacker"}, "aktörstyp"),
        ({"assignee": "mallory"}, "ingen av användarna"),
    ):
        response = staff.post(f"/app/arenden/{ref}/falt", fields | {"focus": "stöd"} | bogus)
        assert response.status_code == 303, bogus
        assert message in staff.get(f"/app/arenden/{ref}").text, bogus
        assert state() == expected, bogus  # nothing half done
    # A field sent empty is cleared; one not sent is left alone.
    staff.post(f"/app/arenden/{ref}/falt", {"status": "väntar", "focus": "", "actor": "", "assignee": ""})
    assert state() == ("väntar", None, None, None, ["bidrag", "turné"], "Teater Gnistan")
    staff.post(f"/app/arenden/{ref}/falt", {"tags": " ", "organisation": ""})
    assert state() == ("väntar", None, None, None, [], "")


def test_merge(staff_services: Services, staff: StaffClient) -> None:
    first = question(staff_services, "Samma fråga", body="Första gången")
    second = question(staff_services, "Samma fråga igen", body="Andra gången")
    staff.post(f"/app/arenden/{second}/falt", {"status": "ny", "tags": "dubblett"})
    # Without the confirmation or with a bad reference: refused, nothing changes.
    staff.post(f"/app/arenden/{second}/sammanfoga", {"into": first})
    assert "Kryssa i rutan" in staff.get(f"/app/arenden/{second}").text
    staff.post(f"/app/arenden/{second}/sammanfoga", {"into": "nonsens", "confirm": "1"})
    assert "Skriv referensen" in staff.get(f"/app/arenden/{second}").text
    staff.post(f"/app/arenden/{second}/sammanfoga", {"into": "KK-2001-0999", "confirm": "1"})
    assert "Hittar inget ärende" in staff.get(f"/app/arenden/{second}").text
    staff.post(f"/app/arenden/{second}/sammanfoga", {"into": second, "confirm": "1"})
    assert "sig självt" in staff.get(f"/app/arenden/{second}").text
    assert the_status(staff_services, second) == CaseStatus.NEW

    response = staff.post(f"/app/arenden/{second}/sammanfoga", {"into": first.lower(), "confirm": "1"})
    assert response.headers["location"] == f"/app/arenden/{first}"
    page = staff.get(f"/app/arenden/{first}").text
    assert "Första gången" in page and "Andra gången" in page and "dubblett" in page
    assert "ihopslaget" in page
    # The old reference leads to the case that kept everything; the inbox lists only that one.
    old = staff.get(f"/app/arenden/{second}", follow_redirects=False)
    assert old.status_code == 303 and old.headers["location"] == f"/app/arenden/{first}"
    assert references_on(staff.get("/app/arenden?status=alla").text) == [first]


def test_this_was_a_subscription(staff_services: Services, staff: StaffClient, smtp: SmtpServer) -> None:
    ref = question(staff_services, "Vill ha era utskick", body="Lägg till mig tack", message_id="sub@teater")
    kept = question(staff_services, "En riktig fråga", sender=OTHER)
    response = staff.post(f"/app/arenden/{ref}/prenumeration")
    assert response.status_code == 303
    assert "prenumererar nu" in staff.get(f"/app/arenden/{ref}").text
    with staff_services.db.unit_of_work() as session:
        subscriber = subscriber_service.get(session, ACTOR)
        assert subscriber is not None and subscriber.status == Status.ACTIVE
        [event] = session.scalars(select(ConsentEvent)).all()
        assert (event.channel, event.actor, event.evidence_message_id) == ("staff", STAFF, "sub@teater")
        assert ref in (event.evidence or "") and STAFF in (event.evidence or "")
        case = case_ops.find(session, ref)
        assert case.status == CaseStatus.CLOSED and SUBSCRIPTION_TAG in [t.tag for t in case.tags]
        assert any(m.direction == "note" and "nyhetsbrevet" in m.text for m in case.messages)
        # Not guidance work: the reports leave it out.
        today = datetime.now(UTC).date()
        report = report_queries.case_report(
            session, Period(today - timedelta(days=1), today + timedelta(days=1))
        )
        assert sum(month.total for month in report.months) == 1
        assert session.scalar(select(Case.id).where(Case.reference == kept)) is not None
    welcome = answers(smtp, ACTOR)[-1]
    assert welcome["Subject"].startswith("Välkommen") and welcome["In-Reply-To"] == "<sub@teater>"
    # Twice is refused; the page no longer offers it.
    staff.post(f"/app/arenden/{ref}/prenumeration")
    page = staff.get(f"/app/arenden/{ref}").text
    assert "redan markerat" in page and "/prenumeration" not in page


def test_staff_and_admin_both_work_cases(
    staff_services: Services, staff: StaffClient, admin: StaffClient
) -> None:
    ref = question(staff_services, "Till alla")
    for client in (staff, admin):
        assert client.get("/app/arenden").status_code == 200
        assert client.get(f"/app/arenden/{ref}").status_code == 200
        response = client.post(f"/app/arenden/{ref}/anteckning", {"body": "Sett."})
        assert response.status_code == 303
    with staff_services.db.unit_of_work() as session:
        notes = [m.author for m in case_ops.find(session, ref).messages if m.direction == "note"]
        assert notes == [STAFF, ADMIN]


@pytest.mark.usefixtures("env")
def test_the_cli_marks_a_subscription_with_the_same_function() -> None:
    cli("inbound", "import", str(MAIL_DIR / "new_case__question_about_newsletter.eml"))
    [case] = json.loads(cli("cases", "list", "--format", "json"))
    out = cli("cases", "subscription", case["reference"], "--author", "elin")
    assert "prenumererar nu" in out
    [shown] = json.loads(cli("cases", "show", case["reference"], "--format", "json"))
    assert shown["status"] == "avslutad" and shown["tags"] == [SUBSCRIPTION_TAG]
    [person] = json.loads(cli("subscribers", "show", case["requester"]))
    assert person["status"] == "active"
    assert (person["events"][0]["channel"], person["events"][0]["actor"]) == ("staff", "elin")
