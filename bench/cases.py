"""Case threading and search on a large case store (default 100,000 stored messages).

    .venv/bin/python bench/cases.py [-n 100000] [--backend sqlite|postgresql|both]

Seeds N case messages (N/5 cases of five messages, realistic Swedish text) with bulk inserts, then times:
- threading: ``cases.store.match_for`` for replies found by In-Reply-To, by our signed token's reference,
  and by a subject tag from a participant (what every inbound case mail costs);
- search: ``cases.search.search`` for single words and word pairs in several word forms.
"""

from __future__ import annotations

import argparse
import functools
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cases import search as case_search
from cases import store as case_store
from cases.models import Case, CaseMessage, CaseSequence, Contact
from kulturkluster.db import Database
from tests.servers.databases import scratch_database

WORDS = [
    "bidrag",
    "bidragen",
    "ansökan",
    "ansökningar",
    "kulturfrukost",
    "speed-dejting",
    "nätverk",
    "förening",
    "föreningen",
    "scenkonst",
    "musik",
    "konstnär",
    "konstnären",
    "utställning",
    "lokal",
    "lokalen",
    "repetition",
    "Nyköping",
    "Eskilstuna",
    "Katrineholm",
    "Strängnäs",
    "Flen",
    "Gnesta",
    "Oxelösund",
    "Trosa",
    "Vingåker",
    "utvecklingscheck",
    "utvecklingschecken",
    "kunskap",
    "stöd",
    "kontakt",
    "kurs",
    "kursen",
    "workshop",
    "festival",
    "festivalen",
    "budget",
    "projekt",
    "projektet",
    "samverkan",
    "region",
    "kommun",
    "arrangör",
    "publik",
    "barn",
    "unga",
]
FILLER = [
    "hej",
    "vi",
    "undrar",
    "om",
    "ni",
    "kan",
    "hjälpa",
    "oss",
    "med",
    "en",
    "fråga",
    "tack",
    "på",
    "förhand",
    "och",
    "vänliga",
    "hälsningar",
]
QUERIES = [
    "bidrag",
    "bidragen",
    "kulturfrukost",
    "lokalen",
    "festival Eskilstuna",
    "ansökningar",
    "utställning",
]


def _text(rng: random.Random) -> str:
    words = [rng.choice(WORDS if rng.random() < 0.3 else FILLER) for _ in range(rng.randint(20, 120))]
    return " ".join(words).capitalize() + "."


def seed(db: Database, messages: int, rng: random.Random) -> float:
    started = time.perf_counter()
    cases = messages // 5
    stem = db.dialect == "sqlite"
    now = datetime.now(UTC)
    with db.engine.begin() as conn:
        conn.execute(
            insert(Contact),
            [{"id": i + 1, "email": f"aktor{i}@ex.se", "name": f"Aktör {i}"} for i in range(cases)],
        )
        conn.execute(insert(CaseSequence), [{"year": now.year, "last_number": cases}])
        for start in range(0, cases, 5000):
            rows = []
            for i in range(start, min(start + 5000, cases)):
                received = now - timedelta(minutes=i)
                rows.append(
                    {
                        "id": i + 1,
                        "reference": f"KK-{now.year}-{i + 1:04d}",
                        "contact_id": i + 1,
                        "subject": f"Fråga om {rng.choice(WORDS)}",
                        "status": "ny",
                        "received_at": received,
                        "updated_at": received,
                    }
                )
            conn.execute(insert(Case), rows)
        batch = []
        for n in range(messages):
            case_id = n // 5 + 1
            subject, body = f"Fråga om {rng.choice(WORDS)}", _text(rng)
            batch.append(
                {
                    "case_id": case_id,
                    "direction": "in" if n % 5 != 1 else "out",
                    "message_id": f"m{n}@bench",
                    "from_address": f"aktor{case_id - 1}@ex.se",
                    "subject": subject,
                    "text": body,
                    "created_at": now - timedelta(minutes=case_id, seconds=-(n % 5)),
                    "search_text": case_search.stemmed(subject, body) if stem else None,
                }
            )
            if len(batch) == 5000:
                conn.execute(insert(CaseMessage), batch)
                batch = []
        if batch:
            conn.execute(insert(CaseMessage), batch)
    return time.perf_counter() - started


def _timed(calls: list[Callable[[], object]]) -> tuple[float, float, float]:
    """(calls per second, median ms, 95th percentile ms)."""
    times = []
    for call in calls:
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    ordered = sorted(times)
    return 1000 * len(times) / sum(times), statistics.median(times), ordered[int(0.95 * (len(ordered) - 1))]


def run(backend: str, messages: int, seed_value: int) -> None:
    rng = random.Random(seed_value)
    with tempfile.TemporaryDirectory() as tmp, scratch_database(backend, Path(tmp)) as db:
        seconds = seed(db, messages, rng)
        cases = messages // 5
        year = datetime.now(UTC).year
        print(f"{backend:<10} seeded {messages:,} messages in {cases:,} cases in {seconds:.1f} s")
        window = timedelta(days=30)
        with db.session() as session:

            def by_thread() -> object:
                n = rng.randrange(messages)
                return case_store.match_for(
                    session, sender=f"aktor{n // 5}@ex.se", token_references=[], thread_ids=[f"m{n}@bench"],
                    subject="SV: Fråga", reopen_window=window,
                )  # fmt: skip

            def by_token() -> object:
                i = rng.randrange(cases)
                return case_store.match_for(
                    session, sender=f"aktor{i}@ex.se", token_references=[f"KK-{year}-{i + 1:04d}"], thread_ids=[],
                    subject="SV: Ditt svar", reopen_window=window,
                )  # fmt: skip

            def by_tag() -> object:
                i = rng.randrange(cases)
                return case_store.match_for(
                    session, sender=f"aktor{i}@ex.se", token_references=[], thread_ids=[],
                    subject=f"Re: [KK-{year}-{i + 1:04d}] en sak till", reopen_window=window,
                )  # fmt: skip

            for name, call in (("In-Reply-To", by_thread), ("token", by_token), ("subject tag", by_tag)):
                rate, median, p95 = _timed([call] * 2000)
                print(
                    f"           threading by {name:<12} {rate:8,.0f}/s  median {median:.2f} ms  p95 {p95:.2f} ms"
                )
            for query in QUERIES:
                found = len(case_search.search(session, query))
                rate, median, p95 = _timed([functools.partial(case_search.search, session, query)] * 20)
                print(
                    f"           search {query!r:<24} {found:>3} hits (limit 50)  median {median:7.1f} ms  p95 {p95:7.1f} ms"
                )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", "--messages", type=int, default=100_000)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    for backend in ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]:
        run(backend, args.messages, args.seed)


if __name__ == "__main__":
    main()
