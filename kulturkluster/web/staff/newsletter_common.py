"""Shared by the newsletter pages: loading one newsletter, Stockholm time, the detail page's context.

Newsletter errors in these handlers go back to the newsletter's own page (or the list) with a flash: the
app sends no Referer (``Referrer-Policy: no-referrer``), so "back to where the form was" means "here".
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session
from starlette.responses import HTMLResponse, Response

from kulturkluster.db import utcnow
from kulturkluster.errors import ErrorKind, KulturklusterError
from kulturkluster.texts import t
from mailer import campaign_runs
from mailer.campaign_models import Newsletter, NewsletterStatus
from mailer.check import CheckReport
from mailer.progress import Progress, progress
from mailer.spamscore import SpamScore

from .base import APP_PREFIX, Handler, StaffRequest, local, local_input

LIST_URL = f"{APP_PREFIX}/nyhetsbrev"
# A newsletter's HTML shown in a frame of our own pages: its inline styles and remote images, no script,
# no forms, nothing it can reach (the ``sandbox`` directive gives it an opaque origin).
LETTER_POLICY = (
    "sandbox; default-src 'none'; img-src https: data:; style-src 'unsafe-inline'; frame-ancestors 'self'"
)
POLLING = frozenset({NewsletterStatus.SENDING, NewsletterStatus.SCHEDULED})
PAUSABLE = frozenset({NewsletterStatus.SENDING, NewsletterStatus.SCHEDULED})
CANCELLABLE = frozenset({NewsletterStatus.SENDING, NewsletterStatus.SCHEDULED, NewsletterStatus.PAUSED})


class Missing(KulturklusterError):
    """No newsletter with the id in the address."""

    kind = ErrorKind.NOT_FOUND


def url(newsletter_id: int, action: str = "") -> str:
    return f"{LIST_URL}/{newsletter_id}" + (f"/{action}" if action else "")


def status_label(status: str) -> str:
    return t(f"newsletter.status.{status}")


def load(session: Session, newsletter_id: int) -> Newsletter:
    newsletter = session.get(Newsletter, newsletter_id)
    if newsletter is None:
        raise Missing(t("web.newsletters.not_found", id=newsletter_id))
    return newsletter


def path_id(req: StaffRequest) -> int:
    return int(req.request.path_params["id"])  # the route's {id:int} converter made it a number


def letter_response(html: str) -> Response:
    """A newsletter's HTML for an iframe on our pages, under its own policy (see ``LETTER_POLICY``)."""
    headers = {
        "Content-Security-Policy": LETTER_POLICY,
        "X-Frame-Options": "SAMEORIGIN",
        "Cache-Control": "no-store",
    }
    return HTMLResponse(html, headers=headers)


def guarded(handler: Handler) -> Handler:
    """Refused newsletter form posts go back to the newsletter (or the list, when it is gone) with a flash.

    Pages and htmx requests are left to the app's one mapping from error kinds to statuses (an unknown id
    is a 404 page or fragment).
    """

    def run(req: StaffRequest) -> Response:
        try:
            return handler(req)
        except KulturklusterError as exc:
            if req.htmx or req.request.method == "GET":
                raise
            known = "id" in req.request.path_params and not isinstance(exc, Missing)
            return req.redirect(url(path_id(req)) if known else LIST_URL, str(exc), "error")

    run.__name__ = handler.__name__
    return run


def status_context(session: Session, req: StaffRequest, newsletter: Newsletter) -> dict[str, Any]:
    """What the status fragment shows: the counts, the progress bar, the estimate and the actions."""
    state: Progress = progress(session, newsletter, req.services.limits)
    done = state.total - state.remaining
    return {
        "nid": newsletter.id,
        "state": state,
        "status": newsletter.status,
        "status_label": status_label(newsletter.status),
        "done": done,
        "percent": round(state.done_fraction * 100),
        "eta": local(state.estimated_finish),
        "pace": round(state.per_minute, 1) if state.per_minute else None,
        "scheduled_at": local(newsletter.scheduled_at),
        "started_at": local(newsletter.started_at),
        "finished_at": local(newsletter.finished_at),
        "polling": newsletter.status in POLLING,
        "can_pause": newsletter.status in PAUSABLE,
        "can_resume": newsletter.status == NewsletterStatus.PAUSED,
        "can_cancel": newsletter.status in CANCELLABLE,
        "limits": req.services.limits,
    }


def check_context(report: CheckReport, spam: SpamScore | None = None) -> dict[str, Any]:
    return {
        "report": report,
        "spam": spam,
        "spam_text": t("newsletter.spam_score", points=spam.points) if spam else "",
        "clean_text": t("newsletter.check_clean"),
    }


def detail_context(
    session: Session, req: StaffRequest, newsletter: Newsletter, **extra: Any
) -> dict[str, Any]:
    draft = newsletter.status == NewsletterStatus.DRAFT
    public = newsletter.html is not None and not draft
    return {
        "n": newsletter,
        "status_label": status_label(newsletter.status),
        "draft": draft,
        "created_at": local(newsletter.created_at),
        "updated_at": local(newsletter.updated_at),
        "view_url": req.services.newsletter_renderer.view_url(newsletter.id) if public else None,
        "recipients": campaign_runs.active_recipients(session) if draft else None,  # the send form's
        "now_input": local_input(utcnow()),
        "status": None if draft else status_context(session, req, newsletter),
        "check": None,
        **extra,
    }
