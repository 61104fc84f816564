"""``/metrics`` in Prometheus' text format, for the IT department's monitoring, behind a bearer token.

Without ``KK_WEB__METRICS_TOKEN`` the path does not exist (404): the public pages stay what they are. With
it, a scrape must send ``Authorization: Bearer <token>``. The figures come from the database at each scrape
(``kulturkluster.metrics``), and the liveness of this process's workers from ``Services.workers``.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator, Mapping

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector, CollectorRegistry
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from kulturkluster.db import utcnow
from kulturkluster.metrics import read_figures
from kulturkluster.wiring import Services

METRICS_PATH = "/metrics"


class ServiceCollector(Collector):
    """Reads the figures once per scrape."""

    def __init__(self, services: Services) -> None:
        self.services = services

    def collect(self) -> Iterator[Metric]:
        with self.services.db.unit_of_work() as session:
            figures = read_figures(session, utcnow())
        workers = {name: 1.0 if alive else 0.0 for name, alive in self.services.workers.status().items()}
        yield _family(
            CounterMetricFamily,
            "kulturkluster_inbound_messages",
            "Mail handled, by the route it took.",
            "route",
            figures.inbound_by_route,
        )
        yield _family(
            CounterMetricFamily,
            "kulturkluster_answers",
            "Single mails (answers, receipts, replies) by status: sent, failed, suppressed, queued, sending.",
            "status",
            figures.answers_by_status,
        )
        yield _family(
            CounterMetricFamily,
            "kulturkluster_newsletter_deliveries",
            "Newsletter deliveries by status.",
            "status",
            figures.deliveries_by_status,
        )
        yield GaugeMetricFamily(
            "kulturkluster_outbox_backlog", "Single mails waiting to be sent.", figures.outbox_backlog
        )
        yield GaugeMetricFamily(
            "kulturkluster_delivery_backlog",
            "Newsletter deliveries waiting to be sent.",
            figures.delivery_backlog,
        )
        yield _family(
            GaugeMetricFamily,
            "kulturkluster_mailbox_last_fetch_age_seconds",
            "Seconds since the mailbox was last read successfully.",
            "mailbox",
            figures.fetch_age_seconds,
        )
        yield _family(
            GaugeMetricFamily,
            "kulturkluster_worker_up",
            "1 while a background worker of this process runs, 0 when it died.",
            "worker",
            workers,
        )


def _family(
    kind: type[CounterMetricFamily] | type[GaugeMetricFamily],
    name: str,
    documentation: str,
    label: str,
    values: Mapping[str, float],
) -> Metric:
    """One metric with one label, a sample per key, in a stable order."""
    family = kind(name, documentation, labels=[label])
    for key, value in sorted(values.items()):
        family.add_metric([key], value)
    return family


class MetricsEndpoint:
    def __init__(self, services: Services) -> None:
        self.token = services.settings.web.metrics_token.get_secret_value()
        self.registry = CollectorRegistry(auto_describe=False)
        self.registry.register(ServiceCollector(services))

    def routes(self) -> list[BaseRoute]:
        return [Route(METRICS_PATH, self.metrics, methods=["GET"])] if self.token else []

    async def metrics(self, request: Request) -> Response:
        sent = request.headers.get("authorization", "")
        if not secrets.compare_digest(sent.encode(), f"Bearer {self.token}".encode()):
            return PlainTextResponse("", status_code=401, headers={"WWW-Authenticate": "Bearer"})
        body = await run_in_threadpool(generate_latest, self.registry)
        return Response(body, media_type=CONTENT_TYPE_LATEST)
