"""A big subscriber CSV import, as ``kulturkluster subscribers import`` runs it, against ``psql \\copy``.

    .venv/bin/python bench/import.py                          # 1,000,000 rows, PostgreSQL, 3 runs
    .venv/bin/python bench/import.py -n 100000 --backend sqlite --runs 1

The file has a header, Windows-style names with å, ä and ö, one row in 1,000 that is not an address and
one in 1,000 that repeats an earlier address (in another case), and a tenth of its addresses are on the
list already (a quarter of those unsubscribed). Each run imports it into a fresh database holding only
those, in one transaction (``staff_actions.import_csv``: read, validate, compare with the list, insert the
subscribers and their consent events), and reports rows per second of the file. The reference, on
PostgreSQL, is ``psql \\copy`` of the same file into a scratch table of two text columns in the same run.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import func, make_url, select

from kulturkluster.db import Database
from subscribers import service, staff_actions
from subscribers.models import Channel, ConsentEvent, Status, Subscriber
from tests.servers.databases import scratch_database


def write_file(path: Path, rows: int) -> list[tuple[int, str, str]]:
    """The CSV; returns the (line, email, name) rows that are to be on the list before the import."""
    existing = []
    with path.open("w", encoding="utf-8", newline="") as file:
        file.write("E-post;Namn\n")
        for i in range(rows):
            if i % 1000 == 999:
                file.write(f"inte en adress {i};Fel Rad\n")
                continue
            email = f"person.{i}@exempel{i % 50}.se"
            if i % 1000 == 500:
                email = f"Person.{i - 1}@EXEMPEL{(i - 1) % 50}.se"  # the row before, in other case
            file.write(f"{email};Åsa Ängström {i}\n")
            if i % 10 == 3:
                existing.append((i + 2, email, ""))
    return existing


def run_once(db: Database, data: bytes, existing: list[tuple[int, str, str]]) -> tuple[float, str]:
    with db.unit_of_work() as session:
        seed = Status.UNSUBSCRIBED
        service.import_rows(session, existing[::4], seed, service.Evidence(Channel.IMPORT, detail="seed"))
        service.import_rows(session, existing, Status.ACTIVE, service.Evidence(Channel.IMPORT, detail="seed"))
    started = time.perf_counter()
    with db.unit_of_work() as session:
        done = staff_actions.import_csv(
            session, data, Status.ACTIVE, staff_actions.import_evidence("bench.csv", "bench", "bench")
        )
    elapsed = time.perf_counter() - started
    with db.unit_of_work() as session:
        subscribers = session.scalar(select(func.count()).select_from(Subscriber))
        events = session.scalar(select(func.count()).select_from(ConsentEvent))
    summary = (
        f"added {len(done.result.added):,}, unchanged {len(done.result.unchanged):,}, "
        f"skipped {len(done.result.skipped):,}, rejected {len(done.rejected):,}; "
        f"{subscribers:,} subscribers, {events:,} consent events"
    )
    return elapsed, summary


def psql_copy(url: str, path: Path) -> float:
    name = make_url(url).database or ""
    setup = "SET client_min_messages = warning; DROP TABLE IF EXISTS bench_copy; CREATE TABLE bench_copy (email text, name text)"
    subprocess.run(["psql", "-q", "-h", "127.0.0.1", "-U", "postgres", name, "-c", setup], check=True)
    copy = rf"\copy bench_copy FROM '{path}' WITH (FORMAT csv, HEADER, DELIMITER ';')"
    started = time.perf_counter()
    subprocess.run(["psql", "-q", "-h", "127.0.0.1", "-U", "postgres", name, "-c", copy], check=True)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("-n", "--rows", type=int, default=1_000_000)
    parser.add_argument("--backend", choices=("postgresql", "sqlite"), default="postgresql")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "lista.csv"
        existing = write_file(path, args.rows)
        data = path.read_bytes()
        rates, ratios = [], []
        for run in range(args.runs):
            with scratch_database(args.backend, Path(tmp)) as db:
                elapsed, summary = run_once(db, data, existing)
                rate = args.rows / elapsed
                line = f"run {run + 1}: {elapsed:.1f} s, {rate:,.0f} rows/s ({summary})"
                if args.backend == "postgresql":
                    reference = psql_copy(db.url, path)
                    ratios.append(elapsed / reference)
                    line += f"; psql \\copy {reference:.2f} s ({args.rows / reference:,.0f} rows/s)"
                rates.append(rate)
                print(line, flush=True)
        print(
            f"median {statistics.median(rates):,.0f} rows/s (range {min(rates):,.0f}–{max(rates):,.0f})",
            end="",
        )
        if ratios:
            print(f", {statistics.median(ratios):.1f}× the time of psql \\copy", end="")
        print()


if __name__ == "__main__":
    main()
