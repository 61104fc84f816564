"""The bulk import path (``bulk.insert_added`` under ``staff_actions.import_csv``): the same validation,
consent evidence and report as one ``service.add`` per row, on SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import func, select

from kulturkluster.db import Database
from subscribers import service, staff_actions
from subscribers.models import Channel, ConsentEvent, Status, Subscriber
from subscribers.service import Evidence

FILE = (
    "E-post;Namn\n"
    "ny@example.se;Ny Person\n"  # line 2: new
    "NY@EXAMPLE.SE;Samma igen\n"  # line 3: the same address in other case, later in the file
    "inte en adress;Fel\n"  # line 4: not an address
    "Anna@Example.SE;Anna\n"  # line 5: on the list as anna@example.se (active)
    "bo@example.se;Bo\n"  # line 6: left the list
    "cy@example.se;Cy\n"  # line 7: bounced
    ";\n"  # an empty row is no row
    "åsa@exempel.se;Åsa Ängström\n"  # line 9: new
).encode()


def seed(db: Database) -> None:
    evidence = Evidence(Channel.IMPORT, detail="seed", actor="test")
    with db.unit_of_work() as session:
        service.add(session, "anna@example.se", "Anna", Status.ACTIVE, evidence)
        service.add(session, "bo@example.se", "Bo", Status.UNSUBSCRIBED, evidence)
        service.add(session, "cy@example.se", "Cy", Status.BOUNCED, evidence)


def test_an_import_adds_only_new_addresses_with_their_evidence(db: Database) -> None:
    seed(db)
    evidence = staff_actions.import_evidence("lista.csv", "sam", "anmälningar Kulturfrukost")
    with db.unit_of_work() as session:
        preview = staff_actions.import_csv(session, FILE, Status.ACTIVE, evidence, dry_run=True)
    with db.unit_of_work() as session:
        assert session.scalar(select(func.count()).select_from(Subscriber)) == 3  # the preview wrote nothing
        done = staff_actions.import_csv(session, FILE, Status.ACTIVE, evidence)
    assert done.result == preview.result
    assert done.result.added == ("ny@example.se", "åsa@exempel.se")
    assert done.result.unchanged == ("Anna@example.se",)
    assert [(line, email) for line, email, _ in done.result.skipped] == [
        (6, "bo@example.se"),
        (7, "cy@example.se"),
    ]
    assert [r.line for r in done.rejected] == [3, 4]
    assert "rad 2" in done.rejected[0].reason
    with db.unit_of_work() as session:
        people = {s.email: s for s in session.scalars(select(Subscriber))}
        assert set(people) == {
            "anna@example.se",
            "bo@example.se",
            "cy@example.se",
            "ny@example.se",
            "åsa@exempel.se",
        }
        new = people["åsa@exempel.se"]
        assert (new.name, new.status, new.bounce_score) == ("Åsa Ängström", Status.ACTIVE, 0.0)
        assert new.subscribed_at is not None and new.created_at.tzinfo is not None
        assert (people["bo@example.se"].status, people["cy@example.se"].status) == ("unsubscribed", "bounced")
        [event] = session.scalars(select(ConsentEvent).where(ConsentEvent.subscriber_id == new.id))
        assert (event.action, event.old_status, event.new_status, event.channel) == (
            "added",
            None,
            "active",
            "import",
        )
        assert (event.evidence, event.actor) == ("anmälningar Kulturfrukost (lista.csv)", "sam")
        assert session.scalar(select(func.count()).select_from(ConsentEvent)) == 5  # 3 seeded, 2 added


def test_a_big_import_in_several_batches_and_a_pending_one(db: Database) -> None:
    rows = "".join(f"p{i}@example.se,Person {i}\n" for i in range(12_345))
    evidence = staff_actions.import_evidence("stor.csv", "sam")
    with db.unit_of_work() as session:
        done = staff_actions.import_csv(session, f"email,name\n{rows}".encode(), Status.PENDING, evidence)
    assert len(done.result.added) == 12_345
    with db.unit_of_work() as session:
        assert (
            session.scalar(select(func.count()).select_from(Subscriber).where(Subscriber.status == "pending"))
            == 12_345
        )
        assert (
            session.scalar(
                select(func.count()).select_from(Subscriber).where(Subscriber.subscribed_at.is_not(None))
            )
            == 0
        )
        # every subscriber has its own event, naming it
        matched = session.scalar(
            select(func.count())
            .select_from(ConsentEvent)
            .join(Subscriber, Subscriber.id == ConsentEvent.subscriber_id)
            .where(ConsentEvent.new_status == "pending", Subscriber.email.like("p%"))
        )
        assert matched == 12_345
        person = service.get(session, "p12344@example.se")
        assert person is not None and person.name == "Person 12344"
        assert [e.action for e in person.events] == ["added"]
        # the ORM adds the next one without colliding with the ids the bulk path took
        later = service.add(session, "senare@example.se", "", Status.ACTIVE, evidence)
        session.flush()
        assert later.id > person.id


def test_names_arrive_as_they_were(db: Database) -> None:
    names = ["", 'Sa "Sara" Ek, jr', "back\\slash\ttab", "rad\nbrytning", "NULL", "\\N", "Zoë Ünal"]
    rows = [(n + 2, f"n{n}@example.se", name) for n, name in enumerate(names)]
    with db.unit_of_work() as session:
        service.import_rows(session, rows, Status.ACTIVE, Evidence(Channel.IMPORT, detail="test"))
    with db.unit_of_work() as session:
        stored = {email: name for email, name in session.execute(select(Subscriber.email, Subscriber.name))}
    assert stored == {email: name for _line, email, name in rows}
