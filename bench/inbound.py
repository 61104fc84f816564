"""Inbound throughput: N messages in a private Dovecot, drained end to end, beside a raw IMAP FETCH.

    .venv/bin/python bench/inbound.py [-n 5000] [--backend sqlite|postgresql|both] [--outbox-rows N]

End to end means what ``kulturkluster inbound run --once`` does: search, fetch, store raw bytes, parse,
classify, handle (subscriptions change, answers are rendered and queued), commit, MOVE every message to
its folder, and send the answers (here into a Maildir outbox). The baseline is imapclient fetching the
same messages' bodies in chunks of 100 and doing nothing else. Needs Dovecot (``scripts/test`` installs
it) and, for PostgreSQL, a server at 127.0.0.1:5432 (``KK_TEST_POSTGRES_URL``).
"""

from __future__ import annotations

import argparse
import cProfile
import random
import sys
import tempfile
import time
import uuid
from collections import Counter
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import insert

from kulturkluster.db import Database, utcnow
from mailer.models import OutgoingMessage
from tests.servers.databases import scratch_database
from tests.servers.dovecot import DovecotServer
from tests.servers.service import drain_mailbox

ORG = "kulturkluster@kulturkluster.test"
SUBJECTS_QUESTION = [
    "Hur söker man utvecklingscheckarna?",
    "Fråga om Kulturfrukost i Nyköping",
    "Lokal för repetitioner i Eskilstuna?",
    "Vem kan hjälpa oss med en ansökan till Kulturrådet?",
    "Speed-dejting för kulturaktörer – anmälan?",
]
PARAGRAPH = (
    "Hej! Vi är en förening i Sörmland som arbetar med scenkonst för barn och unga. Vi undrar hur vi "
    "ska gå vidare med vår idé och vilka stöd som finns att söka. Tack på förhand för hjälpen!\n"
)


def _message(n: int, rng: random.Random) -> tuple[str, bytes]:
    """One message of a realistic mix: mostly questions, then list commands and automatic mail."""
    kind = rng.choices(
        ["question", "html_question", "attachment", "subscribe", "unsubscribe", "auto_reply", "bounce"],
        weights=[35, 20, 5, 15, 5, 12, 8],
    )[0]
    sender = f"aktor{n}@forening{n % 97}.example"
    head = f"From: Aktör {n} <{sender}>\r\nTo: {ORG}\r\nMessage-ID: <{n}.{uuid.uuid4().hex}@bench>\r\n"
    head += "Date: Tue, 24 Nov 2026 10:00:00 +0100\r\nMIME-Version: 1.0\r\n"
    text = PARAGRAPH * rng.randint(1, 6)
    if kind == "question":
        body = f"Subject: {rng.choice(SUBJECTS_QUESTION)}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{text}"
    elif kind == "html_question":
        body = (
            f"Subject: {rng.choice(SUBJECTS_QUESTION)}\r\nContent-Type: multipart/alternative; boundary=b\r\n\r\n"
            f"--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{text}\r\n"
            f"--b\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<html><body><p>{text}</p></body></html>\r\n--b--\r\n"
        )
    elif kind == "attachment":
        blob = "JVBERi0xLjQK" * 2000  # ~24 KB of base64
        body = (
            f"Subject: {rng.choice(SUBJECTS_QUESTION)}\r\nContent-Type: multipart/mixed; boundary=m\r\n\r\n"
            f"--m\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{text}\r\n--m\r\nContent-Type: application/pdf\r\n"
            f"Content-Disposition: attachment; filename=ansokan.pdf\r\nContent-Transfer-Encoding: base64\r\n\r\n{blob}\r\n--m--\r\n"
        )
    elif kind == "subscribe":
        subject = rng.choice(
            ["Nyhetsbrev", "=?utf-8?q?Prenumerera_p=C3=A5_nyhetsbrevet?=", "SV: Nyhetsbrev tack"]
        )
        body = f"Subject: {subject}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nHej!\r\n"
    elif kind == "unsubscribe":
        body = "Subject: Avsluta\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n\r\n"
    elif kind == "auto_reply":
        body = "Subject: Automatiskt svar: Nyhetsbrev\r\nAuto-Submitted: auto-replied\r\nContent-Type: text/plain\r\n\r\nJag är ledig.\r\n"
    else:
        head = head.replace(f"From: Aktör {n} <{sender}>", "From: MAILER-DAEMON@mx.example")
        body = (
            "Subject: Undelivered Mail Returned to Sender\r\nReturn-Path: <>\r\n"
            "Content-Type: multipart/report; report-type=delivery-status; boundary=r\r\n\r\n"
            "--r\r\nContent-Type: text/plain\r\n\r\nCould not deliver.\r\n--r\r\nContent-Type: message/delivery-status\r\n\r\n"
            f"Reporting-MTA: dns; mx.example\r\n\r\nFinal-Recipient: rfc822; {sender}\r\nAction: failed\r\nStatus: 5.1.1\r\n--r--\r\n"
        )
    return kind, (head + body).encode()


