"""Sending a newsletter: the real sender against Postfix's smtp-sink, beside `smtp-source -d` in the same run.

    .venv/bin/python bench/send.py [-n 20000] [--runs 3] [--backend sqlite|postgresql|both] [--dkim off|on|both]
    .venv/bin/python bench/send.py --workers 2 --backend postgresql      # 2 `mailer run` processes vs 1
    .venv/bin/python bench/send.py --million [--seconds 60]             # 1M snapshot, sender memory

Needs Postfix's tools (`apt install postfix`). Each run seeds N active subscribers in one statement, creates
the default-template newsletter from templates/newsletter/exempel.md and starts it (the snapshot of
`newsletter send`, timed), then runs `kulturkluster mailer run --once` under `/usr/bin/time -v`: its wall
time, its own CPU time and its own peak RSS (the child of `time`, so no high-water mark inherited from this
process). The reference is `smtp-source -d` (one connection per session, reused) with the same message
size and number of sessions against the same `smtp-sink`, also under `time -v`. Figures: median and range
over the runs; the ratio is per run, sender rate / smtp-source rate.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from sqlalchemy import func, select, text

from kulturkluster.db import Database, utcnow
from kulturkluster.settings import Settings
from kulturkluster.wiring import Services
from mailer import campaign_runs, campaigns
from mailer.campaign_models import Delivery
from mailer.newsletter_mail import Recipient
from tests.servers.databases import scratch_database

ROOT = Path(__file__).resolve().parents[1]
ORG = "kulturkluster@kulturkluster.test"
SECRET = "bench-secret-0123456789abcdef"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Sink:
    """Postfix's smtp-sink on loopback: accepts and discards (PIPELINING, no delays)."""

    def __init__(self) -> None:
        tool = shutil.which("smtp-sink") or "/usr/sbin/smtp-sink"
        if not Path(tool).exists():
            sys.exit("smtp-sink not found: install Postfix (apt install postfix)")
        self.port = _free_port()
        user = ["-u", "nobody"] if os.geteuid() == 0 else []
        self.process = subprocess.Popen(
            [tool, *user, "-c", f"127.0.0.1:{self.port}", "1000"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.1).close()
                return
            except OSError:
                time.sleep(0.05)
        sys.exit("smtp-sink did not start")

    def close(self) -> None:
        self.process.terminate()
        self.process.wait()


@dataclass
class Timed:
    """What `/usr/bin/time -v` said about one process."""

    wall: float
    cpu: float  # user + system seconds
    maxrss_kb: int


class TimedProcess:
    """A command under `/usr/bin/time -v`; ``finish`` waits and reads the report."""

    def __init__(self, command: list[str], env: dict[str, str] | None = None) -> None:
        self._report = tempfile.NamedTemporaryFile("r", suffix=".time")  # noqa: SIM115 - closed in finish
        self.started = time.perf_counter()
        self.process = subprocess.Popen(
            ["/usr/bin/time", "-v", "-o", self._report.name, *command],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )

    def terminate_after(self, seconds: float) -> None:
        """SIGTERM the command itself (not `time`) if it still runs after ``seconds``."""
        try:
            self.process.wait(seconds)
        except subprocess.TimeoutExpired:
            pid = self.process.pid
            for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split():
                os.kill(int(child), signal.SIGTERM)

    def finish(self, *, check: bool = True) -> Timed:
        _, errors = self.process.communicate()
        wall = time.perf_counter() - self.started
        if self.process.returncode != 0 and check:
            sys.exit(f"failed ({self.process.returncode}): {errors.decode()[-2000:]}")
        out = self._report.read()
        self._report.close()

        def number(label: str) -> float:
            found = re.search(rf"{re.escape(label)}: ([0-9.]+)", out)
            return float(found.group(1)) if found else 0.0

        cpu = number("User time (seconds)") + number("System time (seconds)")
        return Timed(wall, cpu, int(number("Maximum resident set size (kbytes)")))


def seed(db: Database, count: int) -> float:
    """``count`` active subscribers in one INSERT ... SELECT; returns seconds."""
    started = time.perf_counter()
    columns = "email, name, status, created_at, updated_at, subscribed_at, bounce_score"
    if db.dialect == "postgresql":
        statement = (
            f"INSERT INTO subscribers ({columns}) SELECT 'mottagare' || lpad(i::text, 7, '0') || "
            "'@example.se', 'Person ' || i, 'active', now(), now(), now(), 0 FROM generate_series(0, :n - 1) i"
        )
    else:
        statement = (
            f"WITH RECURSIVE seq(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM seq WHERE i < :n - 1) "
            f"INSERT INTO subscribers ({columns}) SELECT printf('mottagare%07d@example.se', i), "
            "'Person ' || i, 'active', datetime('now'), datetime('now'), datetime('now'), 0 FROM seq"
        )
    with db.engine.begin() as conn:
        conn.execute(text(statement), {"n": count})
        if db.dialect == "postgresql":
            conn.execute(text("ANALYZE subscribers"))
    return time.perf_counter() - started


def start_campaign(svc: Services) -> tuple[int, int, float]:
    """Create the newsletter and start it; returns its id, one message's size and the seconds the
    snapshot took (``campaign_runs.start_due`` with its commit: the check and rendering ran before)."""
    source = (ROOT / "templates" / "newsletter" / "exempel.md").read_text(encoding="utf-8")
    with svc.db.unit_of_work() as session:
        newsletter = campaigns.create(
            session, svc.newsletter_renderer, template="default", source=source, created_by="bench"
        )
        campaigns.start(session, svc.newsletter_renderer, newsletter, at=utcnow() + timedelta(hours=1))
        newsletter.scheduled_at = utcnow() - timedelta(seconds=1)
        newsletter_id = newsletter.id
    started = time.perf_counter()
    with svc.db.unit_of_work() as session:
        assert campaign_runs.start_due(session) == [newsletter_id]
    snapshot = time.perf_counter() - started
    with svc.db.unit_of_work() as session:
        newsletter = campaigns.get(session, newsletter_id)
        size = len(svc.newsletter_messages(newsletter).build(Recipient("mottagare0000000@example.se")).raw)
    return newsletter_id, size, snapshot


def bare_copy(db: Database) -> float:
    """The same rows copied into a table with no index or constraint: the floor for the snapshot."""
    started = time.perf_counter()
    with db.engine.begin() as conn:
        conn.execute(
            text(
                "CREATE TABLE snapshot_floor AS SELECT 1 AS newsletter_id, id AS subscriber_id, email, name, "
                "'queued' AS status, 0 AS attempts FROM subscribers WHERE status = 'active'"
            )
        )
    return time.perf_counter() - started


def _env(db: Database, tmp: Path, port: int, concurrency: int, dkim_key: Path | None) -> dict[str, str]:
    env = {
        **os.environ,
        "KK_DATA_DIR": str(tmp / "var"),
        "KK_DATABASE_URL": db.url,
        "KK_SECRET_KEY": SECRET,
        "KK_PUBLIC_URL": "https://post.kulturkluster.test",
        "KK_ORG__ADDRESS": ORG,
        "KK_SMTP__HOST": "127.0.0.1",
        "KK_SMTP__PORT": str(port),
        "KK_SMTP__SECURITY": "none",
        "KK_MAILER__PER_MINUTE": "0",
        "KK_MAILER__PER_DAY": "0",
        "KK_MAILER__CONCURRENCY": str(concurrency),
        "KK_MAILER__BATCH_SIZE": "200",
        "KK_LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT),
    }
    if dkim_key is not None:
        env |= {
            "KK_DKIM__SELECTOR": "kk2026",
            "KK_DKIM__DOMAIN": "kulturkluster.test",
            "KK_DKIM__PRIVATE_KEY_FILE": str(dkim_key),
        }
    return env


def _settings(env: dict[str, str]) -> Settings:
    return Settings(
        data_dir=Path(env["KK_DATA_DIR"]),
        database_url=env["KK_DATABASE_URL"],
        secret_key=SECRET,
        public_url=env["KK_PUBLIC_URL"],
        org={"address": ORG},
        dkim={
            "selector": env.get("KK_DKIM__SELECTOR", ""),
            "domain": env.get("KK_DKIM__DOMAIN", ""),
            "private_key_file": env.get("KK_DKIM__PRIVATE_KEY_FILE"),
        },
    )


SENDER = [sys.executable, "-m", "kulturkluster.cli", "mailer", "run", "--once", "--no-progress"]


def _sent(db: Database, newsletter_id: int) -> int:
    with db.unit_of_work() as session:
        return int(
            session.scalar(
                select(func.count()).where(Delivery.newsletter_id == newsletter_id, Delivery.status == "sent")
            )
            or 0
        )


def _sending_seconds(db: Database, newsletter_id: int) -> float:
    """From the first claim to the last recorded result: the sending phase, without process start."""
    with db.unit_of_work() as session:
        first, last = session.execute(
            select(func.min(Delivery.attempted_at), func.max(Delivery.sent_at)).where(
                Delivery.newsletter_id == newsletter_id
            )
        ).one()
    if first is None or last is None:
        return 1e-3
    return max((last - first).total_seconds(), 1e-3)


def _smtp_source(port: int, messages: int, size: int, sessions: int) -> Timed:
    tool = shutil.which("smtp-source") or "/usr/sbin/smtp-source"
    return TimedProcess(
        [tool, "-d", "-s", str(sessions), "-l", str(size), "-m", str(messages), "-f", ORG, "-t",
         "mottagare@example.se", f"127.0.0.1:{port}"]
    ).finish()  # fmt: skip


@contextmanager
def _database(backend: str) -> Iterator[tuple[Database, Path]]:
    scratch = Path("/dev/shm") if Path("/dev/shm").is_dir() else None
    with tempfile.TemporaryDirectory(dir=scratch) as tmpdir, scratch_database(backend, Path(tmpdir)) as db:
        yield db, Path(tmpdir)


def _dkim_key(tmp: Path) -> Path:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    path = tmp / "dkim.pem"
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return path


@dataclass
class Run:
    rate: float
    source_rate: float
    cpu_ms: float
    source_cpu_ms: float
    rss_mb: float
    snapshot: float
    sending_rate: float  # without process start and shutdown
    sending_cpu_ms: float  # less the CPU of a run with nothing to send (imports, start, one round)

    @property
    def ratio(self) -> float:
        return self.rate / self.source_rate


def one_run(backend: str, recipients: int, concurrency: int, dkim: bool, workers: int, sink: Sink) -> Run:
    with _database(backend) as (db, tmp):
        env = _env(db, tmp, sink.port, concurrency, _dkim_key(tmp) if dkim else None)
        svc = Services(settings=_settings(env), db=db)
        seed(db, recipients)
        newsletter_id, size, snapshot = start_campaign(svc)
        svc.close()
        db.engine.dispose()
        started = time.perf_counter()
        processes = [TimedProcess(SENDER, env) for _ in range(workers)]  # together, on one campaign
        timed = [p.finish() for p in processes]
        wall = time.perf_counter() - started
        sent = _sent(db, newsletter_id)
        if sent != recipients:
            sys.exit(f"sent {sent} of {recipients}")
        source = _smtp_source(sink.port, recipients, size, concurrency * workers)
        cpu = sum(t.cpu for t in timed)
        idle = TimedProcess(SENDER, env).finish()  # start, one round with nothing to send, exit
        return Run(
            rate=sent / wall,
            source_rate=recipients / source.wall,
            cpu_ms=cpu * 1000 / sent,
            sending_cpu_ms=(cpu - workers * idle.cpu) * 1000 / sent,
            source_cpu_ms=source.cpu * 1000 / recipients,
            rss_mb=max(t.maxrss_kb for t in timed) / 1024,
            snapshot=snapshot,
            sending_rate=sent / _sending_seconds(db, newsletter_id),
        )


def _summary(label: str, values: list[float], fmt: str) -> str:
    return f"{label} {format(statistics.median(values), fmt)} [{format(min(values), fmt)}-{format(max(values), fmt)}]"


def report(title: str, runs: list[Run]) -> None:
    print(title)
    for n, r in enumerate(runs, 1):
        print(
            f"  run {n}: sender {r.rate:,.0f} msg/s ({r.sending_rate:,.0f} while sending), {r.cpu_ms:.2f} ms "
            f"CPU/msg ({r.sending_cpu_ms:.2f} less start-up), peak RSS {r.rss_mb:.1f} MiB; "
            f"smtp-source -d {r.source_rate:,.0f} msg/s, {r.source_cpu_ms:.3f} ms CPU/msg; ratio {r.ratio:.2f}"
        )
    print(
        "  median [range]: "
        + ", ".join(
            [
                _summary("ratio", [r.ratio for r in runs], ".2f"),
                _summary("while sending", [r.sending_rate / r.source_rate for r in runs], ".2f"),
                _summary("sender msg/s", [r.rate for r in runs], ",.0f"),
                _summary("CPU ms/msg", [r.cpu_ms for r in runs], ".3f"),
                _summary("less start-up", [r.sending_cpu_ms for r in runs], ".3f"),
                _summary("peak RSS MiB", [r.rss_mb for r in runs], ".1f"),
            ]
        )
    )


def million(seconds: float, concurrency: int, sink: Sink) -> None:
    """1,000,000 recipients: seed, snapshot (PostgreSQL and SQLite), and the sender's peak RSS on PostgreSQL
    over its first ``seconds`` (then SIGTERM: it stops as after Ctrl-C)."""
    for backend in ("postgresql", "sqlite"):
        with _database(backend) as (db, tmp):
            env = _env(db, tmp, sink.port, concurrency, None)
            svc = Services(settings=_settings(env), db=db)
            seeded = seed(db, 1_000_000)
            newsletter_id, _, snapshot = start_campaign(svc)
            svc.close()
            db.engine.dispose()
            floor = bare_copy(db)
            print(
                f"{backend:<10} seeded 1,000,000 in {seeded:.1f} s; snapshot {snapshot:.2f} s; the same rows into "
                f"a bare table {floor:.2f} s (snapshot / bare copy = {snapshot / floor:.1f})"
            )
            if backend != "postgresql":
                continue
            sender = TimedProcess(SENDER, env)
            sender.terminate_after(seconds)
            timed = sender.finish(check=False)
            sent = _sent(db, newsletter_id)
            print(
                f"           sender for {timed.wall:.0f} s: {sent:,} sent, peak RSS {timed.maxrss_kb / 1024:.1f} MiB, "
                f"{timed.cpu * 1000 / max(sent, 1):.2f} ms CPU/msg"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("-n", "--recipients", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--dkim", choices=["off", "on", "both"], default="both")
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--workers", type=int, default=1, help="`mailer run` processes (compared with 1)")
    parser.add_argument("--million", action="store_true", help="1,000,000 recipients: snapshot, memory")
    parser.add_argument(
        "--seconds", type=float, default=60.0, help="with --million: how long the sender runs"
    )
    args = parser.parse_args()
    sink = Sink()
    try:
        if args.million:
            million(args.seconds, args.concurrency, sink)
            return
        backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
        modes = [False, True] if args.dkim == "both" else [args.dkim == "on"]
        for backend in backends:
            for dkim in modes:
                for workers in sorted({1, args.workers}):
                    runs = [
                        one_run(backend, args.recipients, args.concurrency, dkim, workers, sink)
                        for _ in range(args.runs)
                    ]
                    report(
                        f"{backend}, DKIM {'on (RSA-2048)' if dkim else 'off'}, {workers} worker(s) x "
                        f"{args.concurrency} connections, {args.recipients:,} recipients:",
                        runs,
                    )
    finally:
        sink.close()


if __name__ == "__main__":
    main()
