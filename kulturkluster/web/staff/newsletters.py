"""Staff section Nyhetsbrev: the list, writing (new/edit), one newsletter's page and its live progress.

The check, the test copy and sending are in ``newsletter_send``; the live preview in
``newsletter_preview``. Every action calls the same functions as ``kulturkluster newsletter``.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.orm import Session
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from kulturkluster.errors import KulturklusterError
from kulturkluster.texts import SV, t
from mailer import campaign_runs, campaigns, proofing
from mailer.block_source import Draft, EditorBlock, draft_from_source
from mailer.blocks import KINDS, BlockError, kind_label
from mailer.campaign_models import Newsletter, NewsletterStatus
from mailer.newsletter_render import available_templates

from ..pages import WEB_TEMPLATES_DIR
from . import newsletter_preview, newsletter_send
from .base import Endpoint, Handler, Pagebuilder, StaffRequest, local
from .newsletter_common import (
    LIST_URL,
    POLLING,
    detail_context,
    guarded,
    letter_response,
    load,
    path_id,
    status_context,
    status_label,
    url,
)
from .newsletter_editor import SAVE, Edited, apply, draft_from_form, has_blocks, posted_source, script_texts

STARTER = WEB_TEMPLATES_DIR / "staff" / "newsletters" / "start.md"
_SHOWN_IN_PROGRESS = POLLING | {NewsletterStatus.PAUSED}


def starter_text(today: date) -> str:
    """The content a new newsletter starts from: every field, with this month in the subject."""
    month = SV["newsletter.months"].split()[today.month - 1]
    return STARTER.read_text(encoding="utf-8").replace("MÅNAD ÅR", f"{month} {today.year}")


def _row(session: Session, req: StaffRequest, n: Newsletter) -> dict[str, Any]:
    """One newsletter as a row of the list (``_row.html``)."""
    return {
        "id": n.id,
        "subject": n.subject,
        "template": n.template,
        "status": n.status,
        "status_label": status_label(n.status),
        "created_at": local(n.created_at),
        "created_by": n.created_by,
        "finished_at": local(n.finished_at),
        "scheduled_at": local(n.scheduled_at),
        "progress": status_context(session, req, n)["state"] if n.status in _SHOWN_IN_PROGRESS else None,
        "polling": n.status in POLLING,
    }


def index(req: StaffRequest) -> Response:
    rows: list[dict[str, Any]] = []
    past: list[dict[str, Any]] = []
    renderer = req.services.newsletter_renderer
    with req.services.db.unit_of_work() as session:
        for n in campaigns.all_newsletters(session):
            row = _row(session, req, n)
            rows.append(row)
            if n.status in {NewsletterStatus.SENT, NewsletterStatus.CANCELLED} and n.html:
                past.append({**row, "view_url": renderer.view_url(n.id)})
    return req.render("newsletters/index", {"rows": rows, "past": past})


def _editor(
    req: StaffRequest,
    template: str,
    source: str = "",
    draft: Draft | None = None,
    error: str | None = None,
    nid: int | None = None,
    status_code: int = 200,
    edited: Edited | None = None,
    error_block: int | None = None,
) -> Response:
    """The editor page: the blocks of ``draft`` (or of ``source``), or the plain text form for a file that
    cannot be opened as blocks (its error shown above it)."""
    if edited is not None:
        draft = edited.draft
    if draft is None:
        try:
            draft = draft_from_source(source)
        except KulturklusterError as exc:
            error = error or str(exc)
    context = {
        "templates": available_templates(req.services.renderer),
        "template": template,
        "source": source,
        "draft": draft,
        "error": error,
        "nid": nid,
        "kinds": [(kind, kind_label(kind), EditorBlock(kind)) for kind in KINDS],
        "notice": edited.notice if edited else "",
        "focus": edited.focus if edited else error_block,
        "error_block": error_block,
        "script_texts": script_texts(),
    }
    return req.render("newsletters/edit", context, status_code=status_code)


def _button(req: StaffRequest, nid: int | None) -> Response | None:
    """The page again after an add, move or remove button (the form posted without script); else None."""
    action = req.field("atgard") or SAVE
    if action == SAVE or not has_blocks(req):
        return None
    edited = apply(draft_from_form(req), action)
    if edited is None:
        return None
    return _editor(req, req.field("mall"), edited=edited, nid=nid)


def _refused(
    req: StaffRequest, template: str, source: str, error: str | KulturklusterError, nid: int | None = None
) -> Response:
    """The editor again with what was written and what is wrong (inside the block it is about, if one)."""
    draft = draft_from_form(req) if has_blocks(req) else None
    block = error.number if isinstance(error, BlockError) and draft is not None else None
    return _editor(req, template, source, draft, str(error), nid, status_code=400, error_block=block)


def new(req: StaffRequest) -> Response:
    if req.request.method == "GET":
        return _editor(req, "default", starter_text(date.today()))
    if (page := _button(req, None)) is not None:
        return page
    template, source, error = posted_source(req)
    if error is None:
        try:
            with req.services.db.unit_of_work() as session:
                newsletter = campaigns.create(
                    session,
                    req.services.newsletter_renderer,
                    template=template,
                    source=source,
                    created_by=req.user.username,
                )
                newsletter_id = newsletter.id
        except KulturklusterError as exc:  # the content or the template: show it by the blocks
            return _refused(req, template, source, exc)
        return req.redirect(url(newsletter_id), t("web.newsletters.created", id=newsletter_id))
    return _refused(req, template, source, error)


def edit(req: StaffRequest) -> Response:
    newsletter_id = path_id(req)
    with req.services.db.unit_of_work() as session:
        newsletter = load(session, newsletter_id)
        if newsletter.status != NewsletterStatus.DRAFT:
            message = t("web.newsletters.locked", id=newsletter_id, status=status_label(newsletter.status))
            return req.redirect(url(newsletter_id), message, "error")
        template, source = newsletter.template, newsletter.content
    if req.request.method == "GET":
        return _editor(req, template, source, nid=newsletter_id)
    if (page := _button(req, newsletter_id)) is not None:
        return page
    template, source, error = posted_source(req)
    if error is None:
        try:
            with req.services.db.unit_of_work() as session:
                campaigns.update_content(
                    session,
                    req.services.newsletter_renderer,
                    load(session, newsletter_id),
                    source,
                    template=template,
                )
        except campaign_runs.NewsletterError as exc:  # it started sending in the meantime
            return req.redirect(url(newsletter_id), str(exc), "error")
        except KulturklusterError as exc:
            return _refused(req, template, source, exc, newsletter_id)
        return req.redirect(url(newsletter_id), t("web.newsletters.updated"))
    return _refused(req, template, source, error, newsletter_id)


def detail(req: StaffRequest) -> Response:
    with req.services.db.unit_of_work() as session:
        newsletter = load(session, path_id(req))
        context = detail_context(session, req, newsletter)
    return req.render("newsletters/detail", context)


def show_letter(req: StaffRequest) -> Response:
    """The rendered HTML (what ``newsletter preview`` writes) for the frames on the detail page."""
    with req.services.db.unit_of_work() as session:
        rendered = proofing.preview(req.services.newsletter_renderer, load(session, path_id(req)))
    return letter_response(rendered.html)


def status(req: StaffRequest) -> Response:
    """The polled progress of the newsletter's page, or (``?vy=rad``) its row in the list."""
    with req.services.db.unit_of_work() as session:
        newsletter = load(session, path_id(req))
        if req.query("vy") == "rad":
            return req.render("newsletters/_row", {"r": _row(session, req, newsletter)})
        context = status_context(session, req, newsletter)
    return req.render("newsletters/_status", {"s": context})


