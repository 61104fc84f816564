"""``kulturkluster subscribers``: the newsletter list."""

from __future__ import annotations

import getpass
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer

from kulturkluster.errors import KulturklusterError
from kulturkluster.texts import t
from subscribers import service
from subscribers.csv_io import EXPORT_COLUMNS, read_subscriber_csv
from subscribers.models import Channel, Status, Subscriber
from subscribers.service import Evidence

from .context import services
from .output import Format, console, emit, emit_csv, err_console

app = typer.Typer(help="The newsletter list.", no_args_is_help=True)

IMPORTABLE = (Status.ACTIVE, Status.PENDING, Status.UNSUBSCRIBED)


class StatusNotImportable(KulturklusterError):
    """``--status`` names a status an import cannot give."""


class AlreadyOnList(KulturklusterError):
    """``subscribers add`` was given an address that is already on the list."""


_ME = getpass.getuser()


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _row(sub: Subscriber) -> dict[str, object]:
    return {
        "email": sub.email,
        "name": sub.name,
        "status": sub.status,
        "subscribed_at": _iso(sub.subscribed_at),
        "created_at": _iso(sub.created_at),
    }


@app.command("list")
def list_(
    status: Annotated[Status | None, typer.Option(help="Only this status.")] = None,
    fmt: Annotated[Format, typer.Option("--format", help="json, csv or table.")] = Format.TABLE,
) -> None:
    """List subscribers."""
    with services() as svc, svc.db.unit_of_work() as session:
        if fmt is Format.CSV:
            emit_csv(
                ([getattr(s, c) for c in EXPORT_COLUMNS] for s in service.iter_subscribers(session, status)),
                EXPORT_COLUMNS,
            )
            return
        rows = [_row(s) for s in service.iter_subscribers(session, status)]
    emit(rows, fmt, EXPORT_COLUMNS, title="Prenumeranter")


@app.command()
def export(status: Annotated[Status | None, typer.Option(help="Only this status.")] = None) -> None:
    """Write the list as CSV to standard output (streams, whatever the size)."""
    list_(status=status, fmt=Format.CSV)


@app.command("import")
def import_(
    file: Annotated[Path, typer.Argument(help="CSV with an `email` column and an optional `name` column.")],
    status: Annotated[Status, typer.Option(help="Status for new addresses.")] = Status.ACTIVE,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Only show what would change.")] = False,
) -> None:
    """Add addresses from a CSV file. Never reactivates an address that unsubscribed or bounced."""
    if status not in IMPORTABLE:
        raise StatusNotImportable(t("csv.status_not_allowed", status=status.value))
    content = read_subscriber_csv(file.read_bytes())
    evidence = Evidence(channel=Channel.IMPORT, detail=f"import of {file.name}", actor="cli")
    rows = [(r.line, r.email, r.name) for r in content.rows]
    with services() as svc, svc.db.unit_of_work() as session:
        result = service.import_rows(session, rows, status, evidence, dry_run=dry_run)
    for line, email, reason in result.skipped:
        err_console.print(t("cli.skipped_row", line=line, email=email, reason=reason))
    for rejected in content.rejected:
        err_console.print(t("cli.rejected_row", line=rejected.line, reason=rejected.reason))
    console.print(
        t(
            "cli.subscribers_imported",
            added=len(result.added),
            unchanged=len(result.unchanged),
            skipped=len(result.skipped),
            rejected=len(content.rejected),
        )
    )


@app.command()
def show(email: Annotated[str, typer.Argument(help="The address.")]) -> None:
    """One subscriber with the whole consent log (why this address gets mail)."""
    with services() as svc, svc.db.unit_of_work() as session:
        sub = service.get(session, email)
        if sub is None:
            emit([], Format.JSON, ())
            return
        events = [
            {
                "at": _iso(e.at),
                "action": e.action,
                "old_status": e.old_status,
                "new_status": e.new_status,
                "channel": e.channel,
                "policy": e.policy,
                "evidence_message_id": e.evidence_message_id,
                "evidence": e.evidence,
                "actor": e.actor,
            }
            for e in sub.events
        ]
        emit([_row(sub) | {"events": events}], Format.JSON, ())


@app.command()
def add(
    email: Annotated[str, typer.Argument(help="The address.")],
    evidence: Annotated[
        str, typer.Option(help="How the person asked to join, e.g. 'anmälan på Kulturfrukost 12/3'.")
    ],
    name: Annotated[str, typer.Option(help="The person's name.")] = "",
    actor: Annotated[str, typer.Option(help="Who adds the address (stored in the consent log).")] = _ME,
) -> None:
    """Add an address by hand. The consent log keeps who added it and on what evidence."""
    with services() as svc, svc.db.unit_of_work() as session:
        if service.get(session, email) is not None:
            raise AlreadyOnList(t("subscribers.already_on_list", email=email))
        service.add(
            session, email, name, Status.ACTIVE, Evidence(channel=Channel.STAFF, detail=evidence, actor=actor)
        )
    console.print(t("cli.subscriber_added", email=email))


@app.command()
def unsubscribe(
    email: Annotated[str, typer.Argument(help="The address.")],
    evidence: Annotated[str, typer.Option(help="How the person asked to leave, e.g. 'telefon 12/3'.")],
    actor: Annotated[str, typer.Option(help="Who does it (stored in the consent log).")] = _ME,
) -> None:
    """Take an address off the list by hand, e.g. after a phone call."""
    with services() as svc, svc.db.unit_of_work() as session:
        outcome = service.unsubscribe(
            session, email, Evidence(channel=Channel.STAFF, detail=evidence, actor=actor)
        )
    console.print(t(f"cli.subscriber_{outcome.value}", email=email))
