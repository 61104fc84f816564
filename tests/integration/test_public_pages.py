"""The public pages (unsubscribe, confirm, view in browser) through Starlette's TestClient, on both databases;
and ``kulturkluster web`` as a real process."""

from __future__ import annotations

import base64
import os
import signal
import socket
import subprocess
import sys
import time
import warnings
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from itsdangerous import TimestampSigner
from sqlalchemy import select
from starlette.exceptions import StarletteDeprecationWarning

from kulturkluster.web import create_app
from kulturkluster.wiring import Services
from mailer.campaign_models import Newsletter, NewsletterStatus
from mailer.links import PublicLinks
from mailer.models import OutgoingMessage
from mailer.render import _marker as marker
from subscribers import service
from subscribers.models import Channel, ConsentEvent, Status
from subscribers.service import Evidence
from subscribers.tokens import Purpose
from tests.conftest import ORG_ADDRESS
from tests.servers.databases import scratch_database

with warnings.catch_warnings():
    # Starlette 1.x prefers httpx2 for its TestClient and warns when it falls back to httpx; either works.
    warnings.filterwarnings("ignore", "Using `httpx`", StarletteDeprecationWarning)
    from starlette.testclient import TestClient

pytestmark = pytest.mark.integration
ROOT = Path(__file__).parents[2]
ANNA = "anna@example.se"
BO = "bo@example.se"
PATHS = PublicLinks("")  # relative links: the same paths the mails link to


@pytest.fixture
def svc(services_factory: Callable[..., Services]) -> Services:
    return services_factory()


@pytest.fixture
def client(svc: Services) -> Iterator[TestClient]:
    with TestClient(create_app(svc)) as test_client:
        yield test_client


# -- helpers ----------------------------------------------------------------------------------------------


def add(svc: Services, email: str, status: Status = Status.ACTIVE) -> None:
    with svc.db.unit_of_work() as session:
        service.add(session, email, "Anna", status, Evidence(Channel.STAFF, actor="test"))


def sign_up_pending(svc: Services, email: str) -> None:
    with svc.db.unit_of_work() as session:
        service.subscribe(session, email, "Anna", Evidence(Channel.EMAIL), confirm_first=True)


def status_of(svc: Services, email: str) -> str | None:
    with svc.db.unit_of_work() as session:
        subscriber = service.get(session, email)
        return None if subscriber is None else subscriber.status


def events(svc: Services) -> list[tuple[str, str, str]]:
    """(action, channel, evidence) of every consent event, oldest first."""
    with svc.db.unit_of_work() as session:
        rows = session.execute(
            select(ConsentEvent.action, ConsentEvent.channel, ConsentEvent.evidence).order_by(ConsentEvent.id)
        )
        return [(action, channel, evidence or "") for action, channel, evidence in rows]


def outbox(svc: Services) -> list[tuple[str, str]]:
    with svc.db.unit_of_work() as session:
        rows = session.execute(select(OutgoingMessage.kind, OutgoingMessage.to_address))
        return [(kind, to) for kind, to in rows]


def unsubscribe_path(svc: Services, email: str) -> str:
    return PATHS.unsubscribe(svc.tokens.make(Purpose.UNSUBSCRIBE, email))


def confirm_path(svc: Services, email: str) -> str:
    return PATHS.confirm(svc.tokens.make(Purpose.CONFIRM, email))


def csp(response: httpx.Response) -> dict[str, str]:
    directives = (d.strip() for d in response.headers["content-security-policy"].split(";"))
    return {name: value for name, _, value in (d.partition(" ") for d in directives if d)}


def assert_security_headers(response: httpx.Response) -> None:
    policy = csp(response)
    assert policy["default-src"] == "'none'"
    assert policy["frame-ancestors"] == "'none'"
    assert "'unsafe-inline'" not in policy.get("script-src", "")
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert response.headers["x-frame-options"] == "DENY"


# -- unsubscribe ------------------------------------------------------------------------------------------


def test_unsubscribe_page_shows_a_button_and_changes_nothing(svc: Services, client: TestClient) -> None:
    add(svc, ANNA)
    path = unsubscribe_path(svc, ANNA)
    page = client.get(path)
    assert page.status_code == 200
    assert ANNA in page.text and '<form method="post">' in page.text and "<button" in page.text
    assert "<script" not in page.text
    head = client.head(path)
    assert head.status_code == 200 and head.content == b""
    assert status_of(svc, ANNA) == Status.ACTIVE
    assert [action for action, _, _ in events(svc)] == ["added"]


