"""Svarsmallar: the canned answers staff start replies from (list, add, edit, remove), as ``cases templates``.

A template whose text is refused (no name, an unknown placeholder, a name taken) is shown again with what
was typed and why, so nothing typed is lost.
"""

from __future__ import annotations

import logging
from typing import Any

from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from cases import canned
from kulturkluster.errors import KulturklusterError
from kulturkluster.texts import t

from .base import APP_PREFIX, Pagebuilder, StaffRequest, local
from .case_shared import staff_names

log = logging.getLogger(__name__)

PREFIX = f"{APP_PREFIX}/svarsmallar"


def _shared() -> dict[str, Any]:
    return {
        "placeholders": canned.PLACEHOLDERS,
        "max_name": canned.MAX_NAME,
        "max_body": canned.MAX_BODY,
    }


def _typed(req: StaffRequest) -> tuple[str, str]:
    return req.field("name")[: canned.MAX_NAME * 2], req.field("body").replace("\r\n", "\n")[
        : canned.MAX_BODY * 2
    ]


def index(req: StaffRequest, form: dict[str, str] | None = None, error: str = "") -> Response:
    with req.services.db.unit_of_work() as session:
        names = staff_names(session)
        templates = [
            {
                "id": tpl.id,
                "name": tpl.name,
                "first_line": tpl.body.strip().split("\n", 1)[0][:120],
                "updated_at": local(tpl.updated_at),
                "updated_by": names.get(tpl.updated_by, tpl.updated_by),
            }
            for tpl in canned.all_templates(session)
        ]
    context = {"templates": templates, "form": form or {"name": "", "body": ""}, "error": error, **_shared()}
    return req.render("templates_admin/index", context, status_code=422 if error else 200)


def add(req: StaffRequest) -> Response:
    name, body = _typed(req)
    try:
        text = canned.TemplateText.checked(name, body)
        with req.services.db.unit_of_work() as session:
            canned.add(session, text, req.user.username)
    except KulturklusterError as exc:
        return index(req, {"name": name, "body": body}, str(exc))
    log.info("reply template added", extra={"user": req.user.username})
    return req.redirect(PREFIX, t("answering.added", name=text.name))


def _edit_page(req: StaffRequest, template_id: int, form: dict[str, str], error: str = "") -> Response:
    context = {"id": template_id, "form": form, "error": error, **_shared()}
    return req.render("templates_admin/edit", context, status_code=422 if error else 200)


def edit(req: StaffRequest) -> Response:
    template_id = int(req.param("id"))
    with req.services.db.unit_of_work() as session:
        template = canned.by_id(session, template_id)  # none: TemplateNotFound, a 404 page
        form = {"name": template.name, "body": template.body}
    return _edit_page(req, template_id, form)


def save(req: StaffRequest) -> Response:
    template_id = int(req.param("id"))
    name, body = _typed(req)
    try:
        text = canned.TemplateText.checked(name, body)
        with req.services.db.unit_of_work() as session:
            canned.update(session, canned.by_id(session, template_id), text, req.user.username)
    except canned.TemplateNotFound as exc:
        return req.redirect(PREFIX, str(exc), "error")
    except KulturklusterError as exc:
        return _edit_page(req, template_id, {"name": name, "body": body}, str(exc))
    return req.redirect(PREFIX, t("answering.saved", name=text.name))


def remove(req: StaffRequest) -> Response:
    try:
        with req.services.db.unit_of_work() as session:
            template = canned.by_id(session, int(req.param("id")))
            name = template.name
            canned.remove(session, template)
    except KulturklusterError as exc:
        return req.redirect(PREFIX, str(exc), "error")
    return req.redirect(PREFIX, t("answering.removed", name=name))


def routes(build: Pagebuilder) -> list[BaseRoute]:
    return [
        Route(PREFIX, build.staff(index), methods=["GET"]),
        Route(PREFIX, build.staff(add), methods=["POST"]),
        Route(f"{PREFIX}/{{id:int}}", build.staff(edit), methods=["GET"]),
        Route(f"{PREFIX}/{{id:int}}", build.staff(save), methods=["POST"]),
        Route(f"{PREFIX}/{{id:int}}/ta-bort", build.staff(remove), methods=["POST"]),
    ]
