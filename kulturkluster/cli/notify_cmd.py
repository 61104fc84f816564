"""``kulturkluster notify``: staff notices (``serve`` and ``mailer run`` do this on every round)."""

from __future__ import annotations

import typer

from cases.notify_words import counted
from kulturkluster.texts import t

from .context import services
from .output import console

app = typer.Typer(
    help="Staff notices: notifications, daily summaries, follow-up reminders.", no_args_is_help=True
)


@app.command("run-due")
def run_due() -> None:
    """Once: add today's follow-up reminders, mail waiting notices and the daily summaries that are due."""
    with services() as svc:  # the mail leaves right after the commit
        result = svc.run_notices(scheduled=True)
    console.print(
        t(
            "notify.run_done",
            notices=counted("notify.cli_notices", result.notices),
            summaries=counted("notify.cli_summaries", result.summaries),
            reminders=counted("notify.cli_reminders", result.reminders),
        )
    )
