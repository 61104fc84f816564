"""Staff pages at scale: seed a big list and case store, then time every staff page through the real app.

    .venv/bin/python bench/web.py                              # PostgreSQL, 1M subscribers (seeds ~3 min)
    .venv/bin/python bench/web.py --keep                       # keep the database (kk_bench_web) ...
    .venv/bin/python bench/web.py --reuse                      # ... and measure it again without seeding
    .venv/bin/python bench/web.py --backend sqlite --scale 0.1 # SQLite (a file under /tmp)
    .venv/bin/python bench/web.py --reuse --export             # also the CSV export against `psql \\copy`

The data (``bench/web_seed.py``, INSERT … SELECT, no Python rows): 1,000,000 subscribers, 1,100,000
consent events, 100,000 cases with 300,000 messages, 24 sent newsletters and one sending with 1,000,000
deliveries. Each page is requested through Starlette's TestClient, logged in, ``--repeat`` times after one
warm-up; the median is printed beside the median of a near-empty authenticated page (the import form:
session check, template, no list query) measured in the same run, and the ratio of the two.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import make_url, text

from bench.web_seed import Scale, seed
from kulturkluster import accounts, migrate
from kulturkluster.accounts import Role
from kulturkluster.db import Database
from kulturkluster.settings import Settings
from kulturkluster.web import create_app
from kulturkluster.web.staff.auth import LoginLimiter
from kulturkluster.wiring import Services
from tests.web.conftest import StaffClient

PG_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/"
PG_NAME = os.environ.get("KK_BENCH_WEB_DB", "kk_bench_web")  # another name: a copy of it
USER, PASSWORD = "bench", "ett långt lösenord för bench"
REFERENCE = "/app/prenumeranter/import"


def pages(scale: Scale) -> tuple[tuple[str, str, dict[str, str]], ...]:
    case, person = scale.cases // 2 + 1, scale.subscribers // 2 + 7
    return (
        ("Översikt", "/app/", {}),
        ("Översikt: utskick (htmx)", "/app/oversikt/utskick", {"HX-Request": "true"}),
        ("Ärenden", "/app/arenden", {}),
        ("Ärenden: sök", "/app/arenden?q=festival", {}),
        ("Ärenden: sök två ord", "/app/arenden?q=bidrag+Eskilstuna", {}),
        ("Ärende", f"/app/arenden/KK-{2000 + case // 10000}-{case % 10000:04d}", {}),
        ("Nyhetsbrev", "/app/nyhetsbrev", {}),
        ("Nyhetsbrev: ett", "/app/nyhetsbrev/1", {}),
        ("Nyhetsbrev: status (htmx)", "/app/nyhetsbrev/1/status", {"HX-Request": "true"}),
        ("Prenumeranter", "/app/prenumeranter", {}),
        ("Prenumeranter: sida 200", "/app/prenumeranter?page=200", {}),
        ("Prenumeranter: avslutade", "/app/prenumeranter?status=unsubscribed", {}),
        ("Prenumeranter: sök 'erik.12'", "/app/prenumeranter?q=erik.12", {}),
        ("Prenumeranter: sök 'post.test'", "/app/prenumeranter?q=post.test", {}),
        ("Prenumeranter: sök 'nomatch'", "/app/prenumeranter?q=ingenalls", {}),
        (
            "Prenumeranter: sök (htmx)",
            "/app/prenumeranter?q=karin.5",
            {"HX-Request": "true", "HX-Target": "subscriber-results"},
        ),
        ("Prenumerant", f"/app/prenumeranter/{person}", {}),
        ("Import", REFERENCE, {}),
        ("Inkommande", "/app/inkommande", {}),
        ("Inkommande: karantän", "/app/inkommande?route=quarantine", {}),
        ("Rapporter", "/app/rapporter", {}),
        ("Användare", "/app/anvandare", {}),
    )


@contextmanager
def database(backend: str, scale: Scale, reuse: bool, keep: bool) -> Iterator[Database]:
    if backend == "sqlite":
        path = Path(tempfile.gettempdir()) / f"{PG_NAME}.db"
        url = f"sqlite:///{path}"
    else:
        url = PG_SERVER + PG_NAME
    if not reuse:
        _drop(backend, url)
        if backend == "postgresql":
            _admin(f"CREATE DATABASE {PG_NAME}")
    db = Database(url)
    try:
        migrate.upgrade(db)
        if not reuse:
            started = time.perf_counter()
            with db.engine.connect() as conn:
                seed(conn, scale)
            with db.unit_of_work() as session:
                accounts.add(session, USER, PASSWORD, role=Role.ADMIN, name="Bench", email="bench@kk.test")
            print(f"seeded in {time.perf_counter() - started:.0f} s")
        yield db
    finally:
        db.dispose()
        if not keep:
            _drop(backend, url)


def _admin(sql: str) -> None:
    db = Database(PG_SERVER + "postgres")
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(sql))
    db.dispose()


def _drop(backend: str, url: str) -> None:
    if backend == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            Path(str(make_url(url).database) + suffix).unlink(missing_ok=True)
    else:
        _admin(f"DROP DATABASE IF EXISTS {PG_NAME} WITH (FORCE)")


def _client(db: Database, tmp: Path) -> StaffClient:
    settings = Settings(
        data_dir=tmp / "var",
        database_url=db.url,
        secret_key="bench-secret-0123456789abcdef",
        public_url="https://post.kk.test",
        org={"address": "kulturkluster@kulturkluster.test"},
    )
    app = create_app(Services(settings=settings, db=db), LoginLimiter())
    warnings.filterwarnings("ignore", "Using `httpx`")  # Starlette's TestClient, as in pyproject
    from starlette.testclient import TestClient

    client = StaffClient(TestClient(app, base_url="https://post.kk.test"))
    if client.login(USER, PASSWORD).status_code != 303:
        sys.exit("could not log in")
    return client


def _median_ms(client: StaffClient, url: str, headers: dict[str, str], repeat: int) -> tuple[float, int]:
    status = client.get(url, headers=headers).status_code  # warm-up (and the status to show)
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        client.get(url, headers=headers)
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), status


def measure_pages(client: StaffClient, scale: Scale, repeat: int, runs: int, only: str = "") -> None:
    """Each run times the reference and then every page; printed: the median of the runs' medians, their
    range, and the page's median as a multiple of the same run's reference (median of the runs)."""
    found: dict[str, list[tuple[float, float]]] = {}
    statuses: dict[str, int] = {}
    references = []
    for _run in range(runs):
        reference, _ = _median_ms(client, REFERENCE, {}, repeat)
        references.append(reference)
        for name, url, headers in pages(scale):
            if only.lower() not in name.lower():
                continue
            median, statuses[name] = _median_ms(client, url, headers, repeat)
            found.setdefault(name, []).append((median, median / reference))
    ref = statistics.median(references)
    print(
        f"\n{'page':<34} {'median':>9} {'range':>17} {'× ref':>7}  status"
        f"   (reference {REFERENCE}: {ref:.1f} ms, {min(references):.1f}–{max(references):.1f})"
    )
    for name, results in found.items():
        medians = [m for m, _ in results]
        ratio = statistics.median(r for _, r in results)
        spread = f"{min(medians):.0f}–{max(medians):.0f} ms"
        print(f"{name:<34} {statistics.median(medians):7.1f} ms {spread:>17} {ratio:6.1f}×  {statuses[name]}")


def measure_export(client: StaffClient, db: Database) -> None:
    """The whole list as CSV through the app, against ``psql \\copy`` of the same columns (PostgreSQL)."""
    started = time.perf_counter()
    first_byte = None
    size = 0
    with client.client.stream("GET", "/app/prenumeranter/export.csv") as response:
        for chunk in response.iter_bytes():
            if first_byte is None:
                first_byte = time.perf_counter() - started
            size += len(chunk)
    elapsed = time.perf_counter() - started
    line = f"\nexport.csv: {elapsed:.2f} s, first byte after {(first_byte or 0) * 1000:.0f} ms, {size / 1e6:.0f} MB"
    if db.dialect == "postgresql":
        copy = (
            r"\copy (SELECT email, name, status, subscribed_at, created_at FROM subscribers ORDER BY email) "
            "TO '/dev/null' WITH CSV HEADER"
        )
        started = time.perf_counter()
        subprocess.run(["psql", "-q", "-h", "127.0.0.1", "-U", "postgres", PG_NAME, "-c", copy], check=True)
        reference = time.perf_counter() - started
        line += f"; psql \\copy {reference:.2f} s; ratio {elapsed / reference:.2f}×"
    print(line)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--backend", choices=("postgresql", "sqlite"), default="postgresql")
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of the full data set")
    parser.add_argument("--repeat", type=int, default=5, help="requests per page and run (after a warm-up)")
    parser.add_argument("--runs", type=int, default=3, help="runs over every page")
    parser.add_argument("--only", default="", help="only the pages whose name contains this")
    parser.add_argument("--keep", action="store_true", help="keep the seeded database")
    parser.add_argument("--reuse", action="store_true", help="measure a database kept by --keep")
    parser.add_argument("--export", action="store_true", help="also time the CSV export")
    args = parser.parse_args()
    scale = Scale().scaled(args.scale)
    with (
        database(args.backend, scale, args.reuse, args.keep or args.reuse) as db,
        tempfile.TemporaryDirectory() as tmp,
    ):
        client = _client(db, Path(tmp))
        measure_pages(client, scale, args.repeat, args.runs, args.only)
        if args.export:
            measure_export(client, db)
        client.client.close()


if __name__ == "__main__":
    main()
