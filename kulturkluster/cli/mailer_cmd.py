"""``kulturkluster mailer run``: the worker that sends newsletters (and waiting answers) within the limits."""

from __future__ import annotations

import threading
import time
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeRemainingColumn

from kulturkluster.texts import t
from mailer import campaigns, worker
from mailer.campaign_models import NewsletterStatus
from mailer.progress import progress
from mailer.sender import Round

from .context import services
from .inbound_cmd import install_stop_handlers
from .output import console

REFRESH_SECONDS = 2.0
app = typer.Typer(help="The sending worker.", no_args_is_help=True)


@app.command()
def run(
    once: Annotated[bool, typer.Option("--once", help="Send what may go now, then exit.")] = False,
    show_progress: Annotated[bool, typer.Option("--progress/--no-progress", help="A progress bar.")] = True,
) -> None:
    """Send newsletters in batches within the relay's limits; resumes where any earlier run stopped.

    Several workers may run at once on PostgreSQL (they share the campaign and the limits).
    """
    stop = threading.Event()
    install_stop_handlers(stop)
    with services(send_after_commit=False) as svc:  # it flushes the outbox on its rounds
        sender = svc.make_sender()
        bar = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[note]}"),
            TimeRemainingColumn(),
            console=console,
            disable=not show_progress,
            transient=False,
        )
        tasks: dict[int, TaskID] = {}
        due = 0.0

        def refresh(_result: Round | None = None, *, final: bool = False) -> None:
            # Counting a campaign's deliveries takes time on a long list: refresh every few seconds, and
            # never spend more than a tenth of the time on it.
            nonlocal due
            started = time.monotonic()
            if started < due and not final:
                return
            with svc.db.unit_of_work() as session:
                active = [
                    n
                    for n in campaigns.all_newsletters(session)
                    if n.status in {NewsletterStatus.SENDING, NewsletterStatus.PAUSED} or n.id in tasks
                ]
                for newsletter in active:
                    state = progress(session, newsletter, svc.limits)
                    note = t(
                        "mailer.progress_note",
                        failed=state.failed,
                        status=t(f"newsletter.status.{state.status}"),
                    )
                    if newsletter.id not in tasks:
                        tasks[newsletter.id] = bar.add_task(
                            f"#{newsletter.id} {newsletter.subject[:40]}", total=state.total, note=note
                        )
                    bar.update(tasks[newsletter.id], completed=state.total - state.remaining, note=note)
            due = time.monotonic() + max(REFRESH_SECONDS, 10 * (time.monotonic() - started))

        try:
            with bar:
                worker.run(
                    sender,
                    stop,
                    poll_interval=svc.settings.mailer.poll_interval,
                    once=once,
                    before_round=svc.scheduled_round,
                    after_round=refresh if show_progress else None,
                )
                if show_progress:
                    refresh(final=True)
        finally:
            sender.close()
    console.print(t("mailer.stopped"))