def test_post_unsubscribes_with_link_evidence_and_no_goodbye(svc: Services, client: TestClient) -> None:
    add(svc, ANNA)
    response = client.post(unsubscribe_path(svc, ANNA))
    assert response.status_code == 200
    assert "Prenumerationen är avslutad" in response.text and ANNA in response.text
    assert status_of(svc, ANNA) == Status.UNSUBSCRIBED
    action, channel, evidence = events(svc)[-1]
    assert (action, channel) == ("unsubscribed", Channel.LINK)
    assert "avanmälningssidan" in evidence and "(svensk tid)" in evidence
    assert "testclient" not in evidence  # neither the client's address nor its user agent is kept
    assert outbox(svc) == []
    again = client.get(unsubscribe_path(svc, ANNA))
    assert "Du får inte nyhetsbrevet" in again.text and "<button" not in again.text


ONE_CLICK_BODIES = {
    "urlencoded": ({"Content-Type": "application/x-www-form-urlencoded"}, b"List-Unsubscribe=One-Click"),
    "multipart": (
        {"Content-Type": "multipart/form-data; boundary=kk"},
        b'--kk\r\nContent-Disposition: form-data; name="List-Unsubscribe"\r\n\r\nOne-Click\r\n--kk--\r\n',
    ),
    "no content type": ({}, b"List-Unsubscribe=One-Click"),
}


@pytest.mark.parametrize("kind", ONE_CLICK_BODIES)
def test_one_click_post_is_idempotent(svc: Services, client: TestClient, kind: str) -> None:
    add(svc, ANNA)
    headers, body = ONE_CLICK_BODIES[kind]
    path = unsubscribe_path(svc, ANNA)
    assert not client.cookies
    first = client.post(path, content=body, headers=headers)
    second = client.post(path, content=body, headers=headers)
    assert first.status_code == second.status_code == 200
    assert first.text == second.text
    assert "set-cookie" not in first.headers
    assert status_of(svc, ANNA) == Status.UNSUBSCRIBED
    unsubscribed = [e for e in events(svc) if e[0] == "unsubscribed"]
    assert [channel for _, channel, _ in unsubscribed] == [Channel.LIST_UNSUBSCRIBE]
    assert "RFC 8058" in unsubscribed[0][2]
    assert outbox(svc) == []


def test_forged_tokens_get_400_and_change_nothing(svc: Services, client: TestClient) -> None:
    add(svc, ANNA)
    token = svc.tokens.make(Purpose.UNSUBSCRIBE, ANNA)
    # Not the last character: its low bits are base64 padding, so changing it may decode to the same MAC
    broken = token[:-5] + ("A" if token[-5] != "A" else "B") + token[-4:]
    wrong_purpose = svc.tokens.make(Purpose.CONFIRM, ANNA)
    for path in (PATHS.unsubscribe(broken), PATHS.unsubscribe("nonsense"), PATHS.unsubscribe(wrong_purpose)):
        for response in (
            client.get(path),
            client.post(path),
            client.post(path, data={"List-Unsubscribe": "One-Click"}),
        ):
            assert response.status_code == 400
            assert "Länken fungerar inte" in response.text
            assert "Avsluta" in response.text and ORG_ADDRESS in response.text
            assert ANNA not in response.text
    assert status_of(svc, ANNA) == Status.ACTIVE
    assert len(events(svc)) == 1


def test_a_token_cannot_be_altered_to_name_someone_else(svc: Services, client: TestClient) -> None:
    add(svc, ANNA)
    add(svc, BO)
    _payload, timestamp, signature = (
        svc.tokens.make(Purpose.UNSUBSCRIBE, ANNA).removeprefix("kku-").split(".")
    )
    other = base64.urlsafe_b64encode(f'"{BO}"'.encode()).rstrip(b"=").decode()
    forged = f"kku-{other}.{timestamp}.{signature}"
    assert svc.tokens.check(forged) is None
    assert client.post(PATHS.unsubscribe(forged)).status_code == 400
    assert status_of(svc, BO) == status_of(svc, ANNA) == Status.ACTIVE


def test_help_page(client: TestClient) -> None:
    response = client.get(PATHS.unsubscribe_help())
    assert response.status_code == 200
    assert "Avsluta" in response.text and ORG_ADDRESS in response.text
    assert client.head(PATHS.unsubscribe_help()).status_code == 200