def _append(server: DovecotServer, messages: list[bytes]) -> None:
    client = server.client()
    try:
        for start in range(0, len(messages), 500):
            client.multiappend("INBOX", messages[start : start + 500])
    finally:
        client.logout()


def _raw_fetch(server: DovecotServer) -> tuple[int, float]:
    client = server.client()
    try:
        started = time.perf_counter()
        client.select_folder("INBOX")
        uids = client.search(["NOT", "DELETED"])
        count = 0
        for start in range(0, len(uids), 100):
            count += len(client.fetch(uids[start : start + 100], ["BODY.PEEK[]"]))
        return count, time.perf_counter() - started
    finally:
        client.logout()


def _fill_outbox(db: Database, rows: int) -> None:
    """A day's worth of answers already sent (the outbox keeps them): what the caps count on a live server."""
    now = utcnow()
    raw = "Subject: Tack för ditt meddelande\r\n\r\n".encode() + b"x" * 3000
    values = [
        {
            "kind": "receipt",
            "automatic": True,
            "to_address": f"tidigare{n}@example.se",
            "sender": ORG,
            "message_id": f"{n}.{uuid.uuid4().hex}@kulturkluster.test",
            "subject": "Tack för ditt meddelande",
            "created_at": now - timedelta(seconds=86400 * n / rows),
            "next_attempt_at": now,
            "status": "sent",
            "attempts": 1,
            "raw": raw,
        }
        for n in range(rows)
    ]
    with db.engine.begin() as conn:
        for start in range(0, rows, 1000):
            conn.execute(insert(OutgoingMessage), values[start : start + 1000])


def run(
    backend: str, count: int, seed: int, profile: str | None = None, outbox_rows: int = 0
) -> dict[str, object]:
    rng = random.Random(seed)
    generated = [_message(n, rng) for n in range(count)]
    scratch = Path("/dev/shm") if Path("/dev/shm").is_dir() else None
    with tempfile.TemporaryDirectory(dir=scratch) as tmp:
        workdir = Path(tmp)
        with DovecotServer(workdir / "dovecot") as server, scratch_database(backend, workdir) as db:
            _fill_outbox(db, outbox_rows)
            _append(server, [raw for _kind, raw in generated])
            fetched, raw_seconds = _raw_fetch(server)
            profiler = cProfile.Profile() if profile else None
            cpu = time.process_time()
            if profiler:
                profiler.enable()
            stats, seconds = drain_mailbox(
                server,
                db,
                workdir / "var",
                subscribe={"confirm": "never"},
                auto_answers={"per_address_per_day": 3, "per_hour": 100_000},
            )
            cpu = time.process_time() - cpu
            if profiler and profile:
                profiler.disable()
                profiler.dump_stats(f"{profile}.{backend}")
            left = server.client()
            try:
                remaining = left.folder_status("INBOX", ["MESSAGES"])[b"MESSAGES"]
            finally:
                left.logout()
    handled = sum(stats.routes.values())
    return {
        "backend": backend,
        "messages": count,
        "handled": handled,
        "left_in_inbox": remaining,
        "seconds": seconds,
        "cpu_ms_per_message": cpu * 1000 / max(count, 1),
        "per_second": handled / seconds,
        "raw_fetch_per_second": fetched / raw_seconds,
        "routes": dict(stats.routes),
        "mix": dict(Counter(kind for kind, _raw in generated)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", "--messages", type=int, default=5000)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument(
        "--profile", metavar="FILE", help="write cProfile stats of the drain to FILE.<backend>"
    )
    parser.add_argument(
        "--outbox-rows",
        type=int,
        default=0,
        metavar="N",
        help="first fill the outbox with N answers sent over the last day (a live server's outbox)",
    )
    args = parser.parse_args()
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    for backend in backends:
        result = run(backend, args.messages, args.seed, args.profile, args.outbox_rows)
        ratio = result["per_second"] / result["raw_fetch_per_second"]  # type: ignore[operator]
        print(
            f"{backend:<10} {result['handled']:>6} messages in {result['seconds']:.2f} s: "
            f"{result['per_second']:,.0f} msg/s end to end; raw FETCH {result['raw_fetch_per_second']:,.0f} msg/s "
            f"(end to end = {ratio:.0%} of raw fetch); left in INBOX: {result['left_in_inbox']}; "
            f"{result['cpu_ms_per_message']:.2f} ms CPU per message in this process"
        )
        print(f"           routes: {result['routes']}")


if __name__ == "__main__":
    main()
