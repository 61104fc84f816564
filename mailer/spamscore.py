"""How SpamAssassin scores a message we send, run locally: no network tests, no Bayes, nothing learned.

``score_message`` runs Debian's ``spamassassin`` script once per message in test mode with a report
template of our own (a delimited block with the score, the rules hit with their points, and SpamAssassin's
summary table for the descriptions); ``parse_output`` turns that text into a ``SpamScore`` and is pure.
Nothing is written outside a temporary home directory, so a developer's ``~/.spamassassin`` stays as it
was and two runs of the same message give the same result.

Left out on purpose: DNS blocklists, URI blocklists, Razor/Pyzor/DCC, SPF, DKIM and DMARC (all need the
network, and the message has not travelled yet), Bayes and auto-learning (they depend on a mailbox's
history). What remains are the header, body, HTML and MIME rules, which is what our templates and
headers control.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from kulturkluster.errors import ErrorKind, KulturklusterError
from kulturkluster.texts import t
from mailer.check import Finding

SPAMASSASSIN = "spamassassin"
# Our own bar, far below SpamAssassin's default of 5.0: a mail of ours that needs a point of luck to pass
# a receiver's filter has a problem worth fixing before it goes to the whole list.
POINTS_LIMIT = 1.0

_BEGIN = "@@kk-spamscore-begin@@"
_END = "@@kk-spamscore-end@@"
# Site configuration for this run only (``--cf`` lines). Network tests are off through ``--local``.
_CONFIG = (
    "use_bayes 0",
    "bayes_auto_learn 0",
    "skip_rbl_checks 1",
    "report_safe 0",
    "clear_report_template",
    f"report {_BEGIN}",
    "report score=_SCORE_ required=_REQD_",
    "report tests=_TESTSSCORES(,)_",
    "report _SUMMARY_",
    f"report {_END}",
)
# A rule's line in the summary starts with its points ("%4.1f", or "%4.0f" from 10 up); the lines that
# continue a description are indented by 28 spaces, details of a hit are "[...]".
_HIT_LINE = re.compile(r"^ {0,3}-?\d+(?:\.\d+)?\s+([A-Za-z0-9_]+)(?:\s+(.*))?$")
_SCORE_LINE = re.compile(r"^score=(-?\d+(?:\.\d+)?) required=(-?\d+(?:\.\d+)?)$")
_RULE_SCORE = re.compile(r"^([A-Za-z0-9_]+)=(-?\d+(?:\.\d+)?)$")
_STDERR_TAIL = 500


class SpamCheckUnavailable(KulturklusterError):
    """The ``spamassassin`` program is not installed."""

    kind = ErrorKind.UNAVAILABLE


class SpamCheckFailed(KulturklusterError):
    """SpamAssassin ran but gave no usable score (it crashed, took too long or printed something else)."""

    kind = ErrorKind.UNAVAILABLE

    def __init__(self, message: str, output: str = "") -> None:
        super().__init__(message)
        self.output = output  # what it printed, for the log


@dataclass(frozen=True, slots=True)
class RuleHit:
    name: str  # e.g. "HTML_FONT_LOW_CONTRAST"
    points: float
    description: str  # SpamAssassin's own, in English


@dataclass(frozen=True, slots=True)
class SpamScore:
    points: float  # the total as SpamAssassin reports it (one decimal), Bayes and network tests left out
    threshold: float  # SpamAssassin's "required" score: from here on a receiver's filter calls it spam
    rules: tuple[RuleHit, ...]  # highest points first

    @property
    def is_spam(self) -> bool:
        return self.points >= self.threshold

    def lines(self) -> list[str]:
        """One line per rule hit, as SpamAssassin prints them: points, name, description."""
        return [f"{hit.points:6.3f}  {hit.name:<24} {hit.description}".rstrip() for hit in self.rules]


def score_message(raw: bytes, timeout: float = 60.0) -> SpamScore:
    """Score ``raw`` (a complete RFC 5322 message) with the local SpamAssassin rules.

    Raises ``SpamCheckUnavailable`` when SpamAssassin is not installed and ``SpamCheckFailed`` when it
    does not answer within ``timeout`` seconds, fails, or prints no score.
    """
    program = shutil.which(SPAMASSASSIN)
    if program is None:
        raise SpamCheckUnavailable(t("spam.unavailable"))
    with tempfile.TemporaryDirectory(prefix="kk-spamscore-") as home:
        returncode, stdout, stderr = _run(command(program, Path(home)), raw, home, timeout)
    output = stdout.decode("utf-8", errors="replace")
    if returncode != 0:
        error = stderr.decode("utf-8", errors="replace").strip()[-_STDERR_TAIL:]
        raise SpamCheckFailed(t("spam.failed", code=returncode, error=error or "-"), output)
    return parse_output(output)


def _run(argv: list[str], raw: bytes, home: str, timeout: float) -> tuple[int, bytes, bytes]:
    try:
        # A session of its own, so that a timeout ends whatever the program started too (a child that
        # kept the pipes open would otherwise keep us waiting).
        proc = subprocess.Popen(
            argv,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=_environment(os.environ, home),
            start_new_session=True,
        )
    except FileNotFoundError as exc:  # removed between which() and here
        raise SpamCheckUnavailable(t("spam.unavailable")) from exc
    with proc:
        try:
            stdout, stderr = proc.communicate(raw, timeout=timeout)
        except subprocess.TimeoutExpired as exc:
            with contextlib.suppress(ProcessLookupError):  # it may have ended just now
                os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
            raise SpamCheckFailed(t("spam.timeout", seconds=f"{timeout:g}")) from exc
    return proc.returncode, stdout, stderr


def command(program: str, home: Path) -> list[str]:
    """The command line: local tests only, test mode (the report follows the message), no user prefs."""
    return [
        program,
        "--local",
        "--test-mode",
        "--nocreate-prefs",
        f"--prefspath={home / 'user_prefs'}",
        *(f"--cf={line}" for line in _CONFIG),
    ]


def _environment(base: Mapping[str, str], home: str) -> dict[str, str]:
    # A throwaway HOME: spamassassin creates ~/.spamassassin even with --nocreate-prefs. The C locale
    # keeps the rule descriptions in English (SpamAssassin picks a translation from LANG and friends).
    env = {k: v for k, v in base.items() if k not in ("LANGUAGE", "LC_MESSAGES", "LANG")}
    env.update(HOME=home, LC_ALL="C")
    return env


def parse_output(output: str) -> SpamScore:
    """The score in the output of ``spamassassin --test-mode`` with our report template.

    The report comes after the (possibly large) message, so the last delimited block counts: a message
    that happens to contain the marker cannot forge a score.
    """
    start = output.rfind(_BEGIN)
    end = output.find(_END, start)
    if start < 0 or end < 0:
        raise SpamCheckFailed(t("spam.unreadable"), output)
    lines = output[start + len(_BEGIN) : end].strip("\r\n").splitlines()
    if len(lines) < 2:
        raise SpamCheckFailed(t("spam.unreadable"), output)
    totals = _SCORE_LINE.match(lines[0].strip())
    if totals is None or not lines[1].startswith("tests="):
        raise SpamCheckFailed(t("spam.unreadable"), output)
    points = _rule_points(lines[1].removeprefix("tests=").strip(), output)
    descriptions = parse_summary(lines[2:])
    hits = (RuleHit(name, value, descriptions.get(name, "")) for name, value in points.items())
    return SpamScore(
        points=float(totals.group(1)),
        threshold=float(totals.group(2)),
        rules=tuple(sorted(hits, key=lambda hit: (-hit.points, hit.name))),
    )


def _rule_points(tests: str, output: str) -> dict[str, float]:
    if tests == "none":
        return {}
    points: dict[str, float] = {}
    for item in tests.split(","):
        match = _RULE_SCORE.match(item.strip())
        if match is None:
            raise SpamCheckFailed(t("spam.unreadable"), output)
        points[match.group(1)] = float(match.group(2))
    return points


def parse_summary(lines: list[str]) -> dict[str, str]:
    """Rule name -> description from SpamAssassin's summary table (descriptions wrap over lines)."""
    descriptions: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in lines:
        if not line.strip():
            continue
        hit = _HIT_LINE.match(line) if not line.startswith(" " * 4) else None
        if hit is not None:
            current = descriptions.setdefault(hit.group(1), [])
            if hit.group(2):
                current.append(hit.group(2).strip())
            continue
        text = line.strip()
        if current is not None and not (text.startswith("[") and text.endswith("]")):
            current.append(text)  # "[...]" lines are details of the hit (e.g. the URI), not its description
    return {name: " ".join(words) for name, words in descriptions.items()}


def spam_findings(score: SpamScore, limit: float = POINTS_LIMIT) -> list[Finding]:
    """What ``newsletter check`` says about a score: nothing below ``limit``, a warning from there, an
    error when a receiver's SpamAssassin would call the mail spam."""
    if score.points < limit:
        return []
    rules = ", ".join(f"{hit.name} ({hit.points:+.1f})" for hit in score.rules if hit.points > 0)
    if score.is_spam:
        message = t("spam.is_spam", points=score.points, threshold=score.threshold, rules=rules)
        return [Finding("error", "spam_score", message)]
    message = t("spam.high_score", points=score.points, limit=limit, rules=rules)
    return [Finding("warning", "spam_score", message)]
