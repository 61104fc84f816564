"""The subject table: each row is a subject as people really write it, and what it must mean.

The same table is in the README ("Subject rules"); ``test_readme_shows_the_table`` keeps them equal.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from inbound.subject_rules import SubjectCommand, subject_command, words

S, U, Q = "subscribe", "unsubscribe", "case"

SUBJECT_TABLE: list[tuple[str, str]] = [
    ("Nyhetsbrev", S),
    ("nyhetsbrev", S),
    ("NYHETSBREV!!!", S),
    ("  Nyhetsbrev.  ", S),
    ("Nyhetsbrev tack", S),
    ("Nyhetsbrevet", S),
    ("Nyhets brev", S),
    ("Prenumerera på nyhetsbrevet", S),
    ("Anmälan nyhetsbrev", S),
    ("Jag vill gärna ha ert nyhetsbrev, tack!", S),
    ("Lägg till mig på sändlistan för nyhetsbrevet", S),
    ("Re: Nyhetsbrev", S),
    ("SV: Nyhetsbrev", S),
    ("VB: Nyhetsbrev", S),
    ("Fwd: Nyhetsbrev", S),
    ("AW: Newsletter", S),
    ("Re[2]: SV: nyhetsbrev", S),
    ("Subscribe", S),
    ("Newsletter please", S),
    ("Prenumerera", S),
    ("Re: Bekräfta din prenumeration på Kulturkluster Sörmlands nyhetsbrev", S),
    ("Avsluta", U),
    ("avsluta prenumeration", U),
    ("SV: Avsluta nyhetsbrev", U),
    ("Avprenumerera", U),
    ("Avregistrera mig", U),
    ("Unsubscribe", U),
    ("Re: Unsubscribe me please", U),
    ("Sluta skicka nyhetsbrev", U),
    ("Ta bort mig från listan", U),
    ("Avsluta nyhetsbrev kku-ImFubmFAZXguc2Ui.awW09w.HKuSecB_u4K0tg", U),
    ("Fråga om nyhetsbrevet i april", Q),
    ("Kan ni tipsa om vårt evenemang i nyhetsbrevet?", Q),
    ("Anmälan", Q),
    ("Anmälan Kulturfrukost", Q),
    ("Avsluta ärendet", Q),
    ("Hur söker man utvecklingscheckarna?", Q),
    ("Hej", Q),
]


@pytest.mark.parametrize(("subject", "expected"), SUBJECT_TABLE)
def test_subject_table(subject: str, expected: str) -> None:
    command, reason = subject_command(subject)
    assert (command.value if command else Q) == expected, reason
    assert reason


def test_prefixes_and_tokens_are_not_words() -> None:
    assert words("Re: SV: VB: Fwd: AW: Nyhetsbrev") == ["nyhetsbrev"]
    assert words("Avsluta kku-abcdefgh.ijk.lmn") == ["avsluta"]


def test_unsubscribe_wins_when_both_words_appear() -> None:
    assert subject_command("Avsluta nyhetsbrevet")[0] is SubjectCommand.UNSUBSCRIBE


def test_empty_subject_is_a_question() -> None:
    assert subject_command("") == (None, "empty subject")


def test_long_subjects_are_questions() -> None:
    assert subject_command("nyhetsbrev " * 11)[0] is None


def _readme_rows() -> list[tuple[str, str]]:
    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    section = readme.split("<!-- subject-table:start -->")[1].split("<!-- subject-table:end -->")[0]
    rows = re.findall(r"^\| `(.*)` \| (\w+) \|$", section, re.MULTILINE)
    return [(subject, expected) for subject, expected in rows]


def test_readme_shows_the_table() -> None:
    assert _readme_rows() == SUBJECT_TABLE
