"""A case in its context: the requester's and their organisation's other cases, search by who asked,
and a count that says which statuses it covers."""

from __future__ import annotations

import pytest

from cases import operations as case_ops
from cases import search as case_search
from cases import service as case_service
from inbound.sources.base import Item
from kulturkluster.wiring import Services
from tests.integration.test_pipeline import make_mail

from .conftest import StaffClient
from .test_cases import ACTOR, OTHER, reference_of, references_on

pytestmark = pytest.mark.integration
COLLEAGUE = "stina@teater.example"


def question(svc: Services, subject: str, body: str = "Hej", sender: str = ACTOR) -> str:
    """A question by mail through the real pipeline (its receipt stays queued: no relay here)."""
    mail = make_mail(subject, sender=sender, message_id=f"{abs(hash(subject))}@x.example", body=body)
    svc.pipeline.process([Item(raw=mail, source="test")])
    return reference_of(svc, subject)


def test_case_page_lists_the_requesters_and_the_organisations_other_cases(
    staff_services: Services,
    staff: StaffClient,
) -> None:
    svc = staff_services
    first = question(svc, "Lokal i våras", sender=ACTOR)
    second = question(svc, "Turné i höst", sender=ACTOR)
    colleague = question(svc, "Bidrag till kostym", sender=COLLEAGUE)
    stranger = question(svc, "Helt annat", sender=OTHER)
    with svc.db.unit_of_work() as session:
        case_service.set_fields(
            case_ops.find(session, first), organisation="Teater Gnistan", status="avslutad"
        )
        case_service.set_fields(case_ops.find(session, colleague), organisation=" teater gnistan ")
    page = staff.get(f"/app/arenden/{second}").text
    related = page[page.index('id="tidigare"') : page.index("<h2>Tråd</h2>")]
    assert references_on(related) == [first, colleague]  # the requester's first, then the colleagues'
    assert "1 ärende</summary>" in related and "Avslutad" in related and "Lokal i våras" in related
    assert stranger not in related and second not in related
    alone = staff.get(f"/app/arenden/{stranger}").text
    assert "har inga andra ärenden" in alone


def test_search_finds_by_address_name_and_organisation(staff_services: Services, staff: StaffClient) -> None:
    svc = staff_services
    mine = question(svc, "Fråga ett", body="Om lokaler", sender=ACTOR)
    other = question(svc, "Fråga två", body="Om turnéer", sender=OTHER)
    with svc.db.unit_of_work() as session:
        case_service.set_fields(case_ops.find(session, other), organisation="Föreningen Östra Scenen")
        case_ops.find(session, mine).contact.name = "Gunilla Åberg"
        case_service.set_fields(case_ops.find(session, mine), status="avslutad")

    def listed(query: str) -> list[str]:
        return references_on(staff.get(f"/app/arenden?status=alla&q={query}").text)

    assert listed("gunilla@teater") == [mine]
    assert listed("ÅBERG") == [mine]  # Swedish letters in any case, on both backends
    assert listed("östra scenen") == [other]
    assert listed("lokaler") == [mine]  # the text, as before
    assert listed("100%") == []  # LIKE's wildcards are only letters here
    with svc.db.unit_of_work() as session:
        assert [c.reference for c in case_search.search(session, "teater.example")] == [mine]


def test_the_count_says_which_statuses_it_covers(staff_services: Services, staff: StaffClient) -> None:
    svc = staff_services
    done = question(svc, "Tack för hjälpen", body="Allt klart nu.")
    with svc.db.unit_of_work() as session:
        case_service.set_fields(case_ops.find(session, done), status="avslutad")
    page = staff.get("/app/arenden?q=klart").text
    assert "0 öppna ärenden (ny, pågående eller väntar) som matchar ”klart”" in page
    assert 'href="?status=alla&amp;q=klart">Visa alla, även avslutade</a>' in page
    everything = staff.get("/app/arenden?q=klart&status=alla").text
    assert "1 ärende med alla statusar som matchar" in everything and "Visa alla, även" not in everything
    assert references_on(everything) == [done]
    closed = staff.get("/app/arenden?status=avslutad").text
    assert "1 ärende med status avslutad" in closed
