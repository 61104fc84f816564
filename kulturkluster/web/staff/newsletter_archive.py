"""An admin takes a sent newsletter out of the public archive, or puts it back (``mailer.archive``)."""

from __future__ import annotations

from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from kulturkluster.texts import t
from mailer import archive

from .base import Pagebuilder, StaffRequest
from .newsletter_common import LIST_URL, guarded, path_id, url

HIDE_FIELD = "dolj"


def toggle(req: StaffRequest) -> Response:
    """``dolj=ja`` hides the issue from /arkiv and the feed, ``dolj=nej`` shows it again."""
    newsletter_id = path_id(req)
    hidden = req.field(HIDE_FIELD) == "ja"
    with req.services.db.unit_of_work() as session:
        archive.set_hidden(session, newsletter_id, hidden=hidden)
    return req.redirect(url(newsletter_id), t("archive.hidden" if hidden else "archive.shown"))


def routes(build: Pagebuilder) -> list[BaseRoute]:
    return [Route(LIST_URL + "/{id:int}/arkiv", build.admin(guarded(toggle)), methods=["POST"])]
