"""Swedish on the staff pages: "1 adress" but "2 adresser", decimal commas, Swedish reasons with the
classifier's technical detail behind a disclosure, consent evidence in Swedish time."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from inbound.sources.base import Item
from kulturkluster.wiring import Services
from subscribers import requests, service
from subscribers.models import Channel, ConsentEvent, Status
from subscribers.service import Evidence
from subscribers.tokens import Purpose, TokenClaim
from tests.conftest import mail_bytes

from .conftest import StaffClient

pytestmark = pytest.mark.integration
BY_HAND = Evidence(Channel.STAFF, detail="test", actor="sam")


def test_one_address_two_addresses_and_decimal_commas(staff_services: Services, staff: StaffClient) -> None:
    with staff_services.db.unit_of_work() as session:
        service.add(session, "anna@example.se", "Anna", Status.ACTIVE, BY_HAND)
    assert "1 adress i listan, varav 1 aktiv." in staff.get("/app/prenumeranter").text
    with staff_services.db.unit_of_work() as session:
        service.add(session, "bo@example.se", "Bo", Status.PENDING, BY_HAND)
        bo = service.get(session, "bo@example.se")
        assert bo is not None
        bo.bounce_score, bo_id = 1.5, bo.id
    assert "2 adresser i listan, varav 1 aktiv." in staff.get("/app/prenumeranter").text
    person = staff.get(f"/app/prenumeranter/{bo_id}").text
    assert "<dd>1,5" in person and "1.5" not in person


def test_consent_evidence_is_swedish_in_swedish_time(staff_services: Services, staff: StaffClient) -> None:
    with staff_services.db.unit_of_work() as session:
        service.add(session, "cilla@example.se", "Cilla", Status.PENDING, BY_HAND)
    issued = datetime(2026, 1, 15, 9, 30, tzinfo=UTC)  # 10:30 in Stockholm (winter time)
    with staff_services.db.unit_of_work() as session:
        requests.confirm_by_link(session, TokenClaim(Purpose.CONFIRM, "cilla@example.se", issued))
        evidence = session.scalars(select(ConsentEvent.evidence).order_by(ConsentEvent.id.desc())).first()
    assert evidence == "knappen på bekräftelsesidan; signerad länk utfärdad 2026-01-15 10:30 (svensk tid)"


def test_rule_reasons_are_swedish_with_the_detail_behind_a_disclosure(
    staff_services: Services, staff: StaffClient
) -> None:
    staff_services.pipeline.process([Item(raw=mail_bytes("subscribe__plain.eml"), source="test")])
    page = staff.get("/app/inkommande").text
    assert "Ämnesraden ber om en prenumeration." in page
    assert '<details class="rule-detail"><summary>Teknisk detalj</summary><small lang="en">' in page
    with staff_services.db.unit_of_work() as session:
        evidence = session.scalars(select(ConsentEvent.evidence)).one()
    assert evidence and evidence.startswith("Ämnesraden ber om en prenumeration. Från: ")