# -- confirm ----------------------------------------------------------------------------------------------


def test_confirm_link_activates_once_and_queues_one_welcome(svc: Services, client: TestClient) -> None:
    sign_up_pending(svc, ANNA)
    sign_up_pending(svc, BO)
    path = confirm_path(svc, ANNA)
    page = client.get(path)
    assert page.status_code == 200 and "<button" in page.text and ANNA in page.text
    assert client.head(path).status_code == 200
    assert status_of(svc, ANNA) == Status.PENDING and outbox(svc) == []

    first = client.post(path)
    assert first.status_code == 200 and "Du prenumererar nu" in first.text
    assert status_of(svc, ANNA) == Status.ACTIVE
    assert status_of(svc, BO) == Status.PENDING  # the token proves receipt for its own address only
    action, channel, _ = events(svc)[-1]
    assert (action, channel) == ("confirmed", Channel.LINK)
    assert outbox(svc) == [("welcome", ANNA)]

    second = client.post(path)
    assert second.status_code == 200 and second.text == first.text
    assert outbox(svc) == [("welcome", ANNA)]
    assert [a for a, _, _ in events(svc)].count("confirmed") == 1
    assert "Du prenumererar nu" in client.get(path).text


def test_confirm_link_after_unsubscribing_does_not_resubscribe(svc: Services, client: TestClient) -> None:
    sign_up_pending(svc, ANNA)
    path = confirm_path(svc, ANNA)
    client.post(unsubscribe_path(svc, ANNA))
    assert "Bekräftelsen gäller inte längre" in client.get(path).text
    assert "Bekräftelsen gäller inte längre" in client.post(path).text
    assert status_of(svc, ANNA) == Status.UNSUBSCRIBED and outbox(svc) == []


