"""flufl.bounce's own real-world bounce samples: each routes to ``bounce`` with the addresses its tests expect.

The samples ship in flufl.bounce's source distribution only, so the test fetches it from PyPI with
``pip download --no-binary :all: flufl.bounce`` (once per session) and reads the expectations from the
package's own ``tests/test_detectors.py``.
"""

from __future__ import annotations

import ast
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from inbound.classify import ClassifyContext, Route, classify
from inbound.parse import parse

pytestmark = pytest.mark.integration

# flufl.bounce's tests call these two "not a bounce": a person's reply that once confused the GroupWise
# detector, and an autoresponder's reply. They must not become bounces here either.
NOT_BOUNCES = {"groupwise_03.txt": Route.NEW_CASE, "qmail_08.txt": Route.AUTO_REPLY}
CONTEXT = ClassifyContext(own_addresses=frozenset({"kulturkluster@kulturkluster.test"}))


@pytest.fixture(scope="session")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("flufl")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--quiet",
            "--no-deps",
            "--no-binary",
            ":all:",
            "-d",
            str(target),
            "flufl.bounce",
        ],
        check=True,
        capture_output=True,
    )
    [sdist] = target.glob("flufl*bounce-*.tar.gz")
    with tarfile.open(sdist) as archive:
        archive.extractall(target, filter="data")
    [root] = [p for p in target.iterdir() if p.is_dir()]
    return root / "tests"


def _expectations(tests_dir: Path) -> list[tuple[str, str, list[bytes], bool]]:
    tree = ast.parse((tests_dir / "test_detectors.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", "") == "DETECTORS" for t in node.targets):
            return list(ast.literal_eval(node.value))
    raise AssertionError("no DETECTORS table in flufl.bounce's tests")


def test_every_sample_routes_to_bounce(corpus: Path) -> None:
    samples = sorted((corpus / "data").glob("*.txt"))
    assert len(samples) > 100
    wrong = {}
    for sample in samples:
        route = classify(parse(sample.read_bytes()), CONTEXT).route
        if route is not NOT_BOUNCES.get(sample.name, Route.BOUNCE):
            wrong[sample.name] = route
    assert not wrong


def test_detected_addresses_match_flufl_bounces_own_tests(corpus: Path) -> None:
    expectations = _expectations(corpus)
    assert len(expectations) > 100
    missing = []
    for _detector, filename, expected, temporary in expectations:
        found = parse((corpus / "data" / filename).read_bytes()).bounce
        got = {a.lower() for a in (found.temporary if temporary else found.permanent)}
        want = {a.decode().lower() for a in expected}
        if not want <= got:
            missing.append((filename, sorted(want - got)))
    assert not missing
