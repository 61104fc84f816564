"""The editor's live preview: the real MJML rendering of unsaved content, at desktop and phone widths.

Why not ``<iframe srcdoc>``: a srcdoc document inherits the staff page's policy (``style-src 'self'``),
which blocks every inline style MJML writes, so the letter would show unstyled. Instead each rendering is
kept for a while under a random token, and the frames load it from a route of ours that answers with the
letter's own policy (``LETTER_POLICY``: sandboxed, no script). Renderings belong to the person who made
them; the store is bounded (oldest out first) and lives in this process, which is the whole web app.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections import OrderedDict

from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from kulturkluster.errors import KulturklusterError
from kulturkluster.texts import t
from mailer import proofing
from mailer.newsletter_render import available_templates
from mailer.render import TEMPLATES_DIR

from .base import Pagebuilder, StaffRequest
from .newsletter_common import LIST_URL, letter_response
from .newsletter_editor import posted_source

PREVIEW_URL = f"{LIST_URL}/forhandsvisning"
SAMPLE_URL = f"{PREVIEW_URL}/mall"
EXAMPLES = TEMPLATES_DIR / "newsletter"  # <template>.md, else exempel.md


def example_source(template: str) -> str:
    """The example content a template is shown with when staff choose one."""
    own = EXAMPLES / f"{template}.md"
    return (own if own.is_file() else EXAMPLES / "exempel.md").read_text(encoding="utf-8")


class PreviewStore:
    """Recent renderings by token, each readable only by the account that made it."""

    def __init__(self, capacity: int = 100, max_age: float = 3600.0) -> None:
        self.capacity, self.max_age = capacity, max_age
        self._items: OrderedDict[str, tuple[int, float, str]] = OrderedDict()
        self._lock = threading.Lock()

    def put(self, owner: int, html: str) -> str:
        token = secrets.token_urlsafe(16)
        with self._lock:
            self._items[token] = (owner, time.monotonic(), html)
            while len(self._items) > self.capacity:
                self._items.popitem(last=False)
        return token

    def get(self, owner: int, token: str) -> str | None:
        with self._lock:
            item = self._items.get(token)
        if item is None or item[0] != owner or time.monotonic() - item[1] > self.max_age:
            return None
        return item[2]


def routes(build: Pagebuilder) -> list[BaseRoute]:
    store = PreviewStore()

    def live_preview(req: StaffRequest) -> Response:
        """The fragment under the editor: the subject, the MJML warnings, two frames; or what is wrong."""
        template, source, error = posted_source(req)
        context: dict[str, object] = {"error": error, "token": None, "warnings": ()}
        if error is None:
            try:
                rendered, warnings = proofing.preview_source(
                    req.services.newsletter_renderer, template, source
                )
            except KulturklusterError as exc:  # front matter, Markdown, template or MJML: say which
                context["error"] = str(exc)
            else:
                context.update(
                    token=store.put(req.user.id, rendered.html), subject=rendered.subject, warnings=warnings
                )
        return req.render("newsletters/_preview", context)

    def stored_preview(req: StaffRequest) -> Response:
        html = store.get(req.user.id, req.param("token"))
        if html is None:
            return Response(t("web.newsletters.preview_gone"), status_code=404, media_type="text/plain")
        return letter_response(html)

    def template_sample(req: StaffRequest) -> Response:
        """A template with its example content, so staff can see each one before choosing."""
        template = req.param("name")
        if template not in available_templates(req.services.renderer):
            return Response(t("web.newsletters.preview_gone"), status_code=404, media_type="text/plain")
        rendered, _ = proofing.preview_source(
            req.services.newsletter_renderer, template, example_source(template)
        )
        return letter_response(rendered.html)

    return [
        Route(PREVIEW_URL, build.staff(live_preview), methods=["POST"]),
        Route(SAMPLE_URL + "/{name}", build.staff(template_sample), methods=["GET"]),
        Route(PREVIEW_URL + "/{token}", build.staff(stored_preview), methods=["GET"]),
    ]
