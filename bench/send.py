"""Sending a newsletter: the real sender against Postfix's smtp-sink, next to smtp-source and a plain loop.

    .venv/bin/python bench/send.py [-n 20000] [--backend sqlite|postgresql|both] [--concurrency 4]
    .venv/bin/python bench/send.py --million          # peak memory with 1,000,000 recipients, PostgreSQL

Needs Postfix's tools (`apt install postfix`; `scripts/bench` installs them). For each backend it imports N
subscribers, creates the default-template newsletter from templates/newsletter/exempel.md, starts it, and
runs `kulturkluster mailer run --once` as a child process (limits off, every result committed): messages
per second, and the child's peak memory (maxrss). In the same run it times `smtp-source` with the same
message size and sessions, and a plain loop that builds an EmailMessage per recipient and sends it with
smtplib over one connection.
"""

from __future__ import annotations

import argparse
import os
import shutil
import smtplib
import socket
import subprocess
import sys
import tempfile
import threading
import time
from email.message import EmailMessage
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import func, select

from kulturkluster.db import Database
from kulturkluster.settings import Settings
from kulturkluster.wiring import Services
from mailer import campaigns
from mailer.campaign_models import Delivery
from mailer.newsletter_mail import Recipient
from subscribers import service
from subscribers.models import Channel, Status
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
            sys.exit("smtp-sink not found: install Postfix (`scripts/bench` does: apt install postfix)")
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


def _settings(db: Database, tmp: Path, port: int, concurrency: int) -> Settings:
    return Settings(
        data_dir=tmp / "var",
        database_url=db.url,
        secret_key=SECRET,
        public_url="https://post.kulturkluster.test",
        org={"address": ORG},
        smtp={"host": "127.0.0.1", "port": port, "security": "none"},
        mailer={"per_minute": 0, "per_day": 0, "concurrency": concurrency, "batch_size": 200},
    )


def _prepare(svc: Services, recipients: int) -> tuple[int, int]:
    """Import the list, create and start the newsletter; returns its id and one message's size."""
    started = time.perf_counter()
    with svc.db.unit_of_work() as session:
        for first in range(0, recipients, 10_000):
            rows = [
                (i, f"mottagare{i:07d}@example.se", f"Person {i}")
                for i in range(first, min(first + 10_000, recipients))
            ]
            service.import_rows(session, rows, Status.ACTIVE, service.Evidence(channel=Channel.IMPORT))
    source = (ROOT / "templates" / "newsletter" / "exempel.md").read_text(encoding="utf-8")
    with svc.db.unit_of_work() as session:
        newsletter = campaigns.create(
            session, svc.newsletter_renderer, template="default", source=source, created_by="bench"
        )
        campaigns.start(session, svc.newsletter_renderer, newsletter)
        size = len(svc.newsletter_messages(newsletter).build(_recipient()).raw)
        newsletter_id = newsletter.id
    print(f"           prepared {recipients:,} recipients in {time.perf_counter() - started:.1f} s")
    return newsletter_id, size


def _recipient() -> Recipient:
    return Recipient("mottagare0000000@example.se", "Person 0", 1, 1)


def _sampled_rss(pid: int, peak: list[int], stop: threading.Event) -> None:
    """The child's resident memory, every 0.2 s (maxrss from wait4 is the authoritative peak)."""
    status = Path(f"/proc/{pid}/status")
    while not stop.wait(0.2):
        try:
            for line in status.read_text().splitlines():
                if line.startswith("VmRSS:"):
                    peak.append(int(line.split()[1]))
        except OSError:
            return


def _run_sender(settings: Settings, tmp: Path) -> tuple[float, int, list[int]]:
    env = {
        **os.environ,
        "KK_DATA_DIR": str(settings.data_dir),
        "KK_DATABASE_URL": settings.database_url,
        "KK_SECRET_KEY": SECRET,
        "KK_PUBLIC_URL": settings.public_url,
        "KK_ORG__ADDRESS": ORG,
        "KK_SMTP__HOST": settings.smtp.host,
        "KK_SMTP__PORT": str(settings.smtp.port),
        "KK_SMTP__SECURITY": "none",
        "KK_MAILER__PER_MINUTE": "0",
        "KK_MAILER__PER_DAY": "0",
        "KK_MAILER__CONCURRENCY": str(settings.mailer.concurrency),
        "KK_MAILER__BATCH_SIZE": str(settings.mailer.batch_size),
        "KK_LOG_LEVEL": "WARNING",
    }
    started = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, "-m", "kulturkluster.cli", "mailer", "run", "--once", "--no-progress"],
        cwd=tmp,
        env=env,
        stdout=subprocess.DEVNULL,
    )
    samples: list[int] = []
    stop = threading.Event()
    sampler = threading.Thread(target=_sampled_rss, args=(child.pid, samples, stop), daemon=True)
    sampler.start()
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    stop.set()
    if child.returncode != 0:
        sys.exit(f"mailer run failed with {child.returncode}")
    return time.perf_counter() - started, int(usage.ru_maxrss), samples


