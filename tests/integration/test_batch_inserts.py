"""A batch's new rows are written a table at a time, and every row still gets its own id.

The rows of one batch are inserted with multi-row statements (SQLite numbers them in the order of their
VALUES, see ``kulturkluster.db``); these tests check that no row is paired with another's id: each case
message belongs to the case opened for its mail, each stored mail to its own receipt.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event, func, select

from cases.models import Case, CaseMessage, Contact
from inbound.classify import Route
from inbound.models import InboundMessage
from inbound.sources.base import Item
from kulturkluster.preassigned_ids import expect_many_rows
from kulturkluster.wiring import Services
from mailer.models import OutgoingMessage
from tests.integration.test_pipeline import make_mail

Factory = Callable[..., Services]
COUNT = 250  # more than one batch of the pipeline's default, fewer than SQLite's bound parameters allow


@contextmanager
def counted_inserts(svc: Services) -> Iterator[dict[str, int]]:
    """INSERT statements sent to the database while the block runs, by table."""
    counts: dict[str, int] = {}

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.lstrip().upper().startswith("INSERT INTO"):
            table = statement.split()[2].strip('"')
            counts[table] = counts.get(table, 0) + 1

    event.listen(svc.db.engine, "before_cursor_execute", count)
    try:
        yield counts
    finally:
        event.remove(svc.db.engine, "before_cursor_execute", count)


def _mails() -> list[bytes]:
    return [
        make_mail(f"Fråga nummer {n}", sender=f"aktor{n}@forening.se", message_id=f"q{n}@x", body=f"Text {n}")
        for n in range(COUNT)
    ]


def test_each_mail_of_a_big_batch_keeps_its_own_ids(services_factory: Factory) -> None:
    svc = services_factory()
    svc.pipeline.process([Item(raw, "t", ref=str(n)) for n, raw in enumerate(_mails())])
    with svc.db.unit_of_work() as session:
        inbound = {row.id: row for row in session.scalars(select(InboundMessage))}
        cases = {case.id: case for case in session.scalars(select(Case))}
        contacts = {contact.id: contact for contact in session.scalars(select(Contact))}
        messages = list(session.scalars(select(CaseMessage)))
        receipts = list(session.scalars(select(OutgoingMessage)))
    assert len(inbound) == len(cases) == len(messages) == len(receipts) == COUNT
    for row in inbound.values():
        assert row.message_id == f"q{row.source_ref}@x"
    for message in messages:
        mail = inbound[message.inbound_message_id or 0]
        case = cases[message.case_id]
        assert message.message_id == mail.message_id
        assert case.subject == mail.subject == message.subject
        assert contacts[case.contact_id].email == mail.from_address
    for receipt in receipts:
        assert receipt.to_address == inbound[receipt.inbound_message_id or 0].from_address


def test_a_batch_writes_each_table_in_a_few_statements(services_factory: Factory) -> None:
    svc = services_factory()
    with counted_inserts(svc) as inserts:
        svc.pipeline.process([Item(raw, "t") for raw in _mails()])
    for table in ("inbound_messages", "contacts", "cases", "case_messages", "outgoing_messages"):
        assert 1 <= inserts.get(table, 0) <= 3, (table, inserts)


def test_postgresql_gets_each_tables_rows_as_one_short_statement(services_factory: Factory) -> None:
    """PostgreSQL: a batch's rows go as an executemany of the one-row INSERT, which psycopg converts
    once, not as one statement with a placeholder per value (psycopg caches no statement with more than
    50), which is what a column read back after the INSERT would force."""
    svc = services_factory()
    if svc.db.dialect != "postgresql":
        pytest.skip("SQLite writes a batch's rows with multi-row INSERTs on purpose")
    statements: list[str] = []

    def seen(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.lstrip().upper().startswith("INSERT INTO"):
            statements.append(statement)

    event.listen(svc.db.engine, "before_cursor_execute", seen)
    try:
        svc.pipeline.process([Item(raw, "t") for raw in _mails()])
    finally:
        event.remove(svc.db.engine, "before_cursor_execute", seen)
    tables = {statement.split()[2] for statement in statements}
    assert {"inbound_messages", "contacts", "cases", "case_messages", "outgoing_messages"} <= tables
    long_ones = [statement[:60] for statement in statements if "__0)s" in statement]
    assert long_ones == []


def test_a_failing_handler_leaves_no_held_answer_behind(
    services_factory: Factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An answer held for the batch's one write is dropped with the savepoint of the mail that failed."""
    svc = services_factory()
    original = svc.system_mailer.answer

    def fails_after_answering(session: Any, answer: Any, *batch: Any) -> None:
        original(session, answer, *batch)  # held for the batch's write ...
        if answer.to_address == "aktor1@forening.se":
            raise RuntimeError("fails after its answer was queued")  # ... then the handler fails

    monkeypatch.setattr(svc.system_mailer, "answer", fails_after_answering)
    outcomes = svc.pipeline.process([Item(raw, "t") for raw in _mails()[:3]])
    assert [o.route for o in outcomes] == [Route.NEW_CASE, Route.QUARANTINE, Route.NEW_CASE]
    with svc.db.unit_of_work() as session:
        answered = sorted(session.scalars(select(OutgoingMessage.to_address)))
        opened = session.scalar(select(func.count()).select_from(Case))
    assert answered == ["aktor0@forening.se", "aktor2@forening.se"]
    assert opened == 2


def test_many_new_rows_take_their_ids_from_the_sequence(services_factory: Factory) -> None:
    """PostgreSQL: a session that expects many rows draws their ids first and inserts them without
    RETURNING; any other session inserts as before. The ids do not collide either way."""
    svc = services_factory()
    statements: list[str] = []

    def seen(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(" ".join(statement.split()))

    event.listen(svc.db.engine, "before_cursor_execute", seen)
    try:
        with svc.db.unit_of_work() as session:
            expect_many_rows(session)
            session.add_all(Contact(email=f"k{n}@forening.se", name=f"K {n}") for n in range(30))
        many = [s for s in statements if s.startswith("INSERT INTO contacts")]
        statements.clear()
        with svc.db.unit_of_work() as session:
            one = Contact(email="ensam@forening.se", name="Ensam")
            session.add(one)
        single = [s for s in statements if s.startswith("INSERT INTO contacts")]
    finally:
        event.remove(svc.db.engine, "before_cursor_execute", seen)
    with svc.db.unit_of_work() as session:
        ids = sorted(session.scalars(select(Contact.id)))
    assert len(ids) == len(set(ids)) == 31
    assert one.id == ids[-1]  # the column's own default continues after the drawn ids
    if svc.db.dialect == "postgresql":
        assert len(many) == 1 and "RETURNING" not in many[0] and "(id, " in many[0]
        assert len(single) == 1 and "RETURNING" in single[0]
