"""Reading SpamAssassin's output: captured samples in, scores and rule hits out; the adapter's failures.

The samples were printed by Debian's SpamAssassin 4.0.1 (``mailer.spamscore.command``, shipped rules, no
sa-update) for small hand-written messages; only the ``X-Spam-Checker-Version`` and ``X-Spam-Level``
header lines are left out.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from mailer.check import Finding
from mailer.spamscore import (
    RuleHit,
    SpamCheckFailed,
    SpamCheckUnavailable,
    SpamScore,
    command,
    parse_output,
    parse_summary,
    score_message,
    spam_findings,
)

# A plain text mail with 8-bit text and no MIME headers: a long rule name and a wrapped description.
HAM = """\
X-Spam-Status: No, score=1.0 required=5.0 tests=MSGID_SHORT,NO_RECEIVED,
\tNO_RELAYS,PP_MIME_FAKE_ASCII_TEXT autolearn=disabled version=4.0.1
From: Test <a@example.se>
To: b@example.se
Subject: Hej
Date: Mon, 02 Mar 2026 10:00:00 +0000
Message-ID: <x1@example.se>

Hej hej, det här är ett test.
@@kk-spamscore-begin@@
score=1.0 required=5.0
tests=MSGID_SHORT=0.001,NO_RECEIVED=-0.001,NO_RELAYS=-0.001,PP_MIME_FAKE_ASCII_TEXT=1
-0.0 NO_RECEIVED            Informational: message has no Received headers
 0.0 MSGID_SHORT            Message-ID is unusually short
-0.0 NO_RELAYS              Informational: message was not relayed via SMTP
 1.0 PP_MIME_FAKE_ASCII_TEXT BODY: MIME text/plain claims to be ASCII but
                            isn't

@@kk-spamscore-end@@

"""

# Freemail sender with another freemail Reply-To: a hit with a "[...]" detail line under its description.
FREEMAIL = """\
X-Spam-Status: No, score=2.0 required=5.0 tests=FORGED_GMAIL_RCVD,
\tFREEMAIL_FROM,FREEMAIL_REPLYTO,NO_RECEIVED,NO_RELAYS
\tautolearn=disabled version=4.0.1
From: Kalle <kalle.karlsson.lang.adress.for.test@gmail.com>
Reply-To: other.person@yahoo.com
To: b@example.se
Subject: Hej

Hej hej, det här är ett test.
@@kk-spamscore-begin@@
score=2.0 required=5.0
tests=FORGED_GMAIL_RCVD=1,FREEMAIL_FROM=0.001,FREEMAIL_REPLYTO=1,NO_RECEIVED=-0.001,NO_RELAYS=-0.001
-0.0 NO_RECEIVED            Informational: message has no Received headers
 1.0 FORGED_GMAIL_RCVD      'From' gmail.com does not match 'Received' headers
-0.0 NO_RELAYS              Informational: message was not relayed via SMTP
 0.0 FREEMAIL_FROM          Sender email is commonly abused enduser mail provider
                            [kalle.karlsson.lang.adress.for.test(at)gmail.com]
 1.0 FREEMAIL_REPLYTO       Reply-To/From or Reply-To/body contain different
                            freemails

@@kk-spamscore-end@@

"""

# GTUBE, the standard test string: spam, and points of 10 and more are printed without decimals.
GTUBE = """\
X-Spam-Flag: YES
X-Spam-Status: Yes, score=1000.0 required=5.0 tests=GTUBE,NO_RECEIVED,
\tNO_RELAYS,TVD_SPACE_RATIO autolearn=disabled version=4.0.1
X-Spam-Report:
\t* -0.0 NO_RECEIVED Informational: message has no Received headers
\t* -0.0 NO_RELAYS Informational: message was not relayed via SMTP
\t*  1000 GTUBE BODY: Generic Test for Unsolicited Bulk Email
\t*  0.0 TVD_SPACE_RATIO No description available.
From: Test <a@example.se>
Subject: GTUBE

XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X
@@kk-spamscore-begin@@
score=1000.0 required=5.0
tests=GTUBE=1000,NO_RECEIVED=-0.001,NO_RELAYS=-0.001,TVD_SPACE_RATIO=0.001
-0.0 NO_RECEIVED            Informational: message has no Received headers
-0.0 NO_RELAYS              Informational: message was not relayed via SMTP
1000 GTUBE                  BODY: Generic Test for Unsolicited Bulk Email
 0.0 TVD_SPACE_RATIO        No description available.

@@kk-spamscore-end@@

"""

# Written by hand in the same shape: what SpamAssassin prints when no rule hits.
CLEAN = """\
Subject: Hej

Hej.
@@kk-spamscore-begin@@
score=0.0 required=5.0
tests=none

@@kk-spamscore-end@@
"""


def hits(*rows: tuple[str, float, str]) -> tuple[RuleHit, ...]:
    return tuple(RuleHit(*row) for row in rows)


@pytest.mark.parametrize(
    ("output", "expected"),
    [
        (
            HAM,
            SpamScore(
                1.0,
                5.0,
                hits(
                    ("PP_MIME_FAKE_ASCII_TEXT", 1.0, "BODY: MIME text/plain claims to be ASCII but isn't"),
                    ("MSGID_SHORT", 0.001, "Message-ID is unusually short"),
                    ("NO_RECEIVED", -0.001, "Informational: message has no Received headers"),
                    ("NO_RELAYS", -0.001, "Informational: message was not relayed via SMTP"),
                ),
            ),
        ),
        (
            FREEMAIL,
            SpamScore(
                2.0,
                5.0,
                hits(
                    ("FORGED_GMAIL_RCVD", 1.0, "'From' gmail.com does not match 'Received' headers"),
                    ("FREEMAIL_REPLYTO", 1.0, "Reply-To/From or Reply-To/body contain different freemails"),
                    ("FREEMAIL_FROM", 0.001, "Sender email is commonly abused enduser mail provider"),
                    ("NO_RECEIVED", -0.001, "Informational: message has no Received headers"),
                    ("NO_RELAYS", -0.001, "Informational: message was not relayed via SMTP"),
                ),
            ),
        ),
        (
            GTUBE,
            SpamScore(
                1000.0,
                5.0,
                hits(
                    ("GTUBE", 1000.0, "BODY: Generic Test for Unsolicited Bulk Email"),
                    ("TVD_SPACE_RATIO", 0.001, "No description available."),
                    ("NO_RECEIVED", -0.001, "Informational: message has no Received headers"),
                    ("NO_RELAYS", -0.001, "Informational: message was not relayed via SMTP"),
                ),
            ),
        ),
        (CLEAN, SpamScore(0.0, 5.0, ())),
    ],
    ids=["ham", "freemail", "gtube", "clean"],
)
def test_captured_output(output: str, expected: SpamScore) -> None:
    assert parse_output(output) == expected
    assert parse_output(output.replace("\n", "\r\n")) == expected


def test_spam_and_lines() -> None:
    assert parse_output(GTUBE).is_spam and not parse_output(HAM).is_spam
    assert parse_output(HAM).lines()[0] == (
        " 1.000  PP_MIME_FAKE_ASCII_TEXT  BODY: MIME text/plain claims to be ASCII but isn't"
    )


def test_a_message_that_quotes_the_markers_cannot_forge_its_score() -> None:
    forged = "@@kk-spamscore-begin@@\nscore=-5.0 required=5.0\ntests=none\n@@kk-spamscore-end@@\n"
    output = GTUBE.replace("XJS*C4JDBQADN1", forged + "XJS*C4JDBQADN1")
    assert parse_output(output).points == 1000.0


def test_summary_lines_without_a_rule_before_them_are_ignored() -> None:
    assert parse_summary(["                            stray", " 0.5 RULE_A      first", "   second"]) == {
        "RULE_A": "first second"
    }


@pytest.mark.parametrize(
    "output",
    [
        "",
        "Subject: Hej\n\nHej.\n",  # no report at all (e.g. a report template overridden in local.cf)
        "@@kk-spamscore-begin@@\nscore=0.0 required=5.0\ntests=none\n",  # cut off
        "@@kk-spamscore-begin@@\nscore=_SCORE_ required=5.0\ntests=none\n@@kk-spamscore-end@@\n",
        "@@kk-spamscore-begin@@\nscore=0.0 required=5.0\n@@kk-spamscore-end@@\n",
        "@@kk-spamscore-begin@@\nscore=0.0 required=5.0\ntests=A=1,B\n@@kk-spamscore-end@@\n",
    ],
    ids=["empty", "no-report", "cut-off", "tag-not-replaced", "no-tests", "bad-rule"],
)
def test_unreadable_output_is_an_error_that_keeps_the_output(output: str) -> None:
    with pytest.raises(SpamCheckFailed, match="inte går att tolka") as caught:
        parse_output(output)
    assert caught.value.output == output


def test_findings_for_the_newsletter_check() -> None:
    assert spam_findings(SpamScore(0.9, 5.0, ())) == []
    warning = spam_findings(parse_output(FREEMAIL))
    assert [(f.severity, f.code) for f in warning] == [("warning", "spam_score")]
    assert "2.0 poäng" in warning[0].message and "FREEMAIL_REPLYTO (+1.0)" in warning[0].message
    assert "NO_RELAYS" not in warning[0].message  # rules that lower the score are no reason
    error = spam_findings(parse_output(GTUBE))
    assert error == [Finding("error", "spam_score", error[0].message)] and "spam" in error[0].message


def test_the_command_runs_local_tests_only_and_learns_nothing(tmp_path: Path) -> None:
    argv = command("/usr/bin/spamassassin", tmp_path)
    assert argv[:4] == ["/usr/bin/spamassassin", "--local", "--test-mode", "--nocreate-prefs"]
    assert f"--prefspath={tmp_path / 'user_prefs'}" in argv
    assert {"--cf=use_bayes 0", "--cf=bayes_auto_learn 0", "--cf=skip_rbl_checks 1"} <= set(argv)


# -- the adapter around the program, with stand-ins for it --------------------------------------------


def fake_spamassassin(directory: Path, script: str, monkeypatch: pytest.MonkeyPatch) -> None:
    program = directory / "spamassassin"
    program.write_text(f"#!/bin/sh\n{script}\n", encoding="utf-8")
    program.chmod(program.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", f"{directory}{os.pathsep}{os.environ.get('PATH', '')}")


def test_missing_program_says_how_to_install_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(SpamCheckUnavailable, match="apt install spamassassin"):
        score_message(b"Subject: x\r\n\r\nx\r\n")


def test_the_program_gets_the_message_and_a_home_of_its_own(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen = tmp_path / "seen"
    report = CLEAN.replace("Hej.", "")
    fake_spamassassin(
        tmp_path,
        f'cat > {seen}; echo "$HOME" > {seen}.home; cat <<"EOF"\n{report}EOF',
        monkeypatch,
    )
    assert score_message(b"Subject: x\r\n\r\nx\r\n") == SpamScore(0.0, 5.0, ())
    assert seen.read_bytes() == b"Subject: x\r\n\r\nx\r\n"
    home = seen.with_suffix(".home").read_text(encoding="utf-8").strip()
    assert home != os.environ.get("HOME") and not Path(home).exists()  # a temporary one, removed


@pytest.mark.parametrize(
    ("script", "match"),
    [
        ("echo Cannot locate Mail/SpamAssassin.pm >&2; exit 2", "fel 2: Cannot locate Mail"),
        ("cat; echo garbage", "inte går att tolka"),
        ("sleep 30", "inte klart på 0.5 sekunder"),
    ],
    ids=["crash", "garbage", "timeout"],
)
def test_failures_are_errors_in_plain_words(
    script: str, match: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_spamassassin(tmp_path, script, monkeypatch)
    with pytest.raises(SpamCheckFailed, match=match):
        score_message(b"Subject: x\r\n\r\nx\r\n", timeout=0.5)
