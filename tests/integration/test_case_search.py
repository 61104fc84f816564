"""Case search by case, on both backends: a thread matches as a whole, the case's words follow its messages
(a new message, a merge, anonymisation, a deleted case), and the inbox's page and count stay right."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import inspect, select
from sqlalchemy.orm import Session

from cases import operations as case_ops
from cases import search as case_search
from cases import service as case_service
from cases import store as case_store
from cases.models import Case, CaseStatus
from kulturkluster import migrate, privacy
from kulturkluster.db import Database, utcnow
from kulturkluster.migrate import alembic_config
from kulturkluster.wiring import Services
from subscribers import consent_days
from subscribers.models import ConsentEvent, Subscriber


def _case(
    session: Session, sender: str, subject: str, *notes: str, days_ago: int = 0, name: str = ""
) -> Case:
    case = case_service.open_case(session, sender, name, subject, utcnow() - timedelta(days=days_ago))
    session.flush()
    for note in notes:
        case_service.add_note(session, case, note, "elin")
    session.flush()
    return case


def _found(session: Session, query: str) -> list[str]:
    return [c.subject for c in case_search.search(session, query)]


def test_every_word_may_be_in_any_message_of_the_thread(services_factory: Callable[..., Services]) -> None:
    svc = services_factory()
    with svc.db.unit_of_work() as session:
        _case(session, "a@x.se", "Turné", "Vi söker bidrag.", "Spelplatsen är Eskilstuna.")
        _case(session, "b@x.se", "Lokal", "Bidragen gäller Nyköping.")
    with svc.db.unit_of_work() as session:
        assert _found(session, "bidrag eskilstuna") == ["Turné"]  # the words are in two messages
        assert sorted(_found(session, "bidrag")) == ["Lokal", "Turné"]
        assert _found(session, "bidrag göteborg") == []


def test_the_case_words_follow_new_messages_merges_and_anonymisation(
    services_factory: Callable[..., Services],
) -> None:
    svc = services_factory()
    with svc.db.unit_of_work() as session:
        first = _case(session, "a@x.se", "Första", "Om teatern.")
        second = _case(session, "b@x.se", "Andra", "Om konserten.")
        refs = first.reference, second.reference
    with svc.db.unit_of_work() as session:
        assert _found(session, "konsert") == ["Andra"]
        case_service.add_note(
            session, case_ops.find(session, refs[0]), "Ringde om dansföreställningen", "elin"
        )
    with svc.db.unit_of_work() as session:
        assert _found(session, "dansföreställning") == ["Första"]  # a new message's words
        case_ops.merge(session, case_ops.find(session, refs[1]), case_ops.find(session, refs[0]))
    with svc.db.unit_of_work() as session:
        assert _found(session, "konsert") == ["Första"]  # moved with the message; "Andra" is merged away
        everything = select(Case).where(Case.merged_into_id.isnot(None))
        assert case_search.page(session, everything, "konsert", 0, 10).total == 0  # nothing left to find
        privacy.anonymise_case(session, case_ops.find(session, refs[0]), svc.attachments)
    with svc.db.unit_of_work() as session:
        assert _found(session, "teater") == _found(session, "konsert") == []


def test_a_deleted_message_takes_its_words_along(services_factory: Callable[..., Services]) -> None:
    svc = services_factory()
    with svc.db.unit_of_work() as session:
        case = _case(session, "a@x.se", "Fråga", "Om teatern.", "Om cirkusen.")
        session.refresh(case)
        session.delete(case.messages[-1])
    with svc.db.unit_of_work() as session:
        assert _found(session, "cirkus") == [] and _found(session, "teater") == ["Fråga"]


def test_requester_first_then_better_match_then_newest(services_factory: Callable[..., Services]) -> None:
    svc = services_factory()
    with svc.db.unit_of_work() as session:
        _case(session, "kor@x.se", "Nyast, en gång", "Om körsång.", days_ago=1)
        _case(session, "kor@x.se", "Äldst, en gång", "Om körsång.", days_ago=3)
        _case(session, "kor@x.se", "Tre gånger", "Körsång.", "Mer körsång.", "Ännu mer körsång.", days_ago=5)
        _case(session, "info@kor.example", "Från kören", "Om annat.", days_ago=9, name="Körsång i Flen")
    with svc.db.unit_of_work() as session:
        # The requester's name holds the word: first, though the thread does not; then the thread with
        # the word three times; then the two with it once, the newer first.
        assert _found(session, "körsång") == ["Från kören", "Tre gånger", "Nyast, en gång", "Äldst, en gång"]


def test_the_inbox_pages_and_counts_matches_with_its_filters(
    services_factory: Callable[..., Services],
) -> None:
    svc = services_factory()
    with svc.db.unit_of_work() as session:
        for n in range(57):
            case = _case(session, f"p{n}@x.se", f"Fråga {n}", "Om festivalen i sommar.", days_ago=n)
            if n % 19 == 0:
                case_service.set_status(case, CaseStatus.CLOSED)
        _case(session, "q@x.se", "Annat", "Om vintern.")
    open_cases = case_store.list_query(open_only=True, by_activity=True)
    with svc.db.unit_of_work() as session:
        first = case_search.page(session, open_cases, "festival", 0, 50)
        second = case_search.page(session, open_cases, "festival", 50, 50)
        beyond = case_search.page(session, open_cases, "festival", 100, 50)
        everything = case_search.page(session, case_store.list_query(), "festival", 0, 100)
    assert first.total == second.total == beyond.total == 54  # 57 less the 3 closed ones
    assert len(first.cases) == 50 and len(second.cases) == 4 and beyond.cases == []
    shown = [c.subject for c in first.cases + second.cases]
    assert len(set(shown)) == 54 and "Fråga 0" not in shown and "Fråga 19" not in shown
    assert shown[:3] == ["Fråga 1", "Fråga 2", "Fråga 3"]  # equal matches: the newest first
    assert everything.total == 57 and len(everything.cases) == 57
    with svc.db.unit_of_work() as session:
        assert case_search.page(session, open_cases, "!!!", 0, 50).total == 0
        assert case_search.page(session, open_cases, "vinter", 0, 50).total == 1


def test_a_thread_past_the_size_of_one_document_still_takes_messages(
    services_factory: Callable[..., Services],
) -> None:
    """A tsvector holds at most 1 MB: a message that would push its case's document past that is stored
    (never refused), its words stay findable in the message's own index; the case keeps what it had."""
    svc = services_factory()
    if svc.db.dialect != "postgresql":
        return  # SQLite indexes each message on its own
    words = [f"ord{n:06d}x" for n in range(70_000)]  # two halves of ~600 KB as documents
    with svc.db.unit_of_work() as session:
        case = _case(session, "a@x.se", "Lång", " ".join(words[:35_000]))
        _case(session, "b@x.se", "Kort", "Om ord000001x.")
        case_service.add_note(session, case, " ".join(words[35_000:]), "elin")
        case_service.add_note(session, case, "Slutord", "elin")
    with svc.db.unit_of_work() as session:
        assert sorted(_found(session, "ord000001x")) == ["Kort", "Lång"]
        assert _found(session, "slutord") == ["Lång"]  # a small message after it still counts
        assert _found(session, "ord069999x") == []  # the one past the limit: not in the case's document


