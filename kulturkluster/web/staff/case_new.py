"""Staff page "Nytt ärende": record guidance given by phone, at a visit, a meeting or an event as a case.

It calls ``cases.by_hand.create``, as ``kulturkluster cases create`` does. A refused form (a value
``create`` does not accept) is shown again with what was typed and the Swedish reason, status 422.
"""

from __future__ import annotations

from typing import Any

from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from cases import by_hand
from cases.models import Channel
from kulturkluster.db import utcnow
from kulturkluster.errors import KulturklusterError
from kulturkluster.texts import t

from .base import Pagebuilder, StaffRequest, local_input
from .case_shared import CASES_PATH, case_url, choices

NEW_CASE_PATH = f"{CASES_PATH}/nytt"
_FIELDS = ("name", "email", "organisation", "phone", "municipality", "channel", "at", "subject", "body",
           "focus", "actor")  # fmt: skip
_MAX_LINE = 500
_MAX_TEXT = 100_000


def _form_values(req: StaffRequest) -> dict[str, str]:
    values = {name: req.field(name) for name in _FIELDS}
    cut = {name: " ".join(value.split())[:_MAX_LINE] for name, value in values.items() if name != "body"}
    return cut | {"body": values["body"].replace("\r\n", "\n")[:_MAX_TEXT]}


def _page(req: StaffRequest, values: dict[str, str], error: str = "", status: int = 200) -> Response:
    context: dict[str, Any] = {
        "values": values,
        "error": error,
        "channels": [(channel.value, by_hand.channel_label(channel.value)) for channel in Channel],
        "now": local_input(utcnow()),
        **choices(),
    }
    return req.render("cases/new", context, status_code=status)


def new_form(req: StaffRequest) -> Response:
    blank = dict.fromkeys(_FIELDS, "")
    return _page(req, blank | {"channel": Channel.PHONE.value, "at": local_input(utcnow())})


def create(req: StaffRequest) -> Response:
    values = _form_values(req)
    name, email = values["name"].replace("<", "").replace(">", ""), values["email"]
    spec = by_hand.HandCase(
        requester=f"{name} <{email}>" if email else name,
        channel=values["channel"],
        subject=values["subject"],
        body=values["body"],
        at=values["at"],
        organisation=values["organisation"],
        phone=values["phone"],
        focus=values["focus"],
        actor_type=values["actor"],
        municipality=values["municipality"],
    )
    try:
        with req.services.db.unit_of_work() as session:
            reference = by_hand.create(session, spec, req.user.username).reference
    except KulturklusterError as exc:
        return _page(req, values, str(exc), exc.http_status)
    return req.redirect(case_url(reference), t("intake.created", reference=reference))


def routes(build: Pagebuilder) -> list[BaseRoute]:
    # Before the case page's route, whose {ref} would take "nytt" for a reference.
    return [
        Route(NEW_CASE_PATH, build.staff(new_form), methods=["GET"], name="case_new"),
        Route(NEW_CASE_PATH, build.staff(create), methods=["POST"]),
    ]
