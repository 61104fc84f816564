"""``kulturkluster web``: the web app (public unsubscribe, confirm and view pages) under uvicorn."""

from __future__ import annotations

import logging
import threading
from typing import Annotated

import typer

from kulturkluster.web import create_server

from .context import install_stop_handlers, services

log = logging.getLogger(__name__)


def web(
    host: Annotated[str, typer.Option(help="Address to listen on; 0.0.0.0 in a container.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
) -> None:
    """Serve the web pages until stopped (Ctrl-C, SIGTERM). Put HTTPS in front of it (a reverse proxy)."""
    with services() as svc:
        if svc.settings.uses_default_secret:
            log.warning("KK_SECRET_KEY is the insecure default: set a long random value before real use")
        # After shutting down, uvicorn hands the stop signal on to the handler it found: with ours in place
        # that changes nothing, so the services are closed and the process exits 0, not killed by SIGTERM.
        install_stop_handlers(threading.Event())
        log.info(
            "web app starting", extra={"host": host, "port": port, "public_url": svc.settings.public_url}
        )
        create_server(svc, host, port).run()
        log.info("web app stopped")
