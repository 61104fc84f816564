"""``kulturkluster doctor``: check the configuration against the real database, mailbox, relay and DNS."""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from typing import Annotated

import typer
from rich.markup import escape

from kulturkluster.settings import Settings
from kulturkluster.texts import t

from .output import console

MARKS = {"ok": "[green]✓[/]", "warn": "[yellow]![/]", "fail": "[bold red]✗[/]", "skip": "[dim]-[/]"}


class DoctorFormat(StrEnum):
    TEXT = "text"
    JSON = "json"


def doctor(
    fmt: Annotated[DoctorFormat, typer.Option("--format", help="`text` for people, `json` for scripts.")] = (
        DoctorFormat.TEXT
    ),
) -> None:
    """Check the configuration: database, mailbox, SMTP relay, OAuth token, public address and the sending
    domain's DNS (MX, SPF, DKIM, DMARC). Exit status 1 when something must be fixed."""
    from kulturkluster.doctor.model import exit_status  # noqa: PLC0415 - keeps `--help` light
    from kulturkluster.doctor.run import run_checks  # noqa: PLC0415

    results = run_checks(Settings())
    if fmt is DoctorFormat.JSON:
        sys.stdout.write(json.dumps([r.as_dict() for r in results], ensure_ascii=False, indent=2) + "\n")
    else:
        for result in results:
            mark, message = MARKS[result.status.value], escape(result.message)
            console.print(f"{mark} [bold]{result.check}[/]: {message}", highlight=False)
            if result.hint:
                console.print(f"    {escape(result.hint)}", highlight=False)
        console.print(t("doctor.summary_fail" if exit_status(results) else "doctor.summary_ok"))
    raise typer.Exit(exit_status(results))
