"""The last steps before a newsletter goes out: the pre-send check, a test copy to yourself, sending.

Sending is two posts: the first runs the check and shows how many will get the letter; the second
(``bekraftat=ja``) starts it with ``campaigns.start``, the function behind ``newsletter send [--at]``.
The check's errors stop the send unless an admin ticks "Skicka ändå" (``--force``): a staff member can
fix the content, but letting a known fault through to the whole list is an admin's decision.
"""

from __future__ import annotations

from datetime import datetime

from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from kulturkluster.db import utcnow
from kulturkluster.errors import KulturklusterError
from kulturkluster.texts import t
from mailer import campaign_runs, campaigns, proofing
from mailer.campaign_models import NewsletterStatus
from mailer.transport import make_transport

from .base import LOCAL_TIME, Pagebuilder, StaffRequest, local
from .newsletter_common import (
    check_context,
    detail_context,
    guarded,
    load,
    path_id,
    url,
)

WHEN = ("nu", "vid")


def check(req: StaffRequest) -> Response:
    """``newsletter check``: the links are fetched and SpamAssassin runs only when ticked (both are slow)."""
    online, spam = req.field("lankar") == "ja", req.field("spam") == "ja"
    svc = req.services
    with svc.db.unit_of_work() as session:
        newsletter = load(session, path_id(req))
        result = proofing.full_check(
            svc.newsletter_renderer, svc.mail_identity, newsletter, online=online, spam=spam
        )
        checked = check_context(result.report, result.spam)
        if req.htmx:
            return req.render("newsletters/_check", {"c": checked})
        context = detail_context(session, req, newsletter, check=checked)
    return req.render("newsletters/detail", context)


def test_copy(req: StaffRequest) -> Response:
    """``newsletter test``: one copy to the logged-in person's own address (or the one they type)."""
    newsletter_id = path_id(req)
    to = req.user.email or req.field("till").strip()
    if not to:
        raise KulturklusterError(t("web.newsletters.test_no_address"))
    svc = req.services
    with svc.db.unit_of_work() as session:
        messages = svc.newsletter_messages(load(session, newsletter_id), test=True)
    # A connection of its own: the service's shared transport belongs to the worker threads.
    transport = make_transport(svc.settings.smtp)
    try:
        mail = proofing.send_test(transport, messages, to)
    finally:
        transport.close()
    return req.redirect(url(newsletter_id), t("newsletter.test_sent", to=to, size=len(mail.raw) // 1024))


def _moment(req: StaffRequest) -> datetime | None:
    """None for "now", else the chosen time (Swedish time in the form, UTC out); refuses the past."""
    when = req.field("nar")
    if when not in WHEN:
        raise KulturklusterError(t("web.newsletters.bad_when"))
    if when == "nu":
        return None
    value = req.field("tid").strip()
    if not value:
        raise KulturklusterError(t("web.newsletters.time_missing"))
    moment = proofing.parse_send_time(value, LOCAL_TIME)
    if moment <= utcnow():
        raise KulturklusterError(t("web.newsletters.time_past", at=local(moment)))
    return moment


def send(req: StaffRequest) -> Response:
    newsletter_id = path_id(req)
    moment = _moment(req)
    force = req.field("skicka_anda") == "ja"
    if force and not req.user.is_admin:
        raise KulturklusterError(t("web.newsletters.force_admin_only"))
    svc = req.services
    if req.field("bekraftat") != "ja":  # the first post: check and count, then ask
        with svc.db.unit_of_work() as session:
            newsletter = load(session, newsletter_id)
            if newsletter.status != NewsletterStatus.DRAFT:
                raise campaign_runs.NewsletterError(
                    t("web.newsletters.already_sent", status=t(f"newsletter.status.{newsletter.status}"))
                )
            _, report = svc.newsletter_renderer.check(newsletter)
            context = {
                "nid": newsletter_id,
                "subject": newsletter.subject,
                "recipients": campaign_runs.active_recipients(session),
                "when": "vid" if moment else "nu",
                "tid": req.field("tid").strip() if moment else "",
                "at": local(moment),
                "force": force,
                "blocked": not report.ok and not force,
                "check": check_context(report),
            }
        return req.render("newsletters/confirm", context)
    with svc.db.unit_of_work() as session:
        newsletter = load(session, newsletter_id)
        campaigns.start(
            session, svc.newsletter_renderer, newsletter, at=moment, force=force, actor=req.user.username
        )
        started, total = newsletter.status == NewsletterStatus.SENDING, newsletter.total
    if started:
        return req.redirect(url(newsletter_id), t("web.newsletters.started", total=total))
    return req.redirect(url(newsletter_id), t("web.newsletters.scheduled", at=local(moment)))


def routes(build: Pagebuilder, one: str) -> list[BaseRoute]:
    return [
        Route(f"{one}/kontroll", build.staff(guarded(check)), methods=["POST"]),
        Route(f"{one}/testutskick", build.staff(guarded(test_copy)), methods=["POST"]),
        Route(f"{one}/skicka", build.staff(guarded(send)), methods=["POST"]),
    ]