def test_the_migration_fills_the_documents_and_day_counts_from_what_was_stored(db: Database) -> None:
    """Cases, messages and consent events written before migration 0021 are found and counted after it."""
    from alembic import command

    config = alembic_config(db.url)
    with db.engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "0020")
    with db.unit_of_work() as session:
        _case(session, "a@x.se", "Gammal", "Om bidragen.", "Och om keramiken.")
        person = Subscriber(email="s@x.se", status="active")
        session.add(person)
        session.flush()
        session.add_all(
            ConsentEvent(
                subscriber_id=person.id, at=at, action="x", old_status=old, new_status=new, channel="email"
            )
            for at, old, new in (
                (datetime(2025, 5, 1, 9, tzinfo=UTC), None, "active"),
                (datetime(2025, 5, 1, 23, tzinfo=UTC), "active", "unsubscribed"),
                (datetime(2025, 6, 2, 9, tzinfo=UTC), "unsubscribed", "active"),
            )
        )
    migrate.upgrade(db)
    # The report's lookup of an issue's recipients has its index on SQLite too (0018 had rebuilt it away).
    assert "ix_deliveries_newsletter_subscriber" in {
        ix["name"] for ix in inspect(db.engine).get_indexes("deliveries")
    }
    with db.unit_of_work() as session:
        assert _found(session, "bidrag keramik") == ["Gammal"]
        may = consent_days.changes(session, [("maj", date(2025, 5, 1), date(2025, 6, 1))])
        assert sorted(may, key=str) == [("maj", "active", "unsubscribed", 1), ("maj", None, "active", 1)]
        assert consent_days.changes(session, [("", date(2025, 6, 1), None)]) == [
            ("", "unsubscribed", "active", 1)
        ]


def test_a_requester_pattern_is_taken_literally(services_factory: Callable[..., Services]) -> None:
    """ "%", "_" and "/" in a search are characters to find, not wildcards; quotes are plain text."""
    svc = services_factory()
    with svc.db.unit_of_work() as session:
        _case(session, "a@x.se", "Rabatt", "Om annat.", name="Butik 50% av/på")
        _case(session, "b@x.se", "Annan", "Om annat.", name="Butik 500 kr")
        _case(session, "c@x.se", "Citat", "Om annat.", name="O'Brien")
    with svc.db.unit_of_work() as session:
        assert _found(session, "50%") == ["Rabatt"]
        assert _found(session, "av/på") == ["Rabatt"]
        assert _found(session, "5_0") == []
        assert _found(session, "o'brien") == ["Citat"]
        # The words are written into the statement's text: quotes and backslashes stay inside the literal.
        assert _found(session, "x' OR '1'='1") == []
        assert _found(session, "zzz\\' OR 1=1) --") == []
