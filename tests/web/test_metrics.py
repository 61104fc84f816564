"""``/metrics`` (Prometheus) behind a bearer token, read from the database; ``/healthz`` names each worker."""

from __future__ import annotations

import threading
from collections.abc import Callable

from starlette.testclient import TestClient

from inbound.sources.base import Item
from kulturkluster.web import create_app
from kulturkluster.wiring import Services
from tests.integration.test_pipeline import make_mail

TOKEN = "a-long-scrape-token-for-the-it-department"
BASE = "https://post.kk.test"


def test_no_token_configured_no_metrics(services_factory: Callable[..., Services]) -> None:
    client = TestClient(create_app(services_factory(public_url=BASE)), base_url=BASE)
    assert client.get("/metrics").status_code == 404


def test_metrics_need_the_token_and_count_what_happened(services_factory: Callable[..., Services]) -> None:
    svc = services_factory(public_url=BASE, web={"metrics_token": TOKEN})
    svc.pipeline.process(
        [
            Item(make_mail("Nyhetsbrev", sender="anna@example.se", message_id="s1@x"), "test"),
            Item(make_mail("Hur söker man bidrag?", sender="bo@example.se", message_id="q1@x"), "test"),
            Item(make_mail("Hur gör man?", sender="cia@example.se", message_id="q2@x"), "test"),
        ]
    )
    svc.record_health(svc.make_source(), None)
    svc.workers.watched("inbound", lambda: None, lambda: None)()

    def boom() -> None:
        raise RuntimeError("the mailer thread crashed")

    svc.workers.watched("mailer", boom, threading.Event().set)()
    client = TestClient(create_app(svc), base_url=BASE)
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
    response = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
    text = response.text
    assert 'kulturkluster_inbound_messages_total{route="subscribe"} 1.0' in text
    assert 'kulturkluster_inbound_messages_total{route="new_case"} 2.0' in text
    # Three answers queued (a welcome and two receipts), none sent yet: all of them are the backlog.
    assert 'kulturkluster_answers_total{status="queued"} 3.0' in text
    assert "kulturkluster_outbox_backlog 3.0" in text and "kulturkluster_delivery_backlog 0.0" in text
    assert 'kulturkluster_mailbox_last_fetch_age_seconds{mailbox="' in text
    assert 'kulturkluster_worker_up{worker="inbound"} 1.0' in text
    assert 'kulturkluster_worker_up{worker="mailer"} 0.0' in text
    health = client.get("/healthz")
    assert health.status_code == 503
    assert "worker mailer died: RuntimeError" in health.text and "worker inbound: running" in health.text
