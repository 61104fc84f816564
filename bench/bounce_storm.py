"""A bounce storm after a newsletter to 3,000 people: 5,000 bounces and out-of-office replies from Dovecot.

    .venv/bin/python bench/bounce_storm.py [-n 5000] [--subscribers 3000] [--backend sqlite|postgresql|both]

The mix: 55 % permanent failures (RFC 3464 DSNs, some addresses failing three times or more), 15 % delay
warnings, 30 % out-of-office replies in Swedish and English. Prints messages per second end to end (fetch,
parse, detect, score, file) and the list's state afterwards. Nothing may become a case or get an answer.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import func, select

from cases.models import Case
from mailer.models import OutgoingMessage
from subscribers import service
from subscribers.models import Channel, Status
from tests.servers.databases import scratch_database
from tests.servers.dovecot import DovecotServer
from tests.servers.service import drain_mailbox

ORG = "kulturkluster@kulturkluster.test"


def _dsn(n: int, recipient: str, temporary: bool) -> bytes:
    status, action = ("4.4.7", "delayed") if temporary else ("5.1.1", "failed")
    return (
        "Return-Path: <>\r\nFrom: Mail Delivery System <MAILER-DAEMON@mx.example.se>\r\n"
        f"To: {ORG}\r\nSubject: Undelivered Mail Returned to Sender\r\nMessage-ID: <storm{n}@mx.example.se>\r\n"
        "Content-Type: multipart/report; report-type=delivery-status; boundary=r\r\n\r\n"
        f"--r\r\nContent-Type: text/plain\r\n\r\nThis is the mail system. {recipient}: {action}.\r\n"
        "--r\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example.se\r\n\r\n"
        f"Final-Recipient: rfc822; {recipient}\r\nAction: {action}\r\nStatus: {status}\r\n"
        "--r\r\nContent-Type: text/rfc822-headers\r\n\r\nSubject: Nyhetsbrev november\r\n--r--\r\n"
    ).encode()


def _out_of_office(n: int, sender: str, rng: random.Random) -> bytes:
    subject, header = rng.choice(
        [
            ("Automatiskt svar: Nyhetsbrev november", "Auto-Submitted: auto-replied\r\n"),
            ("Frånvaro: Nyhetsbrev november", ""),
            ("Out of Office: Nyhetsbrev november", "X-Auto-Response-Suppress: All\r\n"),
        ]
    )
    return (
        f"From: <{sender}>\r\nTo: {ORG}\r\nSubject: {subject}\r\nMessage-ID: <ooo{n}@example.se>\r\n{header}"
        "Content-Type: text/plain; charset=utf-8\r\n\r\nJag är på semester till och med måndag.\r\n"
    ).encode()


def run(backend: str, count: int, subscribers: int, seed: int) -> None:
    rng = random.Random(seed)
    addresses = [f"person{n}@example.se" for n in range(subscribers)]
    failing = addresses[: subscribers // 5]  # a fifth of the list has addresses that fail
    messages = []
    for n in range(count):
        roll = rng.random()
        if roll < 0.55:
            messages.append(_dsn(n, rng.choice(failing), temporary=False))
        elif roll < 0.70:
            messages.append(_dsn(n, rng.choice(addresses), temporary=True))
        else:
            messages.append(_out_of_office(n, rng.choice(addresses), rng))
    scratch = Path("/dev/shm") if Path("/dev/shm").is_dir() else None
    with (
        tempfile.TemporaryDirectory(dir=scratch) as tmp,
        DovecotServer(Path(tmp) / "dovecot") as server,
        scratch_database(backend, Path(tmp)) as db,
    ):
        with db.unit_of_work() as session:
            rows = [(i, a, "") for i, a in enumerate(addresses)]
            service.import_rows(session, rows, Status.ACTIVE, service.Evidence(channel=Channel.IMPORT))
        client = server.client()
        for start in range(0, len(messages), 500):
            client.multiappend("INBOX", messages[start : start + 500])
        client.logout()
        stats, seconds = drain_mailbox(server, db, Path(tmp) / "var")
        with db.unit_of_work() as session:
            state = service.count_by_status(session)
            cases = session.scalar(select(func.count()).select_from(Case))
            answers = session.scalar(select(func.count()).select_from(OutgoingMessage))
    handled = sum(stats.routes.values())
    print(
        f"{backend:<10} {handled:,} messages in {seconds:.2f} s: {handled / seconds:,.0f} msg/s; "
        f"routes {dict(stats.routes)}"
    )
    print(
        f"           list afterwards: {dict(sorted(state.items()))}; cases opened: {cases}; answers sent: {answers}"
    )
    print(
        f"           mix: {dict(Counter('dsn' if m.startswith(b'Return-Path: <>') else 'ooo' for m in messages))}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", "--messages", type=int, default=5000)
    parser.add_argument("--subscribers", type=int, default=3000)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--seed", type=int, default=3)
    args = parser.parse_args()
    for backend in ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]:
        run(backend, args.messages, args.subscribers, args.seed)


if __name__ == "__main__":
    main()
