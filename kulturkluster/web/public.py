"""The public pages that mails link to: unsubscribe, confirm, view in browser; and the health check.

Every page is reached by a signed token (``subscribers.tokens``), never by a database id. GET and HEAD
only show what the page's button would do: mail filters and link scanners fetch every link they see, and
that must never unsubscribe anyone or confirm a subscription.

The POSTs carry no CSRF token, on purpose: the signed token in the URL is the credential, it acts only on
the address it names, and RFC 8058 one-click requests come from the mail provider's servers, with no
cookie and no page of ours before them. A cross-site POST would need the token, and whoever holds the
token may use it anyway.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from kulturkluster.wiring import Services
from mailer import archive
from mailer.campaign_models import Newsletter, NewsletterStatus
from mailer.links import CONFIRM_PATH, UNSUBSCRIBE_PATH, VIEW_PATH, PublicLinks
from mailer.render import Compiled
from subscribers import requests, service
from subscribers.models import Status
from subscribers.service import ConfirmOutcome
from subscribers.tokens import Purpose, TokenClaim, TokenSigner

from .headers import NEWSLETTER_POLICY
from .pages import HELP_PATH, Pages

Endpoint = Callable[[Request], Awaitable[Response]]

HEALTH_PATH = "/healthz"
_GETS_MAIL = frozenset({Status.ACTIVE, Status.PENDING})
_NEWSLETTER_ID = re.compile(r"[0-9]{1,9}")
# Only to tell an expired confirmation link from a broken one, so the page says the right thing.
_NO_EXPIRY = 100 * 365 * 86400


def _by_method(get: Endpoint, post: Endpoint) -> Endpoint:
    """One route per path, so a wrong method gets a 405 that names both allowed ones."""

    async def endpoint(request: Request) -> Response:
        return await (post if request.method == "POST" else get)(request)

    return endpoint


def _token(request: Request) -> str:
    return str(request.path_params["token"])


async def _is_one_click(request: Request) -> bool:
    """RFC 8058: the mail provider POSTs ``List-Unsubscribe=One-Click``, form-encoded (either kind)."""
    content_type = request.headers.get("content-type", "").lower()
    if content_type.startswith(("multipart/form-data", "application/x-www-form-urlencoded")):
        form = await request.form(max_files=0, max_fields=20)
        return form.get("List-Unsubscribe") == "One-Click"
    # A sender that leaves out the content type still sends the same bytes.
    return (await request.body()).strip() == b"List-Unsubscribe=One-Click"


class PublicPages:
    """The routes, bound to the services; database work runs in Starlette's thread pool."""

    def __init__(self, services: Services, pages: Pages) -> None:
        self.services = services
        self.pages = pages
        self.links = PublicLinks(services.settings.public_url)
        self._ignoring_expiry = TokenSigner(services.settings.secret_key.get_secret_value(), _NO_EXPIRY)

    def routes(self) -> list[BaseRoute]:
        return [
            Route(
                UNSUBSCRIBE_PATH, _by_method(self.unsubscribe_page, self.unsubscribe), methods=["GET", "POST"]
            ),
            Route(HELP_PATH, self.unsubscribe_help, methods=["GET"]),
            Route(CONFIRM_PATH, _by_method(self.confirm_page, self.confirm), methods=["GET", "POST"]),
            Route(VIEW_PATH, self.view, methods=["GET"]),
            Route(HEALTH_PATH, self.healthz, methods=["GET"]),
        ]

    async def healthz(self, _request: Request) -> Response:
        """ "ok" and a line per background worker of ``serve``; 503 naming the workers that died."""
        dead = self.services.workers.dead()
        running = sorted(name for name, alive in self.services.workers.status().items() if alive)
        lines = [f"worker {name}: running" for name in running]
        if dead:
            died = [f"worker {name} died: {error}" for name, error in sorted(dead.items())]
            return PlainTextResponse("\n".join([*died, *lines]), status_code=503)
        return PlainTextResponse("\n".join(["ok", *lines]))

    # -- unsubscribe --------------------------------------------------------------------------------------

    async def unsubscribe_page(self, request: Request) -> Response:
        claim = self._claim(_token(request), Purpose.UNSUBSCRIBE)
        if claim is None:
            return self._bad_link(request, "unsubscribe")
        status = await run_in_threadpool(self._status, claim.address)
        name = "unsubscribe_ask" if status in _GETS_MAIL else "unsubscribe_not_subscribed"
        return self.pages.render(request, f"public/{name}", {"address": claim.address})

    async def unsubscribe(self, request: Request) -> Response:
        claim = self._claim(_token(request), Purpose.UNSUBSCRIBE)
        if claim is None:
            return self._bad_link(request, "unsubscribe")
        one_click = await _is_one_click(request)
        await run_in_threadpool(self._unsubscribe, claim, one_click=one_click)
        return self.pages.render(request, "public/unsubscribe_done", {"address": claim.address})

    def _unsubscribe(self, claim: TokenClaim, *, one_click: bool) -> None:
        with self.services.db.unit_of_work() as session:
            requests.unsubscribe_by_link(session, claim, one_click=one_click)

    async def unsubscribe_help(self, request: Request) -> Response:
        return self.pages.render(request, "public/unsubscribe_help")

    # -- confirm ------------------------------------------------------------------------------------------

    async def confirm_page(self, request: Request) -> Response:
        token = _token(request)
        claim = self._claim(token, Purpose.CONFIRM)
        if claim is None:
            return await self._unusable_confirm_link(request, token)
        status = await run_in_threadpool(self._status, claim.address)
        if status == Status.PENDING:
            name = "confirm_ask"
        elif status == Status.ACTIVE:
            name = "confirm_done"
        else:
            name = "confirm_not_pending"
        return self.pages.render(request, f"public/{name}", {"address": claim.address})

    async def confirm(self, request: Request) -> Response:
        token = _token(request)
        claim = self._claim(token, Purpose.CONFIRM)
        if claim is None:
            return await self._unusable_confirm_link(request, token)
        outcome = await run_in_threadpool(self._confirm, claim)
        name = "confirm_not_pending" if outcome is ConfirmOutcome.NOT_PENDING else "confirm_done"
        return self.pages.render(request, f"public/{name}", {"address": claim.address})

    def _confirm(self, claim: TokenClaim) -> ConfirmOutcome:
        with self.services.db.unit_of_work() as session:
            outcome, welcome = requests.confirm_by_link(session, claim)
            if welcome is not None:
                # Queued in this transaction, sent by the worker that flushes the outbox.
                self.services.system_mailer.answer(session, welcome)
        return outcome

    async def _unusable_confirm_link(self, request: Request, token: str) -> Response:
        expired = self._ignoring_expiry.check(token)
        if expired is None or expired.purpose is not Purpose.CONFIRM:
            return self._bad_link(request, "confirm")
        # People often click an old link after confirming by reply: then all is well, say so.
        if await run_in_threadpool(self._status, expired.address) == Status.ACTIVE:
            return self.pages.render(request, "public/confirm_done", {"address": expired.address})
        days = self.services.settings.subscribe.confirm_max_age_days
        return self.pages.render(request, "public/confirm_expired", {"days": days}, status_code=410)

    # -- view in browser ----------------------------------------------------------------------------------

    async def view(self, request: Request) -> Response:
        claim = self._claim(_token(request), Purpose.VIEW)
        found = None if claim is None else await run_in_threadpool(self._frozen_letter, claim.address)
        if found is None:
            return self.pages.render(request, "public/not_found", status_code=404)
        letter, archived_ref = found
        if archived_ref is not None:  # in the public archive: one address for it, without a token
            return RedirectResponse(self.links.archive_issue(archived_ref), status_code=302)
        # Whoever opens this page is anonymous (a forwarded link, a shared post): nothing personal in it.
        page = letter.personalise(
            {
                "recipient.email": "",
                "recipient.greeting_name": "",
                "links.unsubscribe": self.links.unsubscribe_help(),
            }
        )
        headers = {"Content-Security-Policy": NEWSLETTER_POLICY, "Cache-Control": "no-store"}
        return HTMLResponse(page.html, headers=headers)

    def _frozen_letter(self, newsletter_id: str) -> tuple[Compiled, str | None] | None:
        """The letter exactly as it was sent (frozen when sending started), and its archive reference
        when it is in the public archive; None before sending started."""
        if not _NEWSLETTER_ID.fullmatch(newsletter_id):
            return None
        with self.services.db.unit_of_work() as session:
            newsletter = session.get(Newsletter, int(newsletter_id))
            if newsletter is None or newsletter.html is None or newsletter.status == NewsletterStatus.DRAFT:
                return None
            archived = archive.letter(session, newsletter.id)
            letter = Compiled(newsletter.subject, newsletter.html, newsletter.text or "")
            return letter, archived.issue.ref if archived else None

    # -- shared -------------------------------------------------------------------------------------------

    def _claim(self, token: str, purpose: Purpose) -> TokenClaim | None:
        claim = self.services.tokens.check(token)
        return claim if claim is not None and claim.purpose is purpose else None

    def _status(self, address: str) -> str | None:
        with self.services.db.unit_of_work() as session:
            subscriber = service.get(session, address)
            return None if subscriber is None else subscriber.status

    def _bad_link(self, request: Request, action: str) -> Response:
        return self.pages.render(request, "public/bad_link", {"action": action}, status_code=400)
