"""A hostile HTML mail shown on the case page runs no script and cannot cover or leave the page."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import ConsoleMessage, Dialog, Page, Request, expect

from tests.browser import demo
from tests.browser.conftest import LiveServer, login

pytestmark = [pytest.mark.browser, pytest.mark.integration]

REPLY_BUTTON = re.compile(r"^Skicka svar")


@dataclass
class Watch:
    """Every way a payload could show that it ran, watched from before the page loads."""

    dialogs: list[str] = field(default_factory=list)
    calls: list[str] = field(default_factory=list)
    console: list[str] = field(default_factory=list)
    foreign: list[str] = field(default_factory=list)

    def install(self, page: Page, own_url: str) -> None:
        def on_dialog(dialog: Dialog) -> None:
            self.dialogs.append(dialog.message)
            dialog.dismiss()

        def on_console(message: ConsoleMessage) -> None:
            self.console.append(message.text)

        def on_request(request: Request) -> None:
            if urlsplit(request.url).netloc != urlsplit(own_url).netloc and request.url.startswith("http"):
                self.foreign.append(request.url)

        page.on("dialog", on_dialog)
        page.on("console", on_console)
        page.on("request", on_request)
        # Bound in every frame of the page, the mail's own frame included.
        page.expose_binding("kkPwned", lambda _source, where: self.calls.append(str(where)))
        # Nothing may reach another site (a refresh, <base>, a tracking pixel, a form): refused if tried.
        page.route(
            re.compile(r"^https?://(?!" + re.escape(urlsplit(own_url).netloc) + r"/)"), lambda r: r.abort()
        )

    @property
    def pwned_console(self) -> list[str]:
        return [line for line in self.console if "PWNED" in line]


def test_the_watch_sees_the_payloads_when_they_do_run(live_server: LiveServer, page: Page) -> None:
    """The control: the same HTML served raw (no cleaning, no sandbox, no CSP) trips every alarm."""
    watch = Watch()
    watch.install(page, live_server.url)
    raw_url = f"{live_server.url}/raw-mail-for-the-control"
    page.route(raw_url, lambda route: route.fulfill(body=demo.MALICIOUS_HTML, content_type="text/html"))
    # Its <meta refresh> leaves for evil.example once the page has loaded (and its scripts have run).
    with page.expect_request(lambda request: request.url == "https://evil.example/refresh"):
        page.goto(raw_url, wait_until="commit")
    assert "PWNED" in watch.dialogs
    assert {"script", "img-onerror", "body-onload"} <= set(watch.calls), watch.calls
    assert watch.pwned_console
    assert "https://evil.example/refresh" in watch.foreign


def test_a_hostile_mail_runs_no_script_in_the_case_view(live_server: LiveServer, page: Page) -> None:
    demo.add_cases(live_server, demo.MALICIOUS_MAIL)
    [reference] = re.findall(r"\[(KK-\d{4}-\d{4})\]", live_server.smtp.handler.received[0].message["Subject"])
    login(page)
    watch = Watch()
    watch.install(page, live_server.url)

    case_url = f"{live_server.url}/app/arenden/{reference}"
    page.goto(case_url)
    served_title = re.search(r"<title>(.*?)</title>", page.request.get(case_url).text(), re.S)
    assert served_title is not None

    # The mail is on the page, in its own sandboxed frame without scripts.
    frame_element = page.locator("iframe[src*='/meddelande/']").first
    frame_element.scroll_into_view_if_needed()  # the frame loads lazily
    expect(frame_element).to_be_visible()
    sandbox = frame_element.get_attribute("sandbox")
    assert sandbox is not None and "allow-scripts" not in sandbox and "allow-same-origin" not in sandbox
    mail_frame = frame_element.content_frame
    expect(mail_frame.get_by_text("Vi har en fråga om")).to_be_visible()
    page.wait_for_load_state("networkidle")

    # Try the hostile link too: a javascript: URL in a frame without scripts does nothing.
    links = mail_frame.get_by_text("Läs mer här")
    if links.count():
        links.first.click(no_wait_after=True)
    page.wait_for_load_state("networkidle")

    assert watch.dialogs == []
    assert watch.calls == []
    assert watch.pwned_console == []
    assert page.title() == served_title.group(1).strip()
    assert "PWNED" not in page.title()
    assert page.url == case_url
    assert watch.foreign == []
    for frame in page.frames:  # the page's frames stayed ours (or blank): nothing navigated away
        assert frame.url in {"about:blank", "about:srcdoc"} or frame.url.startswith(live_server.url), (
            frame.url
        )

    # No overlay: the reply button is what a click at its centre reaches, and it takes a click.
    button = page.get_by_role("button", name=REPLY_BUTTON)
    button.scroll_into_view_if_needed()
    box = button.bounding_box()
    assert box is not None
    on_top = page.evaluate(
        "([x, y]) => { const e = document.elementFromPoint(x, y); return e && e.closest('button') ? "
        "e.closest('button').textContent.trim() : (e ? e.outerHTML.slice(0, 200) : null); }",
        [box["x"] + box["width"] / 2, box["y"] + box["height"] / 2],
    )
    assert on_top is not None and REPLY_BUTTON.match(on_top), on_top
    button.click(trial=True)
    # The staff page's own navigation sits above anything the mail draws.
    page.locator("header").get_by_role("link", name="Ärenden", exact=True).click(trial=True)
