"""Översikt: what needs doing now (cases, the newsletter in progress, the list, the mailbox's health)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import distinct, func, select
from sqlalchemy.orm import Session
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from cases import store as case_store
from cases.models import Case, CaseStatus
from inbound import store as inbound_store
from inbound.classify import Route as MailRoute
from inbound.models import MailboxState
from kulturkluster.db import utcnow
from kulturkluster.texts import t
from mailer.campaign_models import Newsletter, NewsletterStatus
from mailer.models import OutgoingMessage, OutgoingStatus
from mailer.progress import progress
from subscribers import service as subscriber_service
from subscribers.models import ConsentEvent, Status

from . import follow_up
from .base import APP_PREFIX, LOCAL_TIME, Pagebuilder, StaffRequest, local

NEWEST = 5
IN_PROGRESS = (NewsletterStatus.SENDING, NewsletterStatus.PAUSED, NewsletterStatus.SCHEDULED)


@dataclass(frozen=True, slots=True)
class MailboxHealth:
    mailbox: str
    last_success: str
    last_error: str | None
    last_error_at: str
    warning: str | None  # why this mailbox needs a look, in Swedish; None when all is well


def mailbox_health(state: MailboxState, now: datetime, stale_after: timedelta) -> MailboxHealth:
    """Warn when the last fetch is old, or an error came after the last success."""
    warning = None
    success, failed = state.last_success_at, state.last_error_at
    if failed is not None and (success is None or failed > success):
        warning = t("web.overview.fetch_failed")
    elif success is None:
        warning = t("web.overview.never_fetched")
    elif now - success > stale_after:
        warning = t("web.overview.fetch_stale", ago=_ago(now - success))
    return MailboxHealth(state.mailbox, local(success), state.last_error, local(failed), warning)


def _ago(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    if minutes < 120:
        return t("web.overview.minutes" if minutes != 1 else "web.overview.minute", n=minutes)
    hours = minutes // 60
    if hours == 1:
        return t("web.overview.hour", n=hours)
    return t("web.overview.hours", n=hours) if hours < 48 else t("web.overview.days", n=hours // 24)


def month_start(now: datetime) -> datetime:
    """The first moment of this month in Swedish time."""
    here = now.astimezone(LOCAL_TIME)
    return here.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def list_changes(session: Session, since: datetime) -> dict[str, int]:
    """Addresses that joined, left, bounced or complained since ``since``, from the consent log: one query
    over this month's events (index on ``consent_events.at``)."""
    kinds = {
        Status.ACTIVE: "new",
        Status.UNSUBSCRIBED: "unsubscribed",
        Status.BOUNCED: "bounced",
        Status.COMPLAINED: "complained",
    }
    rows = session.execute(
        select(ConsentEvent.new_status, func.count(distinct(ConsentEvent.subscriber_id)))
        .where(
            ConsentEvent.at >= since,
            ConsentEvent.new_status.in_(list(kinds)),
            func.coalesce(ConsentEvent.old_status, "") != ConsentEvent.new_status,
        )
        .group_by(ConsentEvent.new_status)
    )
    found = dict.fromkeys(kinds.values(), 0)
    found.update({kinds[Status(status)]: n for status, n in rows})
    return found


def _cases(session: Session, status: CaseStatus) -> dict[str, object]:
    query = case_store.list_query(status=status)
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    newest = [
        {"reference": c.reference, "subject": c.subject, "received_at": local(c.received_at)}
        for c in session.scalars(query.limit(NEWEST))
    ]
    return {"count": total, "newest": newest}


def _newsletters(req: StaffRequest, session: Session) -> list[dict[str, object]]:
    query = select(Newsletter).where(Newsletter.status.in_(IN_PROGRESS)).order_by(Newsletter.id)
    found = []
    for newsletter in session.scalars(query):
        p = progress(session, newsletter, req.services.limits)
        found.append(
            {
                "p": p,
                "percent": round(p.done_fraction * 100),
                "scheduled_at": local(p.scheduled_at),
                "estimated_finish": local(p.estimated_finish),
                "per_minute": round(p.per_minute, 1) if p.per_minute else None,
            }
        )
    return found


def _outbox(session: Session) -> dict[str, int]:
    rows = session.execute(
        select(OutgoingMessage.status, func.count())
        .where(
            OutgoingMessage.status.in_((OutgoingStatus.QUEUED, OutgoingStatus.SENDING, OutgoingStatus.FAILED))
        )
        .group_by(OutgoingMessage.status)
    )
    counts = dict.fromkeys((OutgoingStatus.QUEUED, OutgoingStatus.SENDING, OutgoingStatus.FAILED), 0)
    counts.update({status: n for status, n in rows})
    return counts


def overview(req: StaffRequest) -> Response:
    now = utcnow()
    inbound = req.services.settings.inbound
    stale_after = timedelta(seconds=2 * max(inbound.idle_timeout, inbound.poll_interval) + 300)
    since = month_start(now)
    with req.services.db.unit_of_work() as session:
        by_status = subscriber_service.count_by_status(session)
        context = {
            "new_cases": _cases(session, CaseStatus.NEW),
            "waiting_cases": _cases(session, CaseStatus.WAITING),
            "in_progress_cases": session.scalar(
                select(func.count()).where(
                    Case.status == CaseStatus.IN_PROGRESS, Case.merged_into_id.is_(None)
                )
            )
            or 0,
            "newsletters": _newsletters(req, session),
            "active": by_status.get(Status.ACTIVE, 0),
            "pending": by_status.get(Status.PENDING, 0),
            "changes": list_changes(session, since),
            "month": since.strftime("%Y-%m"),
            "mailboxes": [
                mailbox_health(state, now, stale_after)
                for state in session.scalars(select(MailboxState).order_by(MailboxState.mailbox))
            ],
            "outbox": _outbox(session),
            "quarantine": inbound_store.count_messages(session, MailRoute.QUARANTINE.value),
            "follow_ups": follow_up.due_rows(session, now),
        }
    return req.render("overview/index", context)


def newsletter_progress(req: StaffRequest) -> Response:
    """The newsletter card alone, polled by htmx every few seconds."""
    with req.services.db.unit_of_work() as session:
        newsletters = _newsletters(req, session)
    return req.render("overview/_newsletters", {"newsletters": newsletters})


def routes(build: Pagebuilder) -> list[BaseRoute]:
    return [
        Route(f"{APP_PREFIX}/", build.staff(overview), name="overview"),
        Route(
            f"{APP_PREFIX}/oversikt/utskick", build.staff(newsletter_progress), name="overview_newsletters"
        ),
    ]
