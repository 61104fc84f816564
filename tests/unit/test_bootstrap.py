"""scripts/_bootstrap.sh: ``ensure_venv`` runs pip only when pyproject.toml or the extras changed.

Runs the real shell function in a scratch checkout whose ``.venv/bin/python`` is a stand-in that records
its arguments instead of installing anything.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

BOOTSTRAP = Path(__file__).parents[2] / "scripts" / "_bootstrap.sh"


def _checkout(tmp_path: Path) -> Path:
    (tmp_path / ".venv" / "bin").mkdir(parents=True)
    python = tmp_path / ".venv" / "bin" / "python"
    python.write_text('#!/bin/sh\necho "$*" >> "$(dirname "$0")/../../pip.log"\n')
    python.chmod(0o755)
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\ndependencies = []\n')
    return tmp_path


def _ensure(checkout: Path, extras: str = "") -> list[str]:
    subprocess.run(
        ["bash", "-c", f'set -euo pipefail; . "{BOOTSTRAP}"; ensure_venv "{extras}"'],
        cwd=checkout,
        check=True,
    )
    log = checkout / "pip.log"
    lines = log.read_text().splitlines() if log.exists() else []
    return [line for line in lines if line.endswith(f"-e .{extras}")]


def test_pip_runs_only_when_pyproject_or_extras_change(tmp_path: Path) -> None:
    checkout = _checkout(tmp_path)
    assert len(_ensure(checkout)) == 1
    assert len(_ensure(checkout)) == 1  # nothing changed: no pip, no package index
    assert len(_ensure(checkout, "[test]")) == 1  # other extras: installed once
    assert len(_ensure(checkout, "[test]")) == 1
    assert len(_ensure(checkout)) == 1  # and the plain install is still stamped
    (checkout / "pyproject.toml").write_text('[project]\nname = "x"\ndependencies = ["dnspython"]\n')
    assert len(_ensure(checkout)) == 2
    assert len(_ensure(checkout, "[test]")) == 2
