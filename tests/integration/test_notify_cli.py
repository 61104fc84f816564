"""``kulturkluster notify run-due`` and ``cases set --follow-up``, in-process, on both databases."""

from __future__ import annotations

import email
import json
from datetime import timedelta
from email.policy import default
from pathlib import Path

from cases.notify_rules import today
from kulturkluster import accounts
from kulturkluster.accounts import Role
from kulturkluster.cli import app
from kulturkluster.db import Database, utcnow
from tests.conftest import MAIL_DIR
from tests.integration.test_cli import cli, env, runner  # noqa: F401 (the fixture)


def _subjects_to(var: Path, address: str) -> list[str]:
    """The subjects of the mails to ``address`` in the embedded outbox (a Maildir)."""
    folder = var / "mail" / "outbox" / "new"
    messages = [email.message_from_bytes(p.read_bytes(), policy=default) for p in folder.iterdir()]
    return sorted(
        str(m["Subject"]) for m in messages if str(m["To"]).endswith(f"<{address}>") or m["To"] == address
    )


def test_notices_follow_up_and_run_due_from_the_command_line(env: Path, db: Database) -> None:  # noqa: F811
    with db.unit_of_work() as session:
        user = accounts.add(session, "elin", "ett långt lösenord", role=Role.STAFF, email="elin@kk.test")
        user.notify_mode = "every"
    cli("inbound", "import", str(MAIL_DIR / "new_case__question_about_newsletter.eml"))
    [case] = json.loads(cli("cases", "list", "--format", "json"))
    ref = case["reference"]
    assert _subjects_to(env, "elin@kk.test") == [f"Nytt ärende {ref}: {case['subject']}"]

    cli("cases", "set", ref, "--follow-up", "2026-12-01")
    [shown] = json.loads(cli("cases", "show", ref, "--format", "json"))
    assert shown["follow_up_on"] == "2026-12-01"
    result = runner.invoke(app, ["cases", "set", ref, "--follow-up", "1 december"])
    assert result.exit_code != 0 and "ÅÅÅÅ-MM-DD" in str(result.exception)
    cli("cases", "set", ref, "--follow-up", "")
    assert json.loads(cli("cases", "show", ref, "--format", "json"))[0]["follow_up_on"] is None

    # Due today, elin's time (00:00) has come: one reminder, and only once.
    with db.unit_of_work() as session:
        accounts.get(session, "elin").notify_at = "00:00"
    cli("cases", "set", ref, "--follow-up", today(utcnow()).isoformat(), "--assignee", "elin")
    assert "1 ny påminnelse" in cli("notify", "run-due")
    assert "0 nya påminnelser" in cli("notify", "run-due")
    assert f"Följ upp ärende {ref}: {case['subject']}" in _subjects_to(env, "elin@kk.test")
    cli("cases", "set", ref, "--follow-up", (today(utcnow()) + timedelta(days=1)).isoformat())
    assert "0 nya påminnelser" in cli("notify", "run-due")
