"""The sending worker caps glibc's malloc arenas itself, unless the operator chose a number."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

PROBE = "from kulturkluster.malloc_arenas import limit_malloc_arenas; print(limit_malloc_arenas(2))"


def _probe(env: dict[str, str]) -> str:
    done = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, check=True, env=env)
    return done.stdout.strip()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's mallopt")
def test_the_cap_is_set_in_a_fresh_process() -> None:
    assert _probe({k: v for k, v in os.environ.items() if k != "MALLOC_ARENA_MAX"}) == "True"


def test_an_operators_own_setting_is_left_alone() -> None:
    assert _probe(dict(os.environ, MALLOC_ARENA_MAX="4")) == "False"
