"""``kulturkluster cases templates`` and ``cases reply --template/--attach/--no-quote``, in-process, on both
databases: the queued mail is read back from the outbox as it will leave."""

from __future__ import annotations

import email
import email.policy
import json
from email.message import EmailMessage
from pathlib import Path

import pytest
from sqlalchemy import select, update
from typer.testing import CliRunner

from cases import operations as case_ops
from kulturkluster import accounts
from kulturkluster.accounts import Role, StaffUser
from kulturkluster.cli import app
from kulturkluster.db import Database
from mailer.models import OutgoingMessage
from tests.conftest import MAIL_DIR
from tests.integration.test_cli import cli, env  # noqa: F401 - env: the CLI's settings on the test db

pytestmark = pytest.mark.integration

runner = CliRunner()
QUESTION = MAIL_DIR / "new_case__question_about_newsletter.eml"


def the_case(db: Database) -> str:
    cli("inbound", "import", str(QUESTION))
    [case] = json.loads(cli("cases", "list", "--format", "json"))
    return str(case["reference"])


def last_reply(db: Database) -> EmailMessage:
    with db.unit_of_work() as session:
        raw = session.scalars(
            select(OutgoingMessage.raw)
            .where(OutgoingMessage.kind == "case_reply")
            .order_by(OutgoingMessage.id)
        ).all()[-1]
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return message


def text_of(message: EmailMessage) -> str:
    body = message.get_body(("plain",))
    assert body is not None
    return str(body.get_content()).replace("\r\n", "\n")


def test_templates_from_the_command_line(env: Path, db: Database, tmp_path: Path) -> None:  # noqa: F811
    body = tmp_path / "mall.txt"
    body.write_text("Hej {förnamn}!\n\nDitt ärende är {ärende}.\n\n{handläggare}", encoding="utf-8")
    assert "är sparad" in cli("cases", "templates", "add", "Tack", "--body-file", str(body))
    again = runner.invoke(app, ["cases", "templates", "add", "tack", "--body-file", str(body)])
    assert again.exit_code != 0 and "finns redan en svarsmall" in str(again.exception)
    body.write_text("Hej {förnamn}, {okänd}", encoding="utf-8")
    bad = runner.invoke(app, ["cases", "templates", "add", "Trasig", "--body-file", str(body)])
    assert bad.exit_code != 0 and "okända platshållaren {okänd}" in str(bad.exception)
    [listed] = json.loads(cli("cases", "templates", "list", "--format", "json"))
    assert listed["name"] == "Tack" and "{ärende}" in listed["body"]
    body.write_text("Hej {förnamn}!", encoding="utf-8")
    cli("cases", "templates", "add", "Tack", "--body-file", str(body), "--replace")
    [replaced] = json.loads(cli("cases", "templates", "list", "--format", "json"))
    assert replaced["body"] == "Hej {förnamn}!"
    assert "är borttagen" in cli("cases", "templates", "remove", "TACK")
    assert json.loads(cli("cases", "templates", "list", "--format", "json")) == []
    missing = runner.invoke(app, ["cases", "templates", "remove", "Tack"])
    assert missing.exit_code != 0 and "Det finns ingen svarsmall" in str(missing.exception)


def test_reply_with_a_template_files_and_the_signature(env: Path, db: Database, tmp_path: Path) -> None:  # noqa: F811
    ref = the_case(db)
    with db.unit_of_work() as session:
        accounts.add(
            session,
            "elin",
            "ett långt lösenord för test",
            role=Role.STAFF,
            name="Elin Ek",
            email="elin@kk.test",
        )
        session.execute(
            update(StaffUser).where(StaffUser.username == "elin").values(signature="Elin Ek\nKulturkluster")
        )
    template = tmp_path / "mall.txt"
    template.write_text("Hej {förnamn}!\n\nOm {ärende}: se bilagan.\n\n/{handläggare}", encoding="utf-8")
    cli("cases", "templates", "add", "Bilaga", "--body-file", str(template))
    form = tmp_path / "Ansökningsblankett.pdf"
    form.write_bytes(b"%PDF-1.4 blankett")
    guide = tmp_path / "riktlinjer.txt"
    guide.write_bytes(b"Riktlinjer")
    out = cli(
        "cases", "reply", ref, "--template", "bilaga", "--attach", str(form), "--attach", str(guide),
        "--author", "elin",
    )  # fmt: skip
    assert ref in out
    message = last_reply(db)
    text = text_of(message)
    assert f"Hej Gunilla!\n\nOm {ref}: se bilagan.\n\n/Elin Ek\n\nElin Ek\nKulturkluster" in text
    assert "skrev Gunilla" in text and "\n> " in text  # the question, quoted
    files = [(part.get_filename(), part.get_content()) for part in message.iter_attachments()]
    assert files == [("Ansökningsblankett.pdf", b"%PDF-1.4 blankett"), ("riktlinjer.txt", "Riktlinjer")]
    with db.unit_of_work() as session:
        case = case_ops.find(session, ref)
        assert case.assignee == "elin"
        [sent] = [m for m in case.messages if m.direction == "out"]
        assert [a.filename for a in sent.attachments] == ["Ansökningsblankett.pdf", "riktlinjer.txt"]
        assert all(a.sha256 for a in sent.attachments)
    [shown] = json.loads(cli("cases", "show", ref, "--format", "json"))
    assert shown["thread"][-1]["attachments"][0]["filename"] == "Ansökningsblankett.pdf"


def test_reply_without_quote_and_refusals(env: Path, db: Database, tmp_path: Path) -> None:  # noqa: F811
    ref = the_case(db)
    body = tmp_path / "svar.txt"
    body.write_text("Kort svar.", encoding="utf-8")
    cli("cases", "reply", ref, "--body-file", str(body), "--no-quote", "--author", "nobody")
    text = text_of(last_reply(db))
    assert "Kort svar." in text and "skrev" not in text and "\n> " not in text
    neither = runner.invoke(app, ["cases", "reply", ref])
    assert neither.exit_code != 0 and "--body-file eller en svarsmall" in str(neither.exception)
    both = runner.invoke(app, ["cases", "reply", ref, "--body-file", str(body), "--template", "x"])
    assert both.exit_code != 0
    unknown = runner.invoke(app, ["cases", "reply", ref, "--template", "Finns inte"])
    assert unknown.exit_code != 0 and "Det finns ingen svarsmall ”Finns inte”" in str(unknown.exception)
    gone = runner.invoke(
        app, ["cases", "reply", ref, "--body-file", str(body), "--attach", str(tmp_path / "x")]
    )
    assert gone.exit_code != 0 and "finns inte eller går inte att läsa" in str(gone.exception)
    big = tmp_path / "stor.bin"
    big.write_bytes(b"x" * (10 * 1024 * 1024 + 1))
    refused = runner.invoke(app, ["cases", "reply", ref, "--body-file", str(body), "--attach", str(big)])
    assert refused.exit_code != 0 and "Bilagorna är för stora: 10 MB" in str(refused.exception)
    with db.unit_of_work() as session:
        assert (
            len(session.scalars(select(OutgoingMessage).where(OutgoingMessage.kind == "case_reply")).all())
            == 1
        )
