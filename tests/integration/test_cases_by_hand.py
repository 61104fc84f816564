"""Cases recorded by hand from the command line (``cases create``), on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select
from typer.testing import CliRunner

from cases import by_hand
from cases import service as case_service
from cases.models import Contact
from kulturkluster import privacy
from kulturkluster.cli import app
from kulturkluster.db import utcnow
from kulturkluster.wiring import Services
from tests.integration.test_cli import cli, env  # noqa: F401  (the fixture)

runner = CliRunner()


def body(tmp_path: Path, text: str = "Frågade om projektstöd för en turné.") -> str:
    path = tmp_path / "body.txt"
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_a_phone_call_without_an_address(env: Path, tmp_path: Path) -> None:  # noqa: F811
    out = cli(
        "cases", "create",
        "--requester", "Gunilla Ek",
        "--channel", "telefon",
        "--subject", "Turnéstöd",
        "--body-file", body(tmp_path),
        "--organisation", "Teater Gnistan",
        "--phone", "070-123 45 67",
        "--focus", "stöd",
        "--actor-type", "förening",
        "--municipality", "Flen",
        "--at", "2026-11-27 14:30",
        "--author", "elin",
    )  # fmt: skip
    assert "är skapat" in out
    [case] = json.loads(cli("cases", "list", "--format", "json"))
    assert case["channel"] == "telefon" and case["requester"] is None
    [shown] = json.loads(cli("cases", "show", case["reference"], "--format", "json"))
    assert shown["channel"] == "telefon"
    assert shown["requester_name"] == "Gunilla Ek" and shown["organisation"] == "Teater Gnistan"
    assert shown["phone"] == "070-123 45 67" and shown["municipality"] == "Flen"
    assert shown["focus_area"] == "stöd" and shown["actor_type"] == "förening"
    assert shown["received_at"].startswith("2026-11-27T13:30")  # 14:30 in Stockholm is 13:30 UTC
    assert shown["first_response_at"] == shown["received_at"]  # the guidance was given on the phone
    [question] = shown["thread"]
    assert question["direction"] == "in" and question["author"] == "elin"
    assert "projektstöd" in question["text"]
    text = cli("cases", "show", case["reference"])
    assert "Kanal: Telefon" in text and "ingen e-postadress" in text
    # No mail left: a case made by hand gets no receipt.
    # Nobody to mail: a reply is refused in Swedish, nothing is queued.
    result = runner.invoke(app, ["cases", "reply", case["reference"], "--body-file", body(tmp_path)])
    assert result.exit_code != 0 and "gav ingen e-postadress" in str(result.exception)
    outbox = env / "mail" / "outbox" / "new"
    assert not outbox.exists() or not list(outbox.iterdir())
    # Two phone calls from people without addresses are two contacts, not a clash.
    cli("cases", "create", "--requester", "Bo", "--channel", "besök", "--subject", "Lokal",
        "--body-file", body(tmp_path))  # fmt: skip
    assert len(json.loads(cli("cases", "list", "--format", "json"))) == 2


def test_a_requester_with_an_address_is_the_same_contact_as_by_mail(env: Path, tmp_path: Path) -> None:  # noqa: F811
    for subject in ("Första", "Andra"):
        cli("cases", "create", "--requester", "Anna Andersson <Anna@Example.SE>", "--channel", "mote",
            "--subject", subject, "--body-file", body(tmp_path))  # fmt: skip
    cases = json.loads(cli("cases", "list", "--format", "json"))
    assert {c["requester"] for c in cases} == {"Anna@example.se"}
    assert {c["channel"] for c in cases} == {"mote"}
    # The answer to a mail case made by hand keeps its contract: direction and author in the thread.
    [shown] = json.loads(cli("cases", "show", cases[0]["reference"], "--format", "json"))
    assert [(m["direction"], m["author"]) for m in shown["thread"]] == [("in", shown["thread"][0]["author"])]


def test_bad_input_is_a_clear_swedish_error(env: Path, tmp_path: Path) -> None:  # noqa: F811
    base = ["cases", "create", "--subject", "S", "--body-file", body(tmp_path)]
    cases = [
        (["--requester", "Anna", "--channel", "fax"], "ingen kanal"),
        (["--requester", "Anna <inte en adress>", "--channel", "telefon"], "ingen användbar e-postadress"),
        (["--requester", "  ", "--channel", "telefon"], "Ange vem som frågade"),
        (["--requester", "Anna", "--channel", "telefon", "--at", "igår"], "ingen tidpunkt"),
        (["--requester", "Anna", "--channel", "telefon", "--at", "2999-01-01 10:00"], "i framtiden"),
        (["--requester", "Anna", "--channel", "telefon", "--focus", "ekonomi"], "ekonomi"),
    ]
    for extra, expected in cases:
        result = runner.invoke(app, [*base, *extra])
        assert result.exit_code != 0, extra
        assert expected in str(result.exception) + result.output, (extra, result.output)
    assert json.loads(cli("cases", "list", "--format", "json")) == []


def test_retention_clears_a_requester_without_an_address(services_factory: Callable[..., Services]) -> None:
    svc = services_factory()
    spec = by_hand.HandCase(
        requester="Gunilla Ek", channel="telefon", subject="Turné", body="Om turnéstöd.", phone="070-1"
    )
    with svc.db.unit_of_work() as session:
        case = by_hand.create(session, spec, "elin")
        case_service.set_status(case, "avslutad")
        case.closed_at = utcnow() - timedelta(days=800)
    with svc.db.unit_of_work() as session:
        assert privacy.apply_retention(session, 24, svc.attachments) == 1
    with svc.db.unit_of_work() as session:
        contact = session.scalars(select(Contact)).one()
        assert (contact.name, contact.phone) == ("", "")
