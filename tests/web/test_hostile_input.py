"""Bogus input to the staff pages gives a clear answer, never a 500: NUL bytes (PostgreSQL refuses them in
text), ids longer than a database integer, dates at the ends of the calendar, tags that clash once cut."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from cases.models import Case
from inbound.sources.base import Item
from kulturkluster.wiring import Services
from tests.integration.test_pipeline import make_mail

from .conftest import StaffClient

pytestmark = pytest.mark.integration
HUGE = "99999999999999999999"


def open_case(svc: Services) -> str:
    raw = make_mail("Fråga om lokalbidrag", sender="kim@teater.example", body="Hej! Hur söker vi bidrag?")
    svc.pipeline.process([Item(raw=raw, source="test")])
    with svc.db.unit_of_work() as session:
        return session.scalars(select(Case.reference)).one()


def test_nul_bytes_in_searches_and_forms_are_dropped(staff_services: Services, staff: StaffClient) -> None:
    reference = open_case(staff_services)
    for url in (
        "/app/arenden?q=bi%00drag",
        "/app/arenden?tag=a%00",
        "/app/inkommande?q=kim%00",
        "/app/prenumeranter?q=a%00",
    ):
        assert staff.get(url).status_code in {200, 400}, url
    assert "bidrag" in staff.get("/app/arenden?q=bi%00drag").text.lower()
    note = staff.post(f"/app/arenden/{reference}/anteckning", {"body": "Ring\x00 henne"})
    assert note.status_code == 303
    assert "Ring henne" in staff.get(f"/app/arenden/{reference}").text
    added = staff.post(
        "/app/prenumeranter/ny", {"email": "ny\x00@x.se", "name": "N\x00", "evidence": "mässa"}
    )
    assert added.status_code in {303, 400}


def test_ids_longer_than_a_database_integer_are_not_found(
    staff_services: Services, admin: StaffClient
) -> None:
    reference = open_case(staff_services)
    for url in (
        f"/app/arenden/{reference}/meddelande/{HUGE}",
        f"/app/arenden/{reference}/bilaga/{HUGE}",
        f"/app/prenumeranter/{HUGE}",
        f"/app/inkommande/{HUGE}",
        f"/app/nyhetsbrev/{HUGE}",
        f"/app/nyhetsbrev/{HUGE}/status",
    ):
        assert admin.get(url).status_code == 404, url
    assert admin.post(f"/app/anvandare/{HUGE}/roll", {"role": "staff"}).status_code == 404


def test_dates_at_the_ends_of_the_calendar(staff: StaffClient) -> None:
    for query in ("from=9999-12-25&to=9999-12-31", "from=0001-01-01&to=0001-01-02"):
        assert staff.get(f"/app/rapporter?{query}").status_code == 400
        assert staff.get(f"/app/rapporter.csv?{query}").status_code == 400
    response = staff.post("/app/nyhetsbrev/1/skicka", {"nar": "vid", "tid": "0001-01-01T00:00"})
    assert response.status_code in {303, 404}


def test_tags_that_are_the_same_once_cut_are_saved_once(staff_services: Services, staff: StaffClient) -> None:
    reference = open_case(staff_services)
    tags = f"{'a' * 60}x, {'a' * 60}y, Bidrag"
    assert staff.post(f"/app/arenden/{reference}/falt", {"tags": tags}).status_code == 303
    with staff_services.db.unit_of_work() as session:
        case = session.scalars(select(Case)).one()
        assert sorted(tag.tag for tag in case.tags) == ["a" * 60, "bidrag"]
