"""Shared set-up for newsletter tests: a list of subscribers and a ready newsletter."""

from __future__ import annotations

from pathlib import Path

from kulturkluster.db import Database
from kulturkluster.wiring import Services
from mailer import campaigns
from mailer.campaign_models import Newsletter
from subscribers import service
from subscribers.models import Channel, Status
from subscribers.service import Evidence

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "templates" / "newsletter" / "exempel.md"


def add_subscribers(
    svc: Services, count: int, *, status: Status = Status.ACTIVE, prefix: str = "p"
) -> list[str]:
    emails = [f"{prefix}{i:05d}@mottagare.test" for i in range(count)]
    with svc.db.unit_of_work() as session:
        for i, email in enumerate(emails):
            service.add(session, email, f"Person {i}", status, Evidence(Channel.STAFF, detail="test"))
    return emails


def draft(svc: Services, source: str | None = None, template: str = "default") -> int:
    with svc.db.unit_of_work() as session:
        newsletter = campaigns.create(
            session,
            svc.newsletter_renderer,
            template=template,
            source=source or EXAMPLE.read_text(encoding="utf-8"),
            created_by="test",
        )
        return newsletter.id


def start(svc: Services, newsletter_id: int, **kwargs: object) -> None:
    with svc.db.unit_of_work() as session:
        campaigns.start(session, svc.newsletter_renderer, campaigns.get(session, newsletter_id), **kwargs)  # type: ignore[arg-type]


def assert_counted(db: Database, newsletter_id: int) -> dict[str, int]:
    """The newsletter's counters equal its deliveries counted by status; returns those counts (non-zero)."""
    with db.unit_of_work() as session:
        rows = campaigns.counts(session, newsletter_id)
        newsletter = session.get(Newsletter, newsletter_id)
        assert newsletter is not None
        kept = {
            "remaining": newsletter.remaining_count,
            "sent": newsletter.sent_count,
            "failed": newsletter.failed_count,
            "skipped": newsletter.skipped_count,
            "cancelled": newsletter.cancelled_count,
        }
    counted = {
        "remaining": rows["queued"] + rows["sending"],
        **{status: rows[status] for status in ("sent", "failed", "skipped", "cancelled")},
    }
    assert kept == counted
    return {status: n for status, n in rows.items() if n}
