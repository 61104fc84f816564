"""The ``kulturkluster`` command, in-process, against the test databases."""

from __future__ import annotations

import json
import mailbox
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kulturkluster.cli import app
from kulturkluster.db import Database
from tests.conftest import MAIL_DIR, ORG_ADDRESS
from tests.integration.test_pipeline import make_mail

runner = CliRunner()


@pytest.fixture
def env(db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The embedded default (Maildir in, Maildir out) on the test database."""
    monkeypatch.setenv("KK_DATABASE_URL", db.url)
    monkeypatch.setenv("KK_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("KK_ORG__ADDRESS", ORG_ADDRESS)
    monkeypatch.setenv("KK_SUBSCRIBE__CONFIRM", "never")
    yield tmp_path / "var"


def cli(*args: str) -> str:
    result = runner.invoke(app, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.stdout


def test_import_then_list_as_json(env: Path) -> None:
    out = cli("inbound", "import", str(MAIL_DIR))
    assert f"{len(list(MAIL_DIR.glob('*.eml')))} meddelanden" in out
    rows = json.loads(cli("inbound", "list", "--format", "json"))
    assert {"message_id", "from", "subject", "route", "reason", "received_at"} <= set(rows[0])
    by_subject = {row["subject"]: row["route"] for row in rows}
    assert by_subject["Prenumerera på nyhetsbrevet"] == "subscribe"
    assert by_subject["Fråga om nyhetsbrevet i april"] == "new_case"
    only = json.loads(cli("inbound", "list", "--route", "bounce", "--format", "json"))
    assert {row["route"] for row in only} == {"bounce"} and len(only) == 2
    # The same files again: all recognised, nothing new.
    assert "redan behandlade" in cli("inbound", "import", str(MAIL_DIR))
    subscribers = json.loads(cli("subscribers", "list", "--format", "json"))
    assert {s["email"]: s["status"] for s in subscribers}["bjorn@forening.example"] == "active"
    assert all(isinstance(s["bounce_score"], float) for s in subscribers)


def test_import_mbox_and_maildir(env: Path, tmp_path: Path) -> None:
    mbox = mailbox.mbox(tmp_path / "archive.mbox")
    mbox.add(make_mail("Nyhetsbrev", sender="m1@example.se", message_id="mb1@x"))
    mbox.add(make_mail("En fråga", sender="m2@example.se", message_id="mb2@x"))
    mbox.close()
    maildir = mailbox.Maildir(tmp_path / "md", create=True)
    maildir.add(make_mail("Avsluta", sender="m1@example.se", message_id="md1@x"))
    maildir.close()
    out = cli("inbound", "import", str(tmp_path / "archive.mbox"), str(tmp_path / "md"))
    assert "3 meddelanden" in out and "subscribe 1" in out and "unsubscribe 1" in out


def test_missing_path_is_a_clear_error(env: Path) -> None:
    result = runner.invoke(app, ["inbound", "import", "/nonexistent/x.eml"])
    assert result.exit_code != 0
    assert "Hittar inte" in str(result.exception)


def test_embedded_default_reads_the_maildir_and_writes_the_outbox(env: Path) -> None:
    inbox = env / "mail" / "inbox" / "new"
    inbox.mkdir(parents=True)
    shutil.copy(MAIL_DIR / "subscribe__plain.eml", inbox / "dropped.eml")
    assert "subscribe 1" in cli("inbound", "run", "--once")
    assert list((env / "mail" / "inbox" / ".Behandlat.Prenumerationer" / "cur").iterdir())
    assert not list(inbox.iterdir())
    [sent] = list((env / "mail" / "outbox" / "new").iterdir())
    assert b"Auto-Submitted: auto-replied" in sent.read_bytes()


def test_show_and_reprocess(env: Path) -> None:
    cli("inbound", "import", str(MAIL_DIR / "quarantine__no_from.eml"))
    [row] = json.loads(cli("inbound", "list", "--format", "json"))
    assert row["route"] == "quarantine"
    raw = runner.invoke(app, ["inbound", "show", str(row["id"]), "--raw"]).stdout_bytes
    assert raw == (MAIL_DIR / "quarantine__no_from.eml").read_bytes()
    assert "1 meddelande kördes igen" in cli("inbound", "reprocess")


def test_subscribers_csv_import_and_export(env: Path, tmp_path: Path) -> None:
    csv_file = tmp_path / "lista.csv"
    csv_file.write_text(
        "email;namn\nanna@example.se;Anna\nnot-an-address;X\nbo@EXAMPLE.se;Bo\n", encoding="utf-8"
    )
    result = runner.invoke(app, ["subscribers", "import", str(csv_file)], catch_exceptions=False)
    assert result.exit_code == 0
    assert "2 nya" in result.stdout and "1 rader avvisades" in result.stdout
    assert "rad 3:" in result.stderr
    exported = cli("subscribers", "export")
    assert exported.splitlines()[0] == "email,name,status,subscribed_at,created_at"
    assert "bo@example.se,Bo,active," in exported
    [anna] = json.loads(cli("subscribers", "show", "anna@example.se"))
    assert anna["events"][0]["channel"] == "import"
    assert "0 nya" in cli("subscribers", "import", str(csv_file), "--dry-run")


def test_schema_must_be_current(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KK_DATABASE_URL", f"sqlite:///{tmp_path / 'empty.db'}")
    result = runner.invoke(app, ["inbound", "list"])
    assert result.exit_code != 0
    assert "kulturkluster db upgrade" in str(result.exception)
    cli("db", "upgrade")
    cli("inbound", "list")


def test_cases_from_the_command_line(env: Path, tmp_path: Path) -> None:
    cli("inbound", "import", str(MAIL_DIR / "new_case__question_about_newsletter.eml"))
    [case] = json.loads(cli("cases", "list", "--format", "json"))
    assert {"reference", "requester", "subject", "status", "focus_area", "messages"} <= set(case)
    assert (case["status"], case["messages"], case["requester"]) == ("ny", 1, "gunilla@teater.example")
    ref = case["reference"]
    body = tmp_path / "svar.txt"
    body.write_text("Hej Gunilla!\n\nJa, skicka en text senast 1 april.", encoding="utf-8")
    assert ref in cli("cases", "reply", ref, "--body-file", str(body), "--author", "elin")
    body.write_text("Ringde också upp henne.", encoding="utf-8")
    cli("cases", "note", ref, "--body-file", str(body), "--author", "elin")
    cli(
        "cases",
        "set",
        ref,
        "--focus",
        "Kontakt",
        "--actor-type",
        "förening",
        "--assignee",
        "elin",
        "--tag",
        "april",
        "--tag",
        "tips",
    )
    cli("cases", "set", ref, "--organisation", "Teater Gnistan", "--municipality", "Flen")
    [shown] = json.loads(cli("cases", "show", ref, "--format", "json"))
    assert (shown["status"], shown["focus_area"], shown["actor_type"], shown["tags"]) == (
        "väntar",
        "kontakt",
        "förening",
        ["april", "tips"],
    )
    assert [m["direction"] for m in shown["thread"]] == ["in", "out", "note"]
    assert (shown["organisation"], shown["municipality"]) == ("Teater Gnistan", "Flen")
    raw = runner.invoke(app, ["inbound", "show", str(shown["thread"][0]["inbound_id"]), "--raw"]).stdout_bytes
    assert raw == (MAIL_DIR / "new_case__question_about_newsletter.eml").read_bytes()
    assert shown["messages"] == 2 and shown["first_response_at"]
    assert "Ja, skicka en text" in cli("cases", "show", ref)
    assert len(json.loads(cli("cases", "list", "--focus", "kontakt", "--format", "json"))) == 1
    assert json.loads(cli("cases", "list", "--status", "ny", "--format", "json")) == []
    [found] = json.loads(cli("cases", "search", "föreställningen", "--format", "json"))
    assert found["reference"] == ref
    outbox = list((env / "mail" / "outbox" / "new").iterdir())
    assert any(
        f"[{ref}]".encode() in p.read_bytes() and b"Ja, skicka en text" in p.read_bytes() for p in outbox
    )


def test_case_errors_are_clear(env: Path) -> None:
    result = runner.invoke(app, ["cases", "show", "KK-2026-9999"])
    assert result.exit_code != 0 and "Hittar inget ärende" in str(result.exception)
    cli("inbound", "import", str(MAIL_DIR / "new_case__question_about_newsletter.eml"))
    [case] = json.loads(cli("cases", "list", "--format", "json"))
    result = runner.invoke(app, ["cases", "set", case["reference"], "--focus", "ekonomi"])
    assert "stöd, kunskap, kontakt" in str(result.exception)


def test_case_report(env: Path) -> None:
    cli(
        "inbound",
        "import",
        str(MAIL_DIR / "new_case__question_about_newsletter.eml"),
        str(MAIL_DIR / "new_case__html_question.eml"),
    )
    refs = [c["reference"] for c in json.loads(cli("cases", "list", "--format", "json"))]
    cli("cases", "set", refs[0], "--focus", "stöd", "--status", "avslutad")
    today = datetime.now(UTC).date().isoformat()
    report = json.loads(cli("report", "cases", "--from", today, "--to", today, "--format", "json"))
    [month] = report["months"]
    assert month["total"] == 2 and month["by_focus"]["stöd"] == 1 and month["by_focus"]["ej satt"] == 1
    assert report["close"]["count"] == 1 and sum(report["backlog"].values()) == 1
    assert "ärenden per månad" in cli("report", "cases", "--from", today, "--to", today, "--format", "csv")
    assert "Svarstider" in cli("report", "cases", "--from", today, "--to", today)
    bad = runner.invoke(app, ["report", "cases", "--from", "igår", "--to", today])
    assert bad.exit_code != 0


def test_person_export_erase_and_maintenance(env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cli(
        "inbound",
        "import",
        str(MAIL_DIR / "subscribe__plain.eml"),
        str(MAIL_DIR / "new_case__html_question.eml"),
    )
    data = json.loads(cli("person", "export", "anna.andersson@example.se"))
    assert data["subscriber"]["status"] == "active"
    refused = runner.invoke(app, ["person", "erase", "anna.andersson@example.se"], input="n\n")
    assert refused.exit_code != 0
    assert "borttagen" in cli("person", "erase", "anna.andersson@example.se", "--yes")
    assert json.loads(cli("person", "export", "anna.andersson@example.se"))["subscriber"] is None
    assert "KK_CASES__RETENTION_MONTHS är 0" in cli("maintenance", "run")
    monkeypatch.setenv("KK_CASES__RETENTION_MONTHS", "6")
    assert "0 ärenden" in cli("maintenance", "run")


def test_staff_add_and_remove_addresses_with_evidence(env: Path) -> None:
    assert "tillagd" in cli(
        "subscribers",
        "add",
        "Asa@Example.se",
        "--name",
        "Åsa",
        "--evidence",
        "anmälan på Kulturfrukost",
        "--actor",
        "elin",
    )
    again = runner.invoke(app, ["subscribers", "add", "Asa@example.se", "--evidence", "x"])
    assert again.exit_code != 0 and "finns redan" in str(again.exception)
    assert "borttagen" in cli(
        "subscribers", "unsubscribe", "Asa@example.se", "--evidence", "telefon", "--actor", "marie"
    )
    [shown] = json.loads(cli("subscribers", "show", "Asa@example.se"))
    assert [(e["action"], e["channel"], e["evidence"]) for e in shown["events"]] == [
        ("added", "staff", "anmälan på Kulturfrukost"),
        ("unsubscribed", "staff", "telefon"),
    ]
    assert "inget ändrades" in cli("subscribers", "unsubscribe", "nobody@example.se", "--evidence", "x")
