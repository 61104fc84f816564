"""Inkommande: the list with filters, one message, "run again" for quarantine, re-routing by hand (web and CLI)."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from cases import service as case_service
from cases import store as case_store
from cases.models import Case
from inbound.classify import Route
from inbound.models import InboundMessage
from inbound.sources.base import Item
from kulturkluster.cli import app as cli_app
from kulturkluster.wiring import Services
from mailer.models import OutgoingMessage
from subscribers import service as subscriber_service
from subscribers.models import ConsentEvent
from tests.conftest import MAIL_DIR, mail_bytes
from tests.integration.test_cli import cli
from tests.integration.test_cli import env as cli_env  # noqa: F401 - the CLI tests' fixture
from tests.integration.test_pipeline import make_mail

from .conftest import StaffClient

pytestmark = pytest.mark.integration
runner = CliRunner()
QUESTION = make_mail(
    "Nyhetsbrev",
    sender="kim@teater.example",
    message_id="q-misread@teater.example",
    body="Hej! Hur gör vi för att få med vår premiär i nästa nyhetsbrev? Vänliga hälsningar, Kim",
)


def feed(svc: Services, *raws: bytes) -> list[int]:
    return [o.row_id for o in svc.pipeline.process([Item(raw=raw, source="test") for raw in raws])]


def status_of(svc: Services, email: str) -> str | None:
    with svc.db.unit_of_work() as session:
        found = subscriber_service.get(session, email)
        return found.status if found else None


def cases_of(svc: Services, email: str) -> list[str]:
    with svc.db.unit_of_work() as session:
        return [c.reference for c in session.scalars(case_store.list_query()) if c.contact.email == email]


def test_list_filters_search_and_quarantine_count(staff_services: Services, staff: StaffClient) -> None:
    feed(
        staff_services,
        mail_bytes("subscribe__plain.eml"),
        mail_bytes("new_case__question_about_newsletter.eml"),
        mail_bytes("quarantine__no_from.eml"),
        mail_bytes("bounce__dsn_rfc3464.eml"),
    )
    page = staff.get("/app/inkommande")
    assert page.status_code == 200
    assert "1 meddelande i karantän" in page.text
    assert "Fråga om nyhetsbrevet i april" in page.text and "anna.andersson@example.se" in page.text
    assert "Nytt ärende" in page.text and "Prenumeration" in page.text
    # The classifier's reason is shown with every mail
    with staff_services.db.unit_of_work() as session:
        reasons = [m.reason for m in session.scalars(select(InboundMessage))]
    assert all(reason.replace("'", "&#39;").replace('"', "&#34;") in page.text for reason in reasons)
    # ... under a Swedish explanation of the rule that decided
    assert "Ämnesraden ber om en prenumeration." in page.text
    assert "Mejlet saknar en användbar avsändaradress." in page.text
    only = staff.get("/app/inkommande", params={"route": "subscribe"})
    assert "anna.andersson@example.se" in only.text and "Fråga om nyhetsbrevet" not in only.text
    found = staff.get("/app/inkommande", params={"q": "GUNILLA"})
    assert "Fråga om nyhetsbrevet i april" in found.text and "anna.andersson@example.se" not in found.text
    by_subject = staff.get("/app/inkommande", params={"q": "april"})
    assert "gunilla@teater.example" in by_subject.text and "1 meddelande," in by_subject.text
    bad = staff.get("/app/inkommande", params={"route": "<script>"})
    assert (
        bad.status_code == 400 and "Det finns ingen väg som heter" in bad.text and "<script>" not in bad.text
    )


def test_pagination_newest_first(staff_services: Services, staff: StaffClient) -> None:
    feed(staff_services, *(make_mail(f"Fråga nummer {i:02d}", message_id=f"p{i}@x") for i in range(55)))
    first = staff.get("/app/inkommande")
    assert (
        "Sida 1 av 2" in first.text
        and "Fråga nummer 54" in first.text
        and "Fråga nummer 04" not in first.text
    )
    assert first.text.index("Fråga nummer 54") < first.text.index("Fråga nummer 53")
    second = staff.get("/app/inkommande", params={"page": "2"})
    assert "Fråga nummer 04" in second.text and "Fråga nummer 54" not in second.text
    assert staff.get("/app/inkommande", params={"page": "x"}).status_code == 200


def test_detail_headers_links_and_raw_view(staff_services: Services, staff: StaffClient) -> None:
    nasty = make_mail(
        "Fråga <b>fet</b>",
        sender="eve@example.se",
        message_id="nasty@example.se",
        body="<script>alert('x')</script>",
        headers={"Content-Type": "text/html; charset=utf-8"},
    )
    [row_id] = feed(staff_services, nasty)
    page = staff.get(f"/app/inkommande/{row_id}")
    assert page.status_code == 200
    assert "<script>alert" not in page.text and "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in page.text
    assert "Message-ID" in page.text and "&lt;nasty@example.se&gt;" in page.text
    [reference] = cases_of(staff_services, "eve@example.se")
    assert f'href="/app/arenden/{reference}"' in page.text
    assert "Kör igen" not in page.text  # only for quarantine
    download = staff.get(f"/app/inkommande/{row_id}/original.eml")
    assert download.content == nasty
    assert download.headers["content-disposition"] == f'attachment; filename="inkommande-{row_id}.eml"'
    assert download.headers["x-content-type-options"] == "nosniff"
    missing = staff.get("/app/inkommande/999999", follow_redirects=False)
    assert missing.status_code == 303
    assert "Det finns inget inkommande meddelande med id 999999" in staff.get("/app/inkommande").text


def test_huge_message_is_shown_truncated(staff_services: Services, staff: StaffClient) -> None:
    [row_id] = feed(staff_services, make_mail("Stort", message_id="big@x", body="å" * 150_000 + "SLUTET"))
    page = staff.get(f"/app/inkommande/{row_id}")
    assert "(avkortat)" in page.text and "SLUTET" not in page.text
    assert b"SLUTET" in staff.get(f"/app/inkommande/{row_id}/original.eml").content


def test_run_again_recovers_a_quarantined_message(staff_services: Services, staff: StaffClient) -> None:
    pipeline = staff_services.pipeline
    normal = pipeline.config
    pipeline.config = dataclasses.replace(normal, max_message_bytes=50)  # e.g. a limit set too low
    [row_id] = feed(staff_services, mail_bytes("subscribe__plain.eml"))
    pipeline.config = normal  # the limit is fixed
    page = staff.get(f"/app/inkommande/{row_id}")
    assert "Karantän" in page.text and "over the limit" in page.text and "Kör igen" in page.text
    response = staff.post(f"/app/inkommande/{row_id}/kor-igen")
    assert response.status_code == 303 and response.headers["location"] == f"/app/inkommande/{row_id}"
    assert "Meddelandet kördes igen och gick till subscribe" in staff.get(response.headers["location"]).text
    assert status_of(staff_services, "anna.andersson@example.se") == "active"
    # Anything not in quarantine is refused (re-routing is the tool for that) and nothing changes
    again = staff.post(f"/app/inkommande/{row_id}/kor-igen")
    assert "Bara meddelanden i karantän kan köras igen" in staff.get(again.headers["location"]).text
    with staff_services.db.unit_of_work() as session:
        assert len(session.scalars(select(ConsentEvent)).all()) == 1


def test_reroute_a_question_misread_as_a_subscription(staff_services: Services, staff: StaffClient) -> None:
    [row_id] = feed(staff_services, QUESTION)
    assert status_of(staff_services, "kim@teater.example") == "active"
    assert cases_of(staff_services, "kim@teater.example") == []
    response = staff.post(f"/app/inkommande/{row_id}/dirigera", {"route": "new_case", "reason": "en fråga"})
    assert response.status_code == 303
    page = staff.get(response.headers["location"]).text
    [reference] = cases_of(staff_services, "kim@teater.example")
    assert "omdirigerat från subscribe till new_case" in page and reference in page
    assert f'href="/app/arenden/{reference}"' in page
    # The subscription it caused is withdrawn, naming who did it; no receipt goes out for the late case
    assert status_of(staff_services, "kim@teater.example") == "unsubscribed"
    with staff_services.db.unit_of_work() as session:
        row = session.get_one(InboundMessage, row_id)
        assert (row.route, row.rule) == ("new_case", "manual")
        assert "Sam Staff (sam)" in row.reason and "en fråga" in row.reason
        last = session.scalars(select(ConsentEvent).order_by(ConsentEvent.id.desc())).first()
        assert last is not None and (last.channel, last.actor) == ("staff", "Sam Staff (sam)")
        kinds = [m.kind for m in session.scalars(select(OutgoingMessage))]
        assert "receipt" not in kinds and kinds.count("welcome") == 1  # the welcome from the first route
        case = session.scalars(select(Case)).one()
        assert case.messages[0].inbound_message_id == row_id


def test_reroute_a_case_that_was_a_subscription(staff_services: Services, staff: StaffClient) -> None:
    mail = make_mail("Hej", sender="bo@example.se", message_id="sub@x", body="Jag vill ha era utskick.")
    [row_id] = feed(staff_services, mail)
    assert cases_of(staff_services, "bo@example.se")
    staff.post(f"/app/inkommande/{row_id}/dirigera", {"route": "subscribe", "reason": "vill prenumerera"})
    assert cases_of(staff_services, "bo@example.se") == []  # the case held only this mail: gone
    assert status_of(staff_services, "bo@example.se") == "active"
    with staff_services.db.unit_of_work() as session:
        [event] = session.scalars(select(ConsentEvent)).all()
        assert event.evidence_message_id == "sub@x" and "Sam Staff (sam)" in (event.evidence or "")
        assert [m.kind for m in session.scalars(select(OutgoingMessage).order_by(OutgoingMessage.id))] == [
            "receipt",
            "welcome",
        ]
    # ...and back again: the subscription is withdrawn, a new case opened
    staff.post(f"/app/inkommande/{row_id}/dirigera", {"route": "new_case"})
    assert status_of(staff_services, "bo@example.se") == "unsubscribed"
    assert len(cases_of(staff_services, "bo@example.se")) == 1


def test_nonsensical_reroutes_are_refused(staff_services: Services, staff: StaffClient) -> None:
    [question, no_from] = feed(
        staff_services,
        mail_bytes("new_case__question_about_newsletter.eml"),
        mail_bytes("quarantine__no_from.eml"),
    )

    def refusal(row_id: int, route: str) -> str:
        response = staff.post(
            f"/app/inkommande/{row_id}/dirigera",
            {"route": route},
            headers={"referer": f"https://post.kk.test/app/inkommande/{row_id}"},
        )
        assert response.status_code == 303 and response.headers["location"] == f"/app/inkommande/{row_id}"
        return staff.get(response.headers["location"]).text

    assert "Det går inte att dirigera om till &#39;confirm&#39;" in refusal(question, "confirm")
    assert "Det går inte att dirigera om till &#39;x&#39;" in refusal(question, "x")
    assert "redan dirigerat som new_case" in refusal(question, "new_case")
    assert "saknar avsändaradress" in refusal(no_from, "subscribe")
    [reference] = cases_of(staff_services, "gunilla@teater.example")
    with staff_services.db.unit_of_work() as session:
        case_service.add_note(session, case_store.by_reference(session, reference), "Ringt henne", "sam")
    assert f"hör till ärende {reference}" in refusal(question, "subscribe")
    assert cases_of(staff_services, "gunilla@teater.example") == [reference]
    assert status_of(staff_services, "gunilla@teater.example") is None
    # A mail with no sender can still be filed as an automatic reply (nothing to handle)
    staff.post(f"/app/inkommande/{no_from}/dirigera", {"route": "auto_reply", "reason": "skräp"})
    with staff_services.db.unit_of_work() as session:
        assert session.get_one(InboundMessage, no_from).route == Route.AUTO_REPLY


# -- the command line ------------------------------------------------------------------------------------


@pytest.mark.usefixtures("cli_env")
def test_cli_reroute(tmp_path: Path) -> None:
    question = tmp_path / "fraga.eml"
    question.write_bytes(QUESTION)
    cli("inbound", "import", str(question), str(MAIL_DIR / "subscribe__plain.eml"))
    rows = json.loads(cli("inbound", "list", "--search", "kim@", "--format", "json"))
    assert [r["route"] for r in rows] == ["subscribe"]
    out = cli("inbound", "reroute", str(rows[0]["id"]), "new_case", "--reason", "en fråga", "--by", "elin")
    assert f"Meddelande {rows[0]['id']} är omdirigerat från subscribe till new_case" in out
    assert "kim@teater.example är borttagen från listan" in out and "Ärende: KK-" in out
    [case] = json.loads(cli("cases", "list", "--format", "json"))
    assert case["requester"] == "kim@teater.example"
    [shown] = json.loads(cli("inbound", "show", str(rows[0]["id"])))
    assert shown["route"] == "new_case" and "av elin: en fråga" in shown["reason"]
    bad = runner.invoke(cli_app, ["inbound", "reroute", str(rows[0]["id"]), "bounce"])
    assert bad.exit_code != 0 and "Det går inte att dirigera om till 'bounce'" in str(bad.exception)
    missing = runner.invoke(cli_app, ["inbound", "reroute", "99999", "new_case"])
    assert missing.exit_code != 0 and "inget inkommande meddelande med id 99999" in str(missing.exception)
