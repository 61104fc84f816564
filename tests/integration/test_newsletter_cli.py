"""``kulturkluster newsletter`` and ``mailer run``, in-process, on the embedded default (Maildir outbox)."""

from __future__ import annotations

import json
import mailbox
from email import message_from_bytes
from email.policy import default
from pathlib import Path

from typer.testing import CliRunner

from kulturkluster.cli import app
from kulturkluster.errors import KulturklusterError
from tests.integration.newsletter_helpers import EXAMPLE
from tests.integration.test_cli import cli, env  # noqa: F401 - the fixture

runner = CliRunner()


def _outbox(var: Path) -> list[bytes]:
    return [bytes(m) for m in mailbox.Maildir(var / "mail" / "outbox", create=False)]


def test_create_preview_test_send_and_status(env: Path, tmp_path: Path) -> None:  # noqa: F811
    cli("subscribers", "add", "anna@example.se", "--evidence", "anmälan på Kulturfrukost")
    cli("subscribers", "add", "bo@example.se", "--evidence", "anmälan på Kulturfrukost")
    newsletter_id = cli("newsletter", "create", "--content", str(EXAMPLE))
    assert newsletter_id.strip().isdigit()  # the id alone: scripts capture it
    newsletter_id = newsletter_id.strip()

    preview = tmp_path / "brev.html"
    cli(
        "newsletter",
        "preview",
        newsletter_id,
        "--out",
        str(preview),
        "--text-out",
        str(tmp_path / "brev.txt"),
    )
    html = preview.read_text(encoding="utf-8")
    assert "Kulturfrukost" in html and "KKPERSONAL" not in html and "Avsluta" in html
    assert "Kalendarium" in (tmp_path / "brev.txt").read_text(encoding="utf-8")

    cli("newsletter", "test", newsletter_id, "--to", "elin@kulturkluster.test")
    [test_copy] = _outbox(env)
    subject = message_from_bytes(test_copy, policy=default)["Subject"]
    assert subject.startswith("[Test] Nyhetsbrev mars")
    assert b"X-Envelope-To: elin@kulturkluster.test" in test_copy

    report = json.loads(cli("newsletter", "check", newsletter_id, "--format", "json"))[0]
    assert report["ok"] and [f["code"] for f in report["findings"]] == ["public_url_local"]  # score < 1
    assert "poäng" in cli("newsletter", "check", newsletter_id, "--format", "table")

    assert "2 mottagare" in cli("newsletter", "send", newsletter_id)
    status = json.loads(cli("newsletter", "status", newsletter_id, "--format", "json"))[0]
    assert (status["status"], status["total"], status["remaining"]) == ("sending", 2, 2)
    cli("mailer", "run", "--once", "--no-progress")
    status = json.loads(cli("newsletter", "status", newsletter_id, "--format", "json"))[0]
    assert (status["status"], status["sent"], status["remaining"]) == ("sent", 2, 0)
    assert len(_outbox(env)) == 3
    listed = json.loads(cli("newsletter", "list", "--format", "json"))
    assert [(n["id"], n["status"]) for n in listed] == [(int(newsletter_id), "sent")]
    shown = json.loads(cli("newsletter", "show", newsletter_id, "--format", "json"))[0]
    assert shown["content"] == EXAMPLE.read_text(encoding="utf-8")


def test_pause_resume_cancel_and_clear_errors(env: Path, tmp_path: Path) -> None:  # noqa: F811
    cli("subscribers", "add", "anna@example.se", "--evidence", "test")
    newsletter_id = cli("newsletter", "create", "--content", str(EXAMPLE)).strip()
    cli("newsletter", "send", newsletter_id, "--at", "2099-01-01T08:00")
    assert (
        json.loads(cli("newsletter", "status", newsletter_id, "--format", "json"))[0]["status"] == "scheduled"
    )
    assert "pausat" in cli("newsletter", "pause", newsletter_id)
    cli("newsletter", "resume", newsletter_id)
    assert "1 mottagare" not in cli("newsletter", "cancel", newsletter_id)
    failed = runner.invoke(app, ["newsletter", "resume", newsletter_id])
    assert isinstance(failed.exception, KulturklusterError) and "avbrutet" in str(failed.exception)

    broken = tmp_path / "trasig.md"
    broken.write_text("---\nsubject: [oavslutad\n---\n", encoding="utf-8")
    failed = runner.invoke(app, ["newsletter", "create", "--content", str(broken)])
    assert isinstance(failed.exception, KulturklusterError) and "rad" in str(failed.exception)
    failed = runner.invoke(app, ["newsletter", "send", "999"])
    assert isinstance(failed.exception, KulturklusterError) and "999" in str(failed.exception)
    failed = runner.invoke(app, ["newsletter", "send", newsletter_id, "--at", "imorgon"])
    assert isinstance(failed.exception, KulturklusterError) and "2026-12-01T08:00" in str(failed.exception)


def test_mailer_run_with_its_progress_bars(env: Path) -> None:  # noqa: F811
    cli("subscribers", "add", "anna@example.se", "--evidence", "anmälan på Kulturfrukost")
    newsletter_id = cli("newsletter", "create", "--content", str(EXAMPLE)).strip()
    cli("newsletter", "send", newsletter_id)
    out = cli("mailer", "run", "--once")  # the bars (rich) draw only on a terminal
    assert "Utskicket har stannat" in out
    status = json.loads(cli("newsletter", "status", newsletter_id, "--format", "json"))[0]
    assert (status["status"], status["sent"]) == ("sent", 1)
    assert len(_outbox(env)) == 1
