"""Cases opened within one inbound batch: a sender's new cases are counted before they are saved."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select

from cases.models import Case, CaseMessage
from inbound.sources.base import Item
from kulturkluster.wiring import Services
from tests.integration.test_pipeline import make_mail

Factory = Callable[..., Services]


def test_a_sender_over_the_daily_limit_in_one_batch_joins_its_newest_case(services_factory: Factory) -> None:
    svc = services_factory(cases={"new_per_sender_per_day": 2})
    mails = [
        make_mail(f"Ämne {n}", sender="bot@example.se", message_id=f"bot{n}@x", body=f"Fråga {n}")
        for n in range(4)
    ]
    mails.insert(2, make_mail("Något annat", sender="anna@example.se", message_id="anna@x"))
    svc.pipeline.process([Item(raw, "t") for raw in mails])
    with svc.db.unit_of_work() as session:
        cases = {c.subject: c.id for c in session.scalars(select(Case))}
        threads = {
            m.message_id: m.case_id for m in session.scalars(select(CaseMessage)) if m.message_id is not None
        }
    assert set(cases) == {"Ämne 0", "Ämne 1", "Något annat"}
    assert threads["bot2@x"] == threads["bot3@x"] == cases["Ämne 1"]  # the newest open one of the two
    assert threads["anna@x"] == cases["Något annat"]
