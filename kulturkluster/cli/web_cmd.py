"""``kulturkluster web``: the web app (public unsubscribe, confirm and view pages) under uvicorn."""

from __future__ import annotations

import logging
import threading
from typing import Annotated

import typer
import uvicorn

from kulturkluster.web import create_app

from .context import services
from .inbound_cmd import install_stop_handlers

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
        uvicorn.run(
            create_app(svc),
            host=host,
            port=port,
            # Keep the service's own logging; uvicorn's records go through it.
            log_config=None,
            # Access logs would keep every visitor's IP address and the tokens in our URLs.
            access_log=False,
            server_header=False,
            # Behind the HTTPS proxy: the client's own address (login limits) and scheme (Secure cookie)
            proxy_headers=True,
            forwarded_allow_ips=svc.settings.trusted_proxies,
        )
        log.info("web app stopped")
