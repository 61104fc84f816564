"""``kulturkluster mailer run``: the worker that sends newsletters (and waiting answers) within the limits.

It builds only the sender's services (``kulturkluster.wiring_sending``): no inbound pipeline, no newsletter
editor, no Jinja2 or MJML until a staff notice is rendered, and rich only with the progress bars.
"""

from __future__ import annotations

import threading
from contextlib import nullcontext
from typing import Annotated

import typer

from kulturkluster.malloc_arenas import limit_malloc_arenas
from kulturkluster.texts import t
from mailer import worker

from .context import install_stop_handlers, sending_services

app = typer.Typer(help="The sending worker.", no_args_is_help=True)


@app.command()
def run(
    once: Annotated[bool, typer.Option("--once", help="Send what may go now, then exit.")] = False,
    show_progress: Annotated[bool, typer.Option("--progress/--no-progress", help="A progress bar.")] = True,
) -> None:
    """Send newsletters in batches within the relay's limits; resumes where any earlier run stopped.

    Several workers may run at once on PostgreSQL (they share the campaign and the limits).
    """
    limit_malloc_arenas()  # before the lanes' threads start
    stop = threading.Event()
    install_stop_handlers(stop)
    with sending_services() as svc:  # it flushes the outbox on its rounds
        sender = svc.make_sender()
        bars = None
        if show_progress:
            from .mailer_progress import ProgressBars  # noqa: PLC0415 - rich only with the bars

            bars = ProgressBars(svc.db, svc.limits)
        try:
            with bars or nullcontext():
                worker.run(
                    sender,
                    stop,
                    poll_interval=svc.settings.mailer.poll_interval,
                    once=once,
                    before_round=svc.scheduled_round,
                    after_round=bars.refresh if bars else None,
                )
                if bars:
                    bars.refresh(final=True)
        finally:
            sender.close()
    typer.echo(t("mailer.stopped"))
