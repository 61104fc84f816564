"""``kulturkluster serve``: the whole service in one process; ``config``: the settings in force."""

from __future__ import annotations

import json
import logging
import threading

from kulturkluster.settings import Settings

from .context import services
from .inbound_cmd import install_stop_handlers
from .output import console

log = logging.getLogger(__name__)


def serve() -> None:
    """Run the service: read the mailbox, handle and answer mail, until stopped (Ctrl-C, SIGTERM)."""
    with services() as svc:
        if svc.settings.uses_default_secret:
            log.warning("KK_SECRET_KEY is the insecure default: set a long random value before real use")
        source = svc.make_source()
        log.info("service started", extra={"source": source.name, "database": svc.db.dialect})
        stop = threading.Event()
        install_stop_handlers(stop)
        runner = svc.make_runner(source)
        try:
            runner.run(stop)
        finally:
            source.close()
            svc.flush_outbox()
        log.info("service stopped")


def show_config() -> None:
    """Print the settings in force (secrets masked) as JSON."""
    data = json.loads(Settings().model_dump_json())
    console.print_json(json.dumps(data, ensure_ascii=False))
