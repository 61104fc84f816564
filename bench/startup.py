"""How fast the CLI starts: `kulturkluster --help` and a light command, wall time, CPU time and imports.

Runs each command several times in a fresh interpreter and prints the median and range, beside the same
figures for a bare `python -c pass` (the interpreter's own start-up, the floor). CPU time (user + system)
is steadier than wall time on a busy machine. `python -X importtime` gives the cumulative import time.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import statistics
import subprocess
import sys
import time

COMMANDS = {
    "python -c pass (floor)": [sys.executable, "-c", "pass"],
    "kulturkluster --help": [sys.executable, "-m", "kulturkluster.cli", "--help"],
    "kulturkluster db --help": [sys.executable, "-m", "kulturkluster.cli", "db", "--help"],
}


def _run(argv: list[str]) -> tuple[float, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(argv, check=True, capture_output=True, env={**os.environ, "COLUMNS": "100"})
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def _import_ms(argv: list[str]) -> float:
    done = subprocess.run(
        [argv[0], "-X", "importtime", *argv[1:]], capture_output=True, text=True, check=True
    )
    cumulative = [int(m.group(1)) for m in re.finditer(r"\|\s+(\d+) \| [^ \n]", done.stderr)]
    top = [int(m.group(1)) for m in re.finditer(r"\|\s+(\d+) \| (\S+)$", done.stderr, re.M)]
    return max(cumulative + top, default=0) / 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=10, help="runs per command")
    args = parser.parse_args()
    print(f"{'command':28} {'wall ms (median, range)':>28} {'CPU ms (median)':>16} {'imports ms':>11}")
    for label, argv in COMMANDS.items():
        runs = [_run(argv) for _ in range(args.n)]
        walls = [w * 1000 for w, _ in runs]
        cpus = [c * 1000 for _, c in runs]
        spread = f"{statistics.median(walls):7.0f} ({min(walls):.0f}-{max(walls):.0f})"
        print(f"{label:28} {spread:>28} {statistics.median(cpus):16.0f} {_import_ms(argv):11.0f}")


if __name__ == "__main__":
    main()
