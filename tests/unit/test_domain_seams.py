"""The pure parts of the domains' use cases: which answer a sign-up gets, double opt-in, case references."""

from __future__ import annotations

import pytest

from cases.reference import CaseNotFound, is_reference, tagged_reference, without_tags
from cases.replies import clean_subject
from kulturkluster.answers import AnswerKind
from kulturkluster.errors import KulturklusterError
from kulturkluster.settings import ConfirmPolicy
from subscribers.requests import SUBSCRIBE_ANSWER, Requester, needs_confirmation
from subscribers.service import SubscribeOutcome


def test_every_sign_up_outcome_has_its_answer() -> None:
    assert set(SUBSCRIBE_ANSWER) == set(SubscribeOutcome)
    assert SUBSCRIBE_ANSWER[SubscribeOutcome.CONFIRMATION_NEEDED] is AnswerKind.CONFIRM


@pytest.mark.parametrize(
    ("policy", "verified", "confirm_first"),
    [
        (ConfirmPolicy.NEVER, False, False),
        (ConfirmPolicy.ALWAYS, True, True),
        (ConfirmPolicy.AUTO, True, False),
        (ConfirmPolicy.AUTO, False, True),
    ],
)
def test_double_opt_in(policy: ConfirmPolicy, verified: bool, confirm_first: bool) -> None:
    assert needs_confirmation(policy, verified) is confirm_first


def test_the_answer_goes_back_in_the_requests_thread() -> None:
    requester = Requester("anna@example.se", "Anna", "<q@x>", ("<a@x>", "<q@x>"), 7)
    answer = requester.answer(AnswerKind.WELCOME)
    assert (answer.to_address, answer.to_name, answer.in_reply_to) == ("anna@example.se", "Anna", "<q@x>")
    assert (answer.references, answer.inbound_message_id) == (("<a@x>", "<q@x>"), 7)


def test_case_references_and_tags() -> None:
    assert is_reference(" kk-2026-0042 ") and not is_reference("KK-2026-0042] x [KK-2026-0043")
    assert not is_reference("[KK-2026-0042]") and not is_reference("KK-26-1")
    assert tagged_reference("SV: [ kk-2026-0042 ] Fråga") == "KK-2026-0042"
    assert tagged_reference("Fråga") is None
    assert without_tags("Fråga [KK-2026-0042] om bidrag") == "Fråga om bidrag"
    assert clean_subject("SV: [KK-2026-0042] Fråga") == "Fråga"
    assert clean_subject("Re: [KK-2026-0042]") == "(inget ämne)"


def test_case_not_found_keeps_the_reference() -> None:
    error = CaseNotFound("KK-2026-9999")
    assert isinstance(error, KulturklusterError) and error.reference == "KK-2026-9999"
    assert "KK-2026-9999" in str(error)


def test_bare_references_in_subjects() -> None:
    from cases.reference import mentioned_reference

    assert mentioned_reference("Ang. KK-2026-0042") == "KK-2026-0042"
    assert mentioned_reference("Ärende kk-2026-42 igen") == "KK-2026-0042"
    assert mentioned_reference("SV: [KK-2026-0042] Fråga") == "KK-2026-0042"
    assert mentioned_reference("Fråga om XKK-2026-0042 eller KK-2026-0042x") is None
    assert mentioned_reference("Fråga") is None
