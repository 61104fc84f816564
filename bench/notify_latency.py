"""Time from a mail's arrival to the staff notification in the outbox, under ``kulturkluster serve``.

Starts ``kulturkluster serve --no-web`` in a child process on a scratch database (one staff account that
wants every event), then delivers N questions one at a time, after a random pause of up to ``--gap``
seconds each (so arrivals are not in step with the service's polling), either over LMTP (Postfix's way:
the pipeline runs as the mail arrives) or as files dropped into the Maildir the service polls (the
embedded default, ``KK_INBOUND__POLL_INTERVAL``, 5 s unless given). For each it waits until the
notification row is in the outbox (``outgoing_messages``, kind ``staff_notice``) and until the relay has
it (the outbox's local Maildir), and prints the median and range of both.
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import smtplib
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from functools import partial
from pathlib import Path

from sqlalchemy import select

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kulturkluster import accounts
from kulturkluster.accounts import Role
from kulturkluster.db import Database
from mailer.models import OutgoingMessage
from tests.servers.databases import scratch_database
from tests.servers.smtp import free_port

ORG = "kulturkluster@kulturkluster.test"
STAFF = "elin@kulturkluster.test"


def _mail(subject: str) -> bytes:
    return (
        f"From: Anna Andersson <anna.{uuid.uuid4().hex[:8]}@example.se>\r\nTo: {ORG}\r\n"
        f"Subject: {subject}\r\nMessage-ID: <{uuid.uuid4().hex}@example.se>\r\n\r\n"
        "Hej!\r\nVi undrar hur man söker bidrag för en turné.\r\n"
    ).encode()


def _drop(maildir: Path, raw: bytes) -> None:
    name = f"{time.time():.6f}.{uuid.uuid4().hex}.bench"
    (maildir / "tmp" / name).write_bytes(raw)
    (maildir / "tmp" / name).rename(maildir / "new" / name)  # atomic, as a mail server delivers


def _lmtp(port: int, raw: bytes) -> None:
    with smtplib.LMTP("127.0.0.1", port) as client:
        client.sendmail("anna@example.se", [ORG], raw)


def _wait_for(check: Callable[[], bool], timeout: float = 120.0) -> float:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return time.perf_counter()
        time.sleep(0.005)
    raise SystemExit("nothing within two minutes")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=10, help="mails, one at a time")
    parser.add_argument("--source", choices=["lmtp", "maildir"], default="lmtp")
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--poll", type=float, default=None, help="KK_INBOUND__POLL_INTERVAL (Maildir)")
    parser.add_argument(
        "--gap", type=float, default=5.0, help="a random pause of up to this before each mail"
    )
    args = parser.parse_args()
    pause = random.Random(15)
    with tempfile.TemporaryDirectory() as tmp, scratch_database(args.backend, Path(tmp)) as db:
        with db.unit_of_work() as session:
            accounts.add(session, "elin", "ett långt lösenord", role=Role.STAFF, email=STAFF)
        data = Path(tmp) / "var"
        port = free_port()
        env = {
            **os.environ,
            "KK_DATABASE_URL": db.url,
            "KK_DATA_DIR": str(data),
            "KK_SECRET_KEY": "bench-secret-0123456789-abcdefghij",
            "KK_ORG__ADDRESS": ORG,
            "KK_INBOUND__SOURCE": args.source,
            "KK_LMTP__PORT": str(port),
            "KK_LOG_LEVEL": "WARNING",
        }
        if args.poll is not None:
            env["KK_INBOUND__POLL_INTERVAL"] = str(args.poll)
        child = subprocess.Popen(
            [sys.executable, "-m", "kulturkluster.cli", "serve", "--no-web"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        try:
            maildir, outbox = data / "mail" / "inbox", data / "mail" / "outbox" / "new"
            for sub in ("tmp", "new", "cur"):
                (maildir / sub).mkdir(parents=True, exist_ok=True)
            if args.source == "lmtp":
                _wait_for(partial(_lmtp_ready, port))
            queued, delivered = [], []
            for n in range(-1, args.n):  # the first (-1) warms the service up and is not counted
                subject = f"Fråga {n} {uuid.uuid4().hex[:6]}"
                raw = _mail(subject)
                time.sleep(pause.uniform(0, args.gap))  # not in step with the service's polling
                start = time.perf_counter()
                if args.source == "lmtp":
                    _lmtp(port, raw)
                else:
                    _drop(maildir, raw)
                in_outbox = _wait_for(partial(_notice_row, db, subject))
                sent = _wait_for(partial(_notice_file, outbox, subject))
                if n >= 0:
                    queued.append((in_outbox - start) * 1000)
                    delivered.append((sent - start) * 1000)
        finally:
            child.send_signal(signal.SIGTERM)
            child.wait(timeout=60)
        print(f"{args.n} mails over {args.source}, {args.backend}:")
        for label, values in (
            ("notice queued in the outbox", queued),
            ("notice handed to the relay", delivered),
        ):
            print(
                f"  {label:30} median {statistics.median(values):7.0f} ms"
                f"  (range {min(values):.0f}-{max(values):.0f} ms)"
            )


def _lmtp_ready(port: int) -> bool:
    try:
        with smtplib.LMTP("127.0.0.1", port) as client:
            client.noop()
        return True
    except OSError:
        return False


def _notice_row(db: Database, subject: str) -> bool:
    with db.unit_of_work() as session:
        query = select(OutgoingMessage.id).where(
            OutgoingMessage.kind == "staff_notice", OutgoingMessage.subject.endswith(subject)
        )
        return session.scalar(query) is not None


def _notice_file(outbox: Path, subject: str) -> bool:
    if not outbox.exists():
        return False
    for path in outbox.iterdir():
        data = path.read_bytes()
        if f"X-Envelope-To: {STAFF}".encode() in data and subject.rsplit(maxsplit=1)[-1].encode() in data:
            return True
    return False


if __name__ == "__main__":
    main()
