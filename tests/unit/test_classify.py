"""Classification of the literal test mails in tests/mail/ (file name: <expected route>__<what>.eml)."""

from __future__ import annotations

from pathlib import Path

import pytest

from cases.thread_match import Action, Match
from inbound.classify import RULES, ClassifyContext, Route, classify
from inbound.parse import UnparseableMail, parse
from tests.conftest import MAIL_DIR, ORG_ADDRESS

CONTEXT = ClassifyContext(own_addresses=frozenset({ORG_ADDRESS}))
MAILS = sorted(MAIL_DIR.glob("*.eml"))


@pytest.mark.parametrize("path", MAILS, ids=[p.stem for p in MAILS])
def test_every_test_mail_routes_as_its_name_says(path: Path) -> None:
    expected = Route(path.name.split("__")[0])
    try:
        decision = classify(parse(path.read_bytes()), CONTEXT)
    except UnparseableMail:
        assert expected is Route.QUARANTINE
        return
    assert decision.route is expected, decision
    assert decision.reason


def test_rules_have_unique_names_and_end_with_a_catch_all() -> None:
    names = [rule.name for rule in RULES]
    assert len(names) == len(set(names))
    assert RULES[-1].route is Route.NEW_CASE


def _mail(subject: str = "Hej", **headers: str) -> bytes:
    lines = ["From: Anna <anna@example.se>", f"Subject: {subject}", "Message-ID: <m1@example.se>"]
    lines += [f"{name.replace('_', '-')}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\nText\r\n").encode()


@pytest.mark.parametrize(
    ("headers", "rule"),
    [
        ({"Auto_Submitted": "auto-replied"}, "auto_submitted"),
        ({"Auto_Submitted": "auto-generated; owner-email=x@y.se"}, "auto_submitted"),
        ({"X_Autoreply": "yes"}, "autoreply_header"),
        ({"X_Autorespond": "Vacation"}, "autoreply_header"),
        ({"X_Auto_Response_Suppress": "All"}, "auto_response_suppress"),
        ({"Precedence": "auto_reply"}, "precedence"),
        ({"Precedence": "junk"}, "precedence"),
        ({"Precedence": "list"}, "precedence"),
        ({"Return_Path": "<>"}, "null_sender"),
        ({"X_Kulturkluster": "welcome"}, "our_marker"),
    ],
)
def test_automatic_mail_signals(headers: dict[str, str], rule: str) -> None:
    # The marker counts only when the pipeline found our seal on it (inbound.context).
    ctx = ClassifyContext(own_addresses=CONTEXT.own_addresses, our_marker_sealed=rule == "our_marker")
    decision = classify(parse(_mail("Nyhetsbrev", **headers)), ctx)
    assert (decision.route, decision.rule) == (Route.AUTO_REPLY, rule)


def test_an_unsealed_marker_is_ignored() -> None:
    decision = classify(parse(_mail("Nyhetsbrev", X_Kulturkluster="welcome")), CONTEXT)
    assert (decision.route, decision.rule) == (Route.SUBSCRIBE, "subscribe_subject")


def test_auto_submitted_no_is_a_person() -> None:
    assert classify(parse(_mail("Nyhetsbrev", Auto_Submitted="no")), CONTEXT).route is Route.SUBSCRIBE


@pytest.mark.parametrize(
    "subject",
    [
        "Automatiskt svar: Fråga",
        "Autosvar: x",
        "Frånvaro",
        "Frånvaromeddelande: x",
        "Out of Office",
        "Automatic reply: Hej",
    ],
)
def test_out_of_office_subjects(subject: str) -> None:
    assert classify(parse(_mail(subject)), CONTEXT).rule == "out_of_office"


def test_a_question_about_absence_is_not_an_out_of_office() -> None:
    assert classify(parse(_mail("Frånvaro vid Kulturfrukost, hur gör jag?")), CONTEXT).route is Route.NEW_CASE


def test_from_our_own_address_is_never_answered() -> None:
    raw = _mail("Nyhetsbrev").replace(b"anna@example.se", ORG_ADDRESS.upper().encode())
    assert classify(parse(raw), CONTEXT).rule == "from_ourselves"


def test_tokens_in_the_context_win_over_the_subject() -> None:
    mail = parse(_mail("Re: Bekräfta din prenumeration"))
    assert classify(mail, ClassifyContext(confirm_address="anna@example.se")).route is Route.CONFIRM
    unsub = ClassifyContext(unsubscribe_address="anna@example.se")
    auto = parse(_mail("Avsluta kku-x", Auto_Submitted="auto-generated"))
    assert classify(auto, unsub).route is Route.UNSUBSCRIBE


def test_known_thread_is_a_case_reply_even_with_a_list_word() -> None:
    mail = parse(_mail("Re: Avsluta"))
    match = Match(1, "KK-2026-0001", Action.APPEND, "answers our mail in KK-2026-0001")
    assert classify(mail, ClassifyContext(case_match=match)).route is Route.CASE_REPLY
    follow = Match(1, "KK-2026-0001", Action.FOLLOW_UP, "closed 90 days ago")
    assert classify(mail, ClassifyContext(case_match=follow)).route is Route.NEW_CASE


def test_a_case_tag_alone_decides_nothing_here() -> None:
    """Whether a tag counts depends on the case's participants: the pipeline's case_match says so."""
    assert classify(parse(_mail("Re: [KK-2026-0042] Hej")), CONTEXT).route is Route.NEW_CASE


def test_replies_to_our_automatic_answers_are_recognised() -> None:
    from kulturkluster.answers import answers_our_automatic_mail

    assert answers_our_automatic_mail(("kkauto.0f3a@kulturkluster.test",))
    assert answers_our_automatic_mail(("kkc-abc.def.ghi@kulturkluster.test",))
    assert not answers_our_automatic_mail(
        ("kka-abc.def.ghi@kulturkluster.test",)
    )  # a case mail: a person's reply
    assert not answers_our_automatic_mail(("CAF=x@mail.gmail.com",))


def test_every_rule_has_a_swedish_explanation_for_staff() -> None:
    from inbound import reroute
    from inbound.classify import RULES
    from kulturkluster.texts import SV

    names = {rule.name for rule in RULES} | {"unreadable", "handler_failed", reroute.MANUAL_RULE}
    assert {name for name in names if f"rule.{name}" not in SV} == set()