def test_expired_confirm_link(svc: Services, client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    sign_up_pending(svc, ANNA)
    sign_up_pending(svc, BO)
    days = svc.settings.subscribe.confirm_max_age_days
    issued = int((datetime.now(UTC) - timedelta(days=days + 1)).timestamp())
    with monkeypatch.context() as patched:
        patched.setattr(TimestampSigner, "get_timestamp", lambda _self: issued)
        old_anna, old_bo = confirm_path(svc, ANNA), confirm_path(svc, BO)
    for response in (client.get(old_anna), client.post(old_anna)):
        assert response.status_code == 410
        assert "Länken har gått ut" in response.text and "Nyhetsbrev" in response.text
    assert status_of(svc, ANNA) == Status.PENDING and outbox(svc) == []
    # Someone who already confirmed (by reply) and clicks the old link is told that all is well.
    client.post(confirm_path(svc, BO))
    assert "Du prenumererar nu" in client.get(old_bo).text


def test_forged_confirm_token(svc: Services, client: TestClient) -> None:
    sign_up_pending(svc, ANNA)
    response = client.post(PATHS.confirm("kkc-bm9wZQ.AAAA.AAAA"))
    assert response.status_code == 400 and "Nyhetsbrev" in response.text
    assert status_of(svc, ANNA) == Status.PENDING


# -- view in browser --------------------------------------------------------------------------------------


def add_newsletter(svc: Services, status: NewsletterStatus, *, frozen: bool = True) -> int:
    html = (
        f"<html><body><p>Hej{marker('recipient.greeting_name')}!</p><p>Aprilnytt för {marker('recipient.email')}</p>"
        f'<a href="{marker("links.unsubscribe")}">Avsluta</a></body></html>'
    )
    with svc.db.unit_of_work() as session:
        newsletter = Newsletter(
            template="default",
            subject="Aprilnytt",
            preheader="",
            content="",
            status=status,
            html=html if frozen else None,
            text="Hej! Aprilnytt" if frozen else None,
        )
        session.add(newsletter)
        session.flush()
        return newsletter.id


def test_view_page_shows_the_letter_without_anything_personal(svc: Services, client: TestClient) -> None:
    add(svc, ANNA)
    newsletter_id = add_newsletter(svc, NewsletterStatus.SENT)
    response = client.get(PATHS.view(svc.tokens.make(Purpose.VIEW, str(newsletter_id))))
    assert response.status_code == 200
    assert "<p>Hej!</p>" in response.text and "Aprilnytt" in response.text
    assert "KKPERSONAL" not in response.text and ANNA not in response.text and "@" not in response.text
    assert f'href="{svc.settings.public_url}/avsluta"' in response.text
    assert_security_headers(response)
    policy = csp(response)
    assert policy["style-src"] == "'unsafe-inline'" and "script-src" not in policy


def test_view_page_is_404_for_drafts_unknown_ids_and_bad_tokens(svc: Services, client: TestClient) -> None:
    draft = add_newsletter(svc, NewsletterStatus.DRAFT, frozen=False)
    scheduled = add_newsletter(svc, NewsletterStatus.SCHEDULED, frozen=False)
    tokens = [svc.tokens.make(Purpose.VIEW, str(n)) for n in (draft, scheduled, 999999, "x")]
    tokens += ["kkn-bm9wZQ.AAAA.AAAA", svc.tokens.make(Purpose.UNSUBSCRIBE, str(draft))]
    for token in tokens:
        response = client.get(PATHS.view(token))
        assert response.status_code == 404
        assert "Sidan finns inte" in response.text
        assert csp(response)["style-src"] == "'self'"


# -- the app as a whole -----------------------------------------------------------------------------------


def test_security_headers_and_stylesheet(svc: Services, client: TestClient) -> None:
    add(svc, ANNA)
    for path in (
        unsubscribe_path(svc, ANNA),
        PATHS.unsubscribe_help(),
        "/finns-inte",
        PATHS.unsubscribe("x"),
    ):
        response = client.get(path)
        assert_security_headers(response)
        assert csp(response)["style-src"] == "'self'"
        assert response.headers["cache-control"] == "no-store"
        assert "<script" not in response.text and 'style="' not in response.text
        assert '<html lang="sv">' in response.text and 'name="viewport"' in response.text
    css = client.get("/static/public.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
    assert_security_headers(css)


def test_errors_are_swedish_pages(svc: Services, client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    missing = client.get("/finns-inte")
    assert missing.status_code == 404 and "Sidan finns inte" in missing.text
    wrong_method = client.put(unsubscribe_path(svc, ANNA))
    assert wrong_method.status_code == 405 and "Något gick fel" in wrong_method.text
    assert set(wrong_method.headers["allow"].replace(" ", "").split(",")) == {"GET", "HEAD", "POST"}

    def fail(*_args: object) -> None:
        raise RuntimeError("secret internals")

    monkeypatch.setattr(service, "get", fail)
    with TestClient(create_app(svc), raise_server_exceptions=False) as quiet:
        response = quiet.get(unsubscribe_path(svc, ANNA))
    assert response.status_code == 500
    assert "Något gick fel" in response.text
    assert "secret internals" not in response.text and "Traceback" not in response.text
    assert_security_headers(response)


def test_healthz(client: TestClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200 and response.text == "ok"


# -- the command ------------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _wait_for(url: str, process: subprocess.Popen[bytes], log: Path) -> httpx.Response:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"kulturkluster web exited with {process.returncode}:\n{log.read_text()}")
        try:
            return httpx.get(url, timeout=2)
        except httpx.TransportError:
            time.sleep(0.1)
    pytest.fail(f"kulturkluster web did not answer within 30 s:\n{log.read_text()}")


def test_web_command_serves_the_pages(tmp_path: Path) -> None:
    with scratch_database("sqlite", tmp_path) as db:
        port = _free_port()
        env = {**os.environ, "KK_DATABASE_URL": db.url, "KK_DATA_DIR": str(tmp_path / "var")}
        log = tmp_path / "web.log"
        with log.open("wb") as output:
            process = subprocess.Popen(
                [sys.executable, "-m", "kulturkluster.cli", "web", "--port", str(port)],
                cwd=ROOT,
                env=env,
                stdout=output,
                stderr=subprocess.STDOUT,
            )
            try:
                base = f"http://127.0.0.1:{port}"
                health = _wait_for(f"{base}/healthz", process, log)
                assert health.status_code == 200 and health.text == "ok"
                missing = httpx.get(f"{base}/finns-inte")
                assert missing.status_code == 404 and "Sidan finns inte" in missing.text
                assert_security_headers(missing)
                assert "server" not in missing.headers
            finally:
                process.send_signal(signal.SIGTERM)
                returncode = process.wait(timeout=30)
        assert returncode == 0, log.read_text()
        assert "web app stopped" in log.read_text()
