"""Import speed and peak memory of the peer mail corpus (``../shared/peer-mail/``, 515 real fixtures).

    .venv/bin/python bench/peer_mail.py [--corpus PATH] [--backend sqlite|postgresql|both] [--rounds 3]

Runs what ``kulturkluster inbound import <files>`` runs (the files source, batches through the pipeline:
store, parse in the isolated parser process, classify, handle, queue receipts) on a fresh database per
round, and prints messages per second, the route counts, and peak memory: the resident set of this
process and of the parser process (``ru_maxrss``), and the peak of Python allocations (``tracemalloc``).
"""

from __future__ import annotations

import argparse
import itertools
import os
import resource
import sys
import tempfile
import time
import tracemalloc
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ["KK_CONFIG_FILE"] = "/nonexistent/kulturkluster.toml"

from inbound.sources.files import iter_items
from kulturkluster.wiring import Services
from tests.conftest import make_settings
from tests.servers.databases import scratch_database

DEFAULT_CORPUS = Path(__file__).resolve().parents[2] / "shared" / "peer-mail"


def corpus_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file() and p.name != "SOURCES.md" and p.suffix != ".yml")


def one_round(backend: str, files: list[Path]) -> tuple[float, Counter[str]]:
    with tempfile.TemporaryDirectory() as tmp, scratch_database(backend, Path(tmp)) as db:
        svc = Services(settings=make_settings(db, Path(tmp)), db=db)
        counts: Counter[str] = Counter()
        started = time.perf_counter()
        items = iter_items(files)
        try:
            while batch := list(itertools.islice(items, svc.settings.inbound.batch_size)):
                for outcome in svc.pipeline.process(batch):
                    counts["duplicate" if outcome.duplicate else outcome.route.value] += 1
        finally:
            svc.pipeline.parser.close()
        return time.perf_counter() - started, counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="sqlite")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    files = corpus_files(args.corpus)
    size = sum(p.stat().st_size for p in files)
    print(f"{len(files)} files, {size / 1e6:.1f} MB from {args.corpus}")
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    tracemalloc.start()
    for backend in backends:
        for round_no in range(1, args.rounds + 1):
            seconds, counts = one_round(backend, files)
            summary = ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
            print(
                f"{backend} round {round_no}: {seconds:.2f} s, {len(files) / seconds:.0f} msg/s ({summary})"
            )
    _current, peak = tracemalloc.get_traced_memory()
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"peak memory: {own:.0f} MB resident (this process), {children:.0f} MB (parser process),")
    print(f"             {peak / 1e6:.0f} MB of Python allocations at most (tracemalloc)")


if __name__ == "__main__":
    main()
