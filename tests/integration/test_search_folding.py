"""Searches match Swedish (and other) letters in any case on both backends: SQLite's own ``lower()``
folds ASCII only, so "östlund" must still find "Östlund" there."""

from __future__ import annotations

from collections.abc import Callable

from cases import search as case_search
from inbound import store as inbound_store
from inbound.sources.base import Item
from kulturkluster.wiring import Services
from subscribers import service, staff_actions
from subscribers.models import Channel, Status
from subscribers.service import Evidence
from tests.integration.test_pipeline import make_mail


def test_subscriber_search_folds_non_ascii_letters(services_factory: Callable[..., Services]) -> None:
    svc = services_factory()
    with svc.db.unit_of_work() as session:
        for email, name in (
            ("karin@example.se", "Karin Östlund"),
            ("per@example.se", "Per Åberg"),
            ("andre@example.se", "André Ek"),
        ):
            service.add(session, email, name, Status.ACTIVE, Evidence(Channel.STAFF, detail="test"))
    with svc.db.unit_of_work() as session:

        def names(text: str) -> list[str | None]:
            return [s.name for s in staff_actions.search(session, text).rows]

        assert names("Östlund") == names("östlund") == names("ÖSTLUND") == ["Karin Östlund"]
        assert names("åberg") == names("ÅBERG") == ["Per Åberg"]
        assert names("ANDRÉ") == ["André Ek"]


def test_inbound_and_case_search_fold_non_ascii_letters(services_factory: Callable[..., Services]) -> None:
    svc = services_factory()
    mail = make_mail(
        "Fråga från Östlund", sender="karin@example.se", message_id="f1@x", body="Hälsningar, Åberg"
    )
    svc.pipeline.process([Item(raw=mail, source="test")])
    with svc.db.unit_of_work() as session:
        assert [m.subject for m in inbound_store.list_messages(session, None, 10, search="östlund")] == [
            "Fråga från Östlund"
        ]
        assert inbound_store.list_messages(session, None, 10, search="FRÅGA")
        assert [c.subject for c in case_search.search(session, "åberg")] == ["Fråga från Östlund"]
        assert [c.subject for c in case_search.search(session, "ÖSTLUND")] == ["Fråga från Östlund"]
