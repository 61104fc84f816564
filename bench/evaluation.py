"""The evaluation report, case search by who asked and a case's context on a large store.

    .venv/bin/python bench/evaluation.py [--cases 100000] [--events 1100000] [--backend postgresql|sqlite|both]

Seeds N cases over five years (contacts with organisations and typed municipalities, every channel),
a list whose consent log has M events, and 60 newsletters with their deliveries, with bulk inserts; then
times ``report_queries.evaluation`` (beside a same-run reference: counting the period's cases and
consent events, the least any report must read) for this year and for the whole five years, ``cases.search.search`` for
an address, a name and an organisation, and ``cases.related.related`` for a case (median and 95th
percentile of 10 calls each, after one warm-up call).
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert, text

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cases import related, report_queries
from cases import search as case_search
from cases.models import Case, CaseSequence, Contact
from cases.reports import Period
from kulturkluster.db import Database
from mailer.campaign_models import Delivery, Newsletter
from subscribers.models import ConsentEvent, Subscriber
from tests.servers.databases import scratch_database

PLACES = ["Flen", "Nyköping", "Eskilstuna kommun", "strängnäs", "Trosa", "Stockholm", "", "Katrineholm"]
CHANNELS = ["epost", "epost", "epost", "telefon", "besok", "mote", "evenemang"]
YEARS = 5


def seed(db: Database, cases: int, events: int, rng: random.Random) -> float:
    started = time.perf_counter()
    now = datetime.now(UTC)
    span = timedelta(days=365 * YEARS).total_seconds()
    contacts = max(cases // 3, 1)
    subscribers = max(events // 10, 1)
    with db.engine.begin() as conn:
        conn.execute(
            insert(Contact),
            [
                {
                    "id": i + 1,
                    "email": f"aktor{i}@ex.se",
                    "name": f"Aktör {i}",
                    "organisation": f"Förening {i // 4}" if i % 3 else "",
                    "municipality": rng.choice(PLACES),
                }
                for i in range(contacts)
            ],
        )
        conn.execute(insert(CaseSequence), [{"year": now.year, "last_number": cases}])
        for start in range(0, cases, 10000):
            rows = []
            for i in range(start, min(start + 10000, cases)):
                received = now - timedelta(seconds=rng.random() * span)
                answered = received + timedelta(hours=rng.random() * 100)
                rows.append(
                    {
                        "id": i + 1,
                        "reference": f"KK-{now.year}-{i + 1:06d}",
                        "contact_id": rng.randrange(contacts) + 1,
                        "subject": "Fråga",
                        "status": "avslutad" if i % 4 else "ny",
                        "focus_area": rng.choice(["stöd", "kunskap", "kontakt", None]),
                        "actor_type": rng.choice(["förening", "företagare", None]),
                        "channel": rng.choice(CHANNELS),
                        "received_at": received,
                        "updated_at": received,
                        "first_response_at": answered if i % 5 else None,
                        "closed_at": answered + timedelta(hours=20) if i % 4 else None,
                    }
                )
            conn.execute(insert(Case), rows)
        conn.execute(
            insert(Subscriber),
            [
                {"id": i + 1, "email": f"s{i}@ex.se", "status": "active" if i % 5 else "unsubscribed"}
                for i in range(subscribers)
            ],
        )
        statuses = ["pending", "active", "unsubscribed", "active", "bounced", "active"]
        for start in range(0, events, 20000):
            rows = []
            for _n in range(start, min(start + 20000, events)):
                old, new = rng.sample(statuses, 2)
                rows.append(
                    {
                        "subscriber_id": rng.randrange(subscribers) + 1,
                        "at": now - timedelta(seconds=rng.random() * span),
                        "action": "bench",
                        "old_status": old,
                        "new_status": new,
                        "channel": "email",
                    }
                )
            conn.execute(insert(ConsentEvent), rows)
        for n in range(60):
            sent = now - timedelta(days=30 * n + 3)
            letter = conn.execute(
                insert(Newsletter).returning(Newsletter.id),
                [
                    {
                        "template": "t",
                        "subject": f"Brev {n}",
                        "content": "",
                        "status": "sent",
                        "started_at": sent,
                    }
                ],
            ).scalar_one()
            conn.execute(
                insert(Delivery),
                [
                    {
                        "newsletter_id": letter,
                        "subscriber_id": s + 1,
                        "email": f"s{s}@ex.se",
                        "status": "sent" if s % 50 else "failed",
                    }
                    for s in rng.sample(range(subscribers), min(subscribers, 3000))
                ],
            )
    if db.dialect == "postgresql":  # as autovacuum leaves a table: statistics and the visibility map
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
    return time.perf_counter() - started


def timed(call: Callable[[], object], times: int = 10) -> tuple[float, float]:
    call()  # warm up
    samples = []
    for _ in range(times):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    ordered = sorted(samples)
    return statistics.median(samples), ordered[int(0.95 * (len(ordered) - 1))]


def run(backend: str, cases: int, events: int) -> None:
    rng = random.Random(15)
    with tempfile.TemporaryDirectory() as tmp, scratch_database(backend, Path(tmp)) as db:
        seconds = seed(db, cases, events, rng)
        print(f"{backend:<10} seeded {cases:,} cases and {events:,} consent events in {seconds:.0f} s")
        today = datetime.now(UTC).date()
        this_year = Period(date(today.year, 1, 1), today)
        everything = Period(today - timedelta(days=365 * YEARS), today)
        with db.session() as session:
            case = session.get(Case, cases // 2)
            assert case is not None

            def floor(period: Period) -> object:
                """The least any report must do: count the period's cases and consent events."""
                start = period.start_at
                return session.execute(
                    text(
                        "SELECT (SELECT count(*) FROM cases WHERE received_at >= :start),"
                        " (SELECT count(*) FROM consent_events WHERE at >= :start)"
                    ),
                    {"start": start},
                ).one()

            checks: list[tuple[str, Callable[[], object]]] = [
                ("reference: count, this year", lambda: floor(this_year)),
                ("report, this year", lambda: report_queries.evaluation(session, this_year)),
                ("reference: count, 5 years", lambda: floor(everything)),
                (f"report, {YEARS} years", lambda: report_queries.evaluation(session, everything)),
                ("search an address", lambda: case_search.search(session, "aktor123@ex.se")),
                ("search an organisation", lambda: case_search.search(session, "förening 77")),
                ("a case's context", lambda: related.related(session, case)),
            ]
            for name, call in checks:
                median, p95 = timed(call)
                print(f"  {name:<26} median {median:7.1f} ms   p95 {p95:7.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--events", type=int, default=1_100_000)
    parser.add_argument("--backend", choices=["postgresql", "sqlite", "both"], default="postgresql")
    args = parser.parse_args()
    for backend in ["postgresql", "sqlite"] if args.backend == "both" else [args.backend]:
        run(backend, args.cases, args.events)


if __name__ == "__main__":
    main()