def _smtp_source(port: int, messages: int, size: int, sessions: int) -> float:
    tool = shutil.which("smtp-source") or "/usr/sbin/smtp-source"
    started = time.perf_counter()
    subprocess.run(
        [
            tool,
            "-s",
            str(sessions),
            "-l",
            str(size),
            "-m",
            str(messages),
            "-f",
            ORG,
            "-t",
            "mottagare@example.se",
            f"127.0.0.1:{port}",
        ],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return time.perf_counter() - started


def _plain_loop(port: int, messages: int, html: str, text: str, subject: str) -> float:
    started = time.perf_counter()
    with smtplib.SMTP("127.0.0.1", port) as smtp:
        for n in range(messages):
            to = f"mottagare{n:07d}@example.se"
            msg = EmailMessage()
            msg["From"], msg["To"], msg["Subject"] = ORG, to, subject
            msg.set_content(text.replace("mottagare@exempel.se", to))
            msg.add_alternative(html.replace("mottagare@exempel.se", to), subtype="html")
            smtp.send_message(msg)
    return time.perf_counter() - started


def run(backend: str, recipients: int, concurrency: int, compare: bool) -> None:
    sink = Sink()
    scratch = Path("/dev/shm") if Path("/dev/shm").is_dir() else None
    try:
        with (
            tempfile.TemporaryDirectory(dir=scratch) as tmpdir,
            scratch_database(backend, Path(tmpdir)) as db,
        ):
            tmp = Path(tmpdir)
            settings = _settings(db, tmp, sink.port, concurrency)
            svc = Services(settings=settings, db=db)
            newsletter_id, size = _prepare(svc, recipients)
            seconds, maxrss_kb, samples = _run_sender(settings, tmp)
            with db.unit_of_work() as session:
                sent = (
                    session.scalar(
                        select(func.count()).where(
                            Delivery.newsletter_id == newsletter_id, Delivery.status == "sent"
                        )
                    )
                    or 0
                )
                first, last = session.execute(
                    select(func.min(Delivery.attempted_at), func.max(Delivery.sent_at)).where(
                        Delivery.newsletter_id == newsletter_id
                    )
                ).one()
                newsletter = campaigns.get(session, newsletter_id)
                rendered = campaigns.frozen(newsletter).personalise(
                    {"recipient.email": "mottagare@exempel.se"}
                )
            sending = (last - first).total_seconds() if first and last else seconds
            rate = sent / seconds
            print(
                f"{backend:<10} sender: {sent:,} messages of {size / 1024:.0f} KB in {seconds:.1f} s "
                f"(process start to exit): {rate:,.0f} msg/s; {sent / sending:,.0f} msg/s while sending; "
                f"peak RSS {maxrss_kb / 1024:.0f} MB"
            )
            if samples:
                quarter = max(len(samples) // 4, 1)
                print(
                    f"           RSS over the run (MB): first quarter max {max(samples[:quarter]) / 1024:.0f}, "
                    f"last quarter max {max(samples[-quarter:]) / 1024:.0f}"
                )
            svc.close()
            if not compare:
                return
            source_seconds = _smtp_source(sink.port, recipients, size, concurrency)
            source_rate = recipients / source_seconds
            loop_count = min(recipients, 5000)
            loop_rate = loop_count / _plain_loop(
                sink.port, loop_count, rendered.html, rendered.text, rendered.subject
            )
            print(
                f"           smtp-source ({concurrency} sessions, {size:,} bytes): {source_rate:,.0f} msg/s"
            )
            print(
                f"           plain smtplib loop ({loop_count:,} messages, 1 connection): {loop_rate:,.0f} msg/s"
            )
            print(
                f"           sender / smtp-source = {rate / source_rate:.2f} "
                f"(while sending {sent / sending / source_rate:.2f}); sender / plain loop = {rate / loop_rate:.1f}"
            )
    finally:
        sink.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", "--recipients", type=int, default=20_000)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--million", action="store_true", help="1,000,000 recipients on PostgreSQL (memory)")
    args = parser.parse_args()
    if args.million:
        run("postgresql", 1_000_000, args.concurrency, compare=False)
        return
    for backend in ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]:
        run(backend, args.recipients, args.concurrency, compare=True)


if __name__ == "__main__":
    main()
