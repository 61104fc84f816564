"""Two requests about one address at once, and one address spelled two ways, never mail someone twice or
put someone who left back on the list."""

from __future__ import annotations

import pytest

from kulturkluster.db import Database
from subscribers import service
from subscribers.models import Channel, Status
from subscribers.service import ConfirmOutcome, Evidence

pytestmark = pytest.mark.integration
LINK = Evidence(channel=Channel.LINK, detail="bekräftelselänk")


def test_a_second_confirmation_in_flight_sees_the_first(db: Database) -> None:
    if db.dialect != "postgresql":
        pytest.skip("SQLite runs one writing transaction at a time; the race needs PostgreSQL")
    with db.unit_of_work() as session:
        service.add(session, "p@x.se", "P", Status.PENDING, LINK)
    first, second = db.session(), db.session()
    with first, second:
        first.begin()
        second.begin()
        seen = service.get(second, "p@x.se")  # the other request has read the row (and keeps it)
        assert seen is not None and seen.status == Status.PENDING
        assert service.confirm(first, "p@x.se", LINK) is ConfirmOutcome.ACTIVATED
        first.commit()
        # The double click: it read "pending" before, but deciding locks and re-reads the row
        assert service.confirm(second, "p@x.se", LINK) is ConfirmOutcome.ALREADY_ACTIVE
        second.commit()


def test_an_import_does_not_bring_back_someone_who_left_under_another_spelling(db: Database) -> None:
    imported = Evidence(channel=Channel.IMPORT, detail="lista.csv")
    with db.unit_of_work() as session:
        service.add(session, "anna@x.se", "Anna", Status.ACTIVE, imported)
        service.add(session, "bo@x.se", "Bo", Status.ACTIVE, imported)
        service.unsubscribe(session, "anna@x.se", LINK)
    rows = [(2, "Anna@x.se", "Anna"), (3, "BO@x.se", "Bo"), (4, "ny@x.se", "Ny")]
    with db.unit_of_work() as session:
        result = service.import_rows(session, rows, Status.ACTIVE, imported)
    assert result.added == ("ny@x.se",)
    assert result.unchanged == ("BO@x.se",)
    assert [line for line, _email, _why in result.skipped] == [2]
    with db.unit_of_work() as session:
        assert service.get(session, "Anna@x.se") is None