def pause(req: StaffRequest) -> Response:
    newsletter_id = path_id(req)
    with req.services.db.unit_of_work() as session:
        campaigns.pause(session, load(session, newsletter_id))
    return req.redirect(url(newsletter_id), t("web.newsletters.paused"))


def resume(req: StaffRequest) -> Response:
    newsletter_id = path_id(req)
    with req.services.db.unit_of_work() as session:
        newsletter = load(session, newsletter_id)
        campaigns.resume(session, newsletter)
        waiting = newsletter.status == NewsletterStatus.SCHEDULED
    message = t("web.newsletters.resumed_waiting" if waiting else "web.newsletters.resumed")
    return req.redirect(url(newsletter_id), message)


def cancel(req: StaffRequest) -> Response:
    newsletter_id = path_id(req)
    if req.field("bekraftat") != "ja":
        return req.redirect(url(newsletter_id), t("web.newsletters.cancel_unconfirmed"), "error")
    with req.services.db.unit_of_work() as session:
        left = campaigns.cancel(session, load(session, newsletter_id))
    return req.redirect(url(newsletter_id), t("web.newsletters.cancelled", left=left))


def routes(build: Pagebuilder) -> list[BaseRoute]:
    def staff(handler: Handler) -> Endpoint:
        return build.staff(guarded(handler))

    one = LIST_URL + "/{id:int}"
    return [
        Route(LIST_URL, staff(index), methods=["GET"]),
        Route(f"{LIST_URL}/nytt", staff(new), methods=["GET", "POST"]),
        *newsletter_preview.routes(build),
        Route(one, staff(detail), methods=["GET"]),
        Route(f"{one}/redigera", staff(edit), methods=["GET", "POST"]),
        Route(f"{one}/visa", staff(show_letter), methods=["GET"]),
        Route(f"{one}/status", staff(status), methods=["GET"]),
        Route(f"{one}/pausa", staff(pause), methods=["POST"]),
        Route(f"{one}/fortsatt", staff(resume), methods=["POST"]),
        Route(f"{one}/avbryt", staff(cancel), methods=["POST"]),
        *newsletter_send.routes(build, one),
    ]
