"""Sub-commands imported when they are used, so that ``kulturkluster --help`` and light commands start fast.

Each command's module pulls in what it needs (the wiring, SQLAlchemy, the web app, msal, ...): a second or
more of imports that ``--help`` or ``db upgrade`` should not pay for the others. The table below names every
command, where it lives and its one-line help for the command list; a test checks that each line matches the
help the command itself gives.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass

import typer

# Typer vendors click since 0.22: its group hooks take the vendored types, not the `click` package's.
from typer import _click as click
from typer.core import TyperGroup


@dataclass(frozen=True, slots=True)
class Entry:
    module: str  # under kulturkluster.cli
    attribute: str  # a Typer (a group of commands) or a function (one command)
    help: str  # the one line shown in `kulturkluster --help`


COMMANDS: dict[str, Entry] = {
    "backup": Entry(
        "backup_cmd",
        "backup",
        "Write a consistent copy of the database and the attachment store while the service runs.",
    ),
    "cases": Entry("cases_cmd", "app", "Guidance cases (ärenden)."),
    "config": Entry("serve_cmd", "show_config", "Print the settings in force (secrets masked) as JSON."),
    "db": Entry("db_cmd", "app", "Database schema."),
    "doctor": Entry(
        "doctor_cmd",
        "doctor",
        "Check the configuration: database, mailbox, SMTP relay, OAuth token, public address and the "
        "sending domain's DNS (MX, SPF, DKIM, DMARC).",
    ),
    "inbound": Entry("inbound_cmd", "app", "Inbound mail: the shared mailbox."),
    "mailer": Entry("mailer_cmd", "app", "The sending worker."),
    "maintenance": Entry("person_cmd", "maintenance", "Scheduled upkeep."),
    "newsletter": Entry("newsletter_cmd", "app", "Newsletters: compose, preview, test, check, send."),
    "notify": Entry(
        "notify_cmd", "app", "Staff notices: notifications, daily summaries, follow-up reminders."
    ),
    "person": Entry("person_cmd", "app", "Personal data (GDPR): export and erase."),
    "report": Entry("report_cmd", "app", "Reports for the pilot's evaluation."),
    "restore": Entry(
        "backup_cmd",
        "restore",
        "Put a backup back into the configured database and attachment store (stop the service first).",
    ),
    "serve": Entry(
        "serve_cmd",
        "serve",
        "Run the whole service in one process until stopped (Ctrl-C, SIGTERM): read the mailbox, handle "
        "and answer mail, send newsletters within the relay's limits, and serve the web pages.",
    ),
    "subscribers": Entry("subscribers_cmd", "app", "The newsletter list."),
    "users": Entry("users_cmd", "app", "Staff accounts of the web app."),
    "web": Entry(
        "web_cmd",
        "web",
        "Serve the web pages until stopped (Ctrl-C, SIGTERM). Put HTTPS in front of it (a reverse proxy).",
    ),
}


def short_help(text: str, limit: int) -> str:
    """``text`` cut to the list's width as click cuts a command's own help."""
    return click.utils.make_default_short_help(text, limit).strip()


def load(name: str) -> click.Command:
    """The click command for ``name``, importing its module now."""
    entry = COMMANDS[name]
    found = getattr(importlib.import_module(f"kulturkluster.cli.{entry.module}"), entry.attribute)
    command: click.Command
    if isinstance(found, typer.Typer):
        command = typer.main.get_group(found)
    else:  # a function: one command, as `app.command(name)(function)` would make it
        single = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
        single.command(name)(found)
        command = typer.main.get_command(single)
    command.name = name
    return command


class LazyGroup(TyperGroup):
    """The top-level group: lists every command from the table, imports one only when it runs."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        return load(cmd_name) if cmd_name in COMMANDS else None

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        limit = formatter.width - 6 - max(len(name) for name in COMMANDS)
        rows = [(name, short_help(COMMANDS[name].help, limit)) for name in sorted(COMMANDS)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)
