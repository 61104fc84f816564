"""Nytt ärende in the staff app: guidance by phone, visit, meeting or event recorded as a case, over HTTP,
on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from cases import store as case_store
from cases.models import Case
from kulturkluster.wiring import Services

from .conftest import StaffClient

pytestmark = pytest.mark.integration

FORM = {
    "name": "Gunilla Ek",
    "email": "",
    "organisation": "Teater Gnistan",
    "phone": "070-123 45 67",
    "municipality": "Flen",
    "channel": "telefon",
    "at": "2026-11-27T14:30",
    "subject": "Turnéstöd",
    "body": "Frågade om projektstöd.\r\nTipsade om utvecklingscheckarna.",
    "focus": "stöd",
    "actor": "förening",
}


def test_the_inbox_offers_a_new_case_and_the_form_is_labelled(staff: StaffClient) -> None:
    assert 'href="/app/arenden/nytt"' in staff.get("/app/arenden").text
    page = staff.get("/app/arenden/nytt")
    assert page.status_code == 200
    assert 'name="csrf_token"' in page.text
    for label in (
        "Namn",
        "E-post",
        "Organisation",
        "Telefonnummer",
        "Kommun",
        "Kanal",
        "När (svensk tid)",
        "Rubrik",
    ):
        assert f">{label}</label>" in page.text, label
    for channel in ("E-post", "Telefon", "Besök", "Möte", "Evenemang"):
        assert f">{channel}</option>" in page.text


def test_a_phone_call_becomes_a_case(staff: StaffClient, staff_services: Services) -> None:
    response = staff.post("/app/arenden/nytt", FORM)
    assert response.status_code == 303
    with staff_services.db.unit_of_work() as session:
        case = session.scalars(select(Case)).one()
        reference = case.reference
        assert (case.channel, case.contact.email, case.contact.phone) == ("telefon", None, "070-123 45 67")
        assert case.received_at.isoformat().startswith("2026-11-27T13:30")
        assert case.focus_area == "stöd" and case.actor_type == "förening"
        [question] = case_store.by_reference(session, reference).messages
        assert question.author == "sam" and question.text.endswith("utvecklingscheckarna.")
    assert response.headers["location"] == f"/app/arenden/{reference}"
    page = staff.get(response.headers["location"])
    assert f"Ärendet {reference} är skapat." in page.text
    assert "<dt>Kanal</dt><dd>Telefon</dd>" in page.text
    assert "Ingen e-postadress" in page.text and "Telefon: 070-123 45 67" in page.text
    assert "antecknad av Sam Staff" in page.text
    inbox = staff.get("/app/arenden").text
    assert "Gunilla Ek" in inbox and "None" not in inbox


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"channel": "fax"}, "ingen kanal"),
        ({"email": "inte en adress"}, "ingen användbar e-postadress"),
        ({"name": "", "email": ""}, "Ange vem som frågade"),
        ({"subject": "  "}, "behöver en rubrik"),
        ({"body": ""}, "Skriv vad frågan"),
        ({"at": "2999-01-01T10:00"}, "i framtiden"),
        ({"at": "förra veckan"}, "ingen tidpunkt"),
        ({"focus": "ekonomi"}, "ekonomi"),
    ],
)
def test_bad_values_show_the_form_again_with_a_swedish_reason(
    staff: StaffClient, staff_services: Services, changes: dict[str, str], message: str
) -> None:
    response = staff.post("/app/arenden/nytt", FORM | changes)
    assert response.status_code == 422
    assert message in response.text and 'role="alert"' in response.text
    assert "Teater Gnistan" in response.text  # what was typed is kept
    with staff_services.db.unit_of_work() as session:
        assert session.scalars(select(Case)).all() == []


def test_bogus_posts_are_no_500(staff: StaffClient) -> None:
    assert staff.post("/app/arenden/nytt", {}).status_code == 422
    assert staff.post("/app/arenden/nytt", {"body": "x" * 300_000, "name": "\x00Bo"}).status_code == 422
    assert staff.post("/app/arenden/nytt", {"channel": ["a", "b"], "name": "<>"}).status_code == 422
    bare = staff.client.post("/app/arenden/nytt", data=FORM, follow_redirects=False)  # no CSRF token
    assert bare.status_code == 403
