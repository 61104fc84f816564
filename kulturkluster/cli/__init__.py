"""The ``kulturkluster`` command. Thin: every command calls the same functions the web app will."""

from __future__ import annotations

import sys

import typer

from kulturkluster import logs
from kulturkluster.errors import KulturklusterError
from kulturkluster.settings import Settings

from . import (
    backup_cmd,
    cases_cmd,
    db_cmd,
    doctor_cmd,
    inbound_cmd,
    mailer_cmd,
    newsletter_cmd,
    person_cmd,
    report_cmd,
    serve_cmd,
    subscribers_cmd,
    users_cmd,
    web_cmd,
)
from .output import err_console

app = typer.Typer(
    name="kulturkluster",
    help="Kulturkluster Sörmland's mail service: newsletter sign-up by email, guidance cases, newsletters.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.add_typer(db_cmd.app, name="db")
app.add_typer(inbound_cmd.app, name="inbound")
app.add_typer(subscribers_cmd.app, name="subscribers")
app.add_typer(cases_cmd.app, name="cases")
app.add_typer(report_cmd.app, name="report")
app.add_typer(newsletter_cmd.app, name="newsletter")
app.add_typer(mailer_cmd.app, name="mailer")
app.add_typer(users_cmd.app, name="users")
app.add_typer(person_cmd.app, name="person")
app.add_typer(person_cmd.maintenance, name="maintenance")
app.command("serve")(serve_cmd.serve)
app.command("config")(serve_cmd.show_config)
app.command("web")(web_cmd.web)
app.command("doctor")(doctor_cmd.doctor)
app.command("backup")(backup_cmd.backup)
app.command("restore")(backup_cmd.restore)


def main() -> None:
    settings = Settings()
    logs.configure(settings.log_level, settings.log_format)
    try:
        app()
    except KulturklusterError as exc:
        err_console.print(f"[bold red]Fel:[/] {exc}")
        sys.exit(exc.exit_code)
