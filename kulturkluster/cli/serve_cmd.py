"""``kulturkluster serve``: the whole service in one process; ``config``: the settings in force."""

from __future__ import annotations

import json
import logging
import threading
from typing import Annotated

import typer

from kulturkluster.settings import Settings
from kulturkluster.web import create_server
from mailer import worker

from .context import install_stop_handlers, services
from .output import console

log = logging.getLogger(__name__)


def serve(
    host: Annotated[str, typer.Option(help="Address the web pages listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port of the web pages.")] = 8000,
    web: Annotated[bool, typer.Option("--web/--no-web", help="Serve the web pages too.")] = True,
) -> None:
    """Run the whole service in one process until stopped (Ctrl-C, SIGTERM): read the mailbox, handle and
    answer mail, send newsletters within the relay's limits, and serve the web pages."""
    with services(send_after_commit=False) as svc:  # each part flushes on its own rounds
        if svc.settings.uses_default_secret:
            log.warning("KK_SECRET_KEY is the insecure default: set a long random value before real use")
        source = svc.make_source()
        log.info("service started", extra={"source": source.name, "database": svc.db.dialect})
        stop = threading.Event()
        install_stop_handlers(stop)
        runner = svc.make_runner(source)
        sender = svc.make_sender()
        poll = svc.settings.mailer.poll_interval
        # A worker that dies is named by /healthz and stops the whole process, which then exits non-zero
        # so that Docker or systemd restarts it.
        mailer = threading.Thread(
            target=svc.workers.watched(
                "mailer",
                lambda: worker.run(sender, stop, poll_interval=poll, before_round=svc.scheduled_round),
                stop.set,
            ),
            name="mailer",
            daemon=True,
        )
        server = create_server(svc, host, port)
        pages = threading.Thread(
            target=svc.workers.watched("web", server.run, stop.set), name="web", daemon=True
        )
        mailer.start()
        if web:
            pages.start()
        try:
            svc.workers.watched("inbound", lambda: runner.run(stop), stop.set)()
        finally:
            stop.set()
            server.should_exit = True
            mailer.join(timeout=60)
            if web:
                pages.join(timeout=10)
            sender.close()
            source.close()
        dead = svc.workers.dead()
        if dead:
            log.error("service stopped: a worker died", extra={"workers": sorted(dead)})
            raise typer.Exit(1)
        log.info("service stopped")


def show_config() -> None:
    """Print the settings in force (secrets masked) as JSON."""
    data = json.loads(Settings().model_dump_json())
    console.print_json(json.dumps(data, ensure_ascii=False))
