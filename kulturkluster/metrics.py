"""What the service has done and how far behind it is, as plain figures read from the database.

Read at each scrape of ``/metrics`` (``kulturkluster/web/metrics.py`` turns them into Prometheus' text
format), so every process of the service reports the same numbers, whichever one is scraped: mail handled
by route, answers and newsletter deliveries by outcome, the backlog of each, and how long ago each mailbox
was last read successfully.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from inbound.models import InboundMessage, MailboxState
from mailer.campaign_models import Delivery, DeliveryStatus
from mailer.models import OutgoingMessage, OutgoingStatus

WAITING = (OutgoingStatus.QUEUED, OutgoingStatus.SENDING)


@dataclass(frozen=True, slots=True)
class Figures:
    inbound_by_route: dict[str, int]
    answers_by_status: dict[str, int]
    deliveries_by_status: dict[str, int]
    fetch_age_seconds: dict[str, float]  # mailbox -> seconds since its last successful read

    @property
    def outbox_backlog(self) -> int:
        return sum(n for status, n in self.answers_by_status.items() if status in WAITING)

    @property
    def delivery_backlog(self) -> int:
        return sum(n for status, n in self.deliveries_by_status.items() if status in WAITING)


def read_figures(session: Session, now: datetime) -> Figures:
    """A handful of grouped counts; each is an index or a small table's scan."""
    inbound = session.execute(select(InboundMessage.route, func.count()).group_by(InboundMessage.route))
    answers = session.execute(select(OutgoingMessage.status, func.count()).group_by(OutgoingMessage.status))
    deliveries = session.execute(select(Delivery.status, func.count()).group_by(Delivery.status))
    fetched = session.execute(select(MailboxState.mailbox, MailboxState.last_success_at))
    return Figures(
        inbound_by_route={str(route): int(n) for route, n in inbound},
        answers_by_status={str(status): int(n) for status, n in answers},
        deliveries_by_status={str(DeliveryStatus(status).value): int(n) for status, n in deliveries},
        fetch_age_seconds={
            mailbox: max((now - at).total_seconds(), 0.0) for mailbox, at in fetched if at is not None
        },
    )
