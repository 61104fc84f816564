"""Peak memory for one large mail: a question with a big PDF attachment, through the inbound pipeline.

    .venv/bin/python bench/big_mail.py            # a 50 MB mail (a ~37 MB attachment in base64), SQLite
    .venv/bin/python bench/big_mail.py --mb 20 --backend postgresql

The mail is written to a temporary file in pieces (the generator itself holds ~1 MB), then read and
handed to ``Pipeline.process`` as the IMAP source would (one ``bytes`` object). Prints the peak resident
set size of this process and of the parse worker (``resource.getrusage``: RUSAGE_SELF and
RUSAGE_CHILDREN; the worker is a fresh ``python -m inbound.parse_worker``), the resident size after the
imports, before the mail was read, and what the mail cost this process above that.
"""

from __future__ import annotations

import argparse
import base64
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from inbound.sources.base import Item
from kulturkluster.wiring import Services
from tests.conftest import ORG_ADDRESS, make_settings
from tests.servers.databases import scratch_database

_CHUNK = 57 * 1024  # whole base64 lines of 76 characters


def write_mail(path: Path, attachment_bytes: int) -> int:
    head = (
        f"From: Anna Andersson <anna@example.se>\r\nTo: {ORG_ADDRESS}\r\nSubject: Ansökan med bilaga\r\n"
        "Message-ID: <big@example.se>\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/mixed; boundary="b1"\r\n\r\n--b1\r\n'
        "Content-Type: text/plain; charset=utf-8\r\n\r\nHej, här är vår ansökan.\r\n--b1\r\n"
        'Content-Type: application/pdf; name="ansokan.pdf"\r\nContent-Transfer-Encoding: base64\r\n'
        'Content-Disposition: attachment; filename="ansokan.pdf"\r\n\r\n'
    )
    with path.open("wb") as out:
        out.write(head.encode())
        left = attachment_bytes
        while left > 0:
            encoded = base64.b64encode(os.urandom(min(_CHUNK, left)))
            out.write(b"\r\n".join(encoded[i : i + 76] for i in range(0, len(encoded), 76)) + b"\r\n")
            left -= _CHUNK
        out.write(b"--b1--\r\n")
    return path.stat().st_size


def peak_mb(who: int) -> float:
    return resource.getrusage(who).ru_maxrss / 1024  # Linux reports KiB


def current_mb() -> float:
    with Path("/proc/self/status").open() as status:
        line = next(x for x in status if x.startswith("VmRSS:"))
    return int(line.split()[1]) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=int, default=50, help="size of the whole mail in MB (10^6 bytes)")
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, scratch_database(args.backend, Path(tmp)) as db:
        mail = Path(tmp) / "big.eml"
        # base64 in 76-character lines: 57 bytes of attachment per 78 bytes of mail
        size = write_mail(mail, args.mb * 1_000_000 * 57 // 78 - 1000)
        limit = args.mb * 1_000_000  # keep the attachment as a file: the worst case
        svc = Services(settings=make_settings(db, Path(tmp), cases={"max_attachment_bytes": limit}), db=db)
        baseline = current_mb()
        started = time.perf_counter()
        try:
            [outcome] = svc.pipeline.process([Item(raw=mail.read_bytes(), source="bench")])
        finally:
            svc.pipeline.parser.close()
        seconds = time.perf_counter() - started
        print(f"mail {size / 1e6:.1f} MB -> {outcome.route.value} in {seconds:.1f} s")
        print(f"RSS after imports {baseline:.0f} MB")
        print(f"peak RSS main process {peak_mb(resource.RUSAGE_SELF):.0f} MB", end=" ")
        print(f"(the mail's cost: {peak_mb(resource.RUSAGE_SELF) - baseline:.0f} MB)")
        print(f"peak RSS parse worker {peak_mb(resource.RUSAGE_CHILDREN):.0f} MB")


if __name__ == "__main__":
    main()
