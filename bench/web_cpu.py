"""CPU time per staff page, beside its wall-clock median: steadier than wall time on a shared machine.

    .venv/bin/python bench/web.py --keep --runs 1                 # seed kk_bench_web once
    .venv/bin/python bench/web_cpu.py --only "Ärenden" --only Rapporter

Uses the database ``bench/web.py --keep`` left (PostgreSQL on this machine, KK_BENCH_WEB_DB names another
copy). Each page is requested ``--repeat`` times after a warm-up through the real app (Starlette's
TestClient, in this process); its CPU time is this process's (the app: routing, queries' Python side,
templates) plus that of every PostgreSQL backend connected to the database (read from ``/proc``, so the
server must run on this machine; parallel workers included).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import text

from bench.web import PG_NAME, PG_SERVER, _client, pages
from bench.web_seed import Scale
from kulturkluster.db import Database

_TICKS = os.sysconf("SC_CLK_TCK")


def backend_cpu_ms(admin: Database) -> float:
    """User and system CPU of the database's server processes so far, in ms."""
    with admin.engine.connect() as conn:
        pids = conn.scalars(text("SELECT pid FROM pg_stat_activity WHERE datname = :name"), {"name": PG_NAME})
        ticks = 0
        for pid in pids:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except FileNotFoundError:  # ended meanwhile
                continue
            ticks += int(fields[11]) + int(fields[12])
    return ticks * 1000 / _TICKS


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--only", action="append", default=[], help="pages whose name contains this (repeatable)"
    )
    parser.add_argument("--repeat", type=int, default=10)
    args = parser.parse_args()
    db, admin = Database(PG_SERVER + PG_NAME), Database(PG_SERVER + "postgres")
    print(f"{'page':<34} {'CPU/request':>12} {'app':>7} {'PostgreSQL':>11} {'wall median':>12}")
    with tempfile.TemporaryDirectory() as tmp:
        client = _client(db, Path(tmp))
        for name, url, headers in pages(Scale()):
            if args.only and not any(part.lower() in name.lower() for part in args.only):
                continue
            client.get(url, headers=headers)
            walls, app, server = [], 0.0, 0.0
            for _ in range(args.repeat):
                server_before, app_before, started = (
                    backend_cpu_ms(admin),
                    time.process_time(),
                    time.perf_counter(),
                )
                client.get(url, headers=headers)
                walls.append((time.perf_counter() - started) * 1000)
                app += (time.process_time() - app_before) * 1000
                server += backend_cpu_ms(admin) - server_before
            n = args.repeat
            print(
                f"{name:<34} {(app + server) / n:9.0f} ms {app / n:4.0f} ms {server / n:8.0f} ms "
                f"{statistics.median(walls):9.0f} ms"
            )
        client.client.close()
    db.dispose()
    admin.dispose()


if __name__ == "__main__":
    main()
