"""``kulturkluster subscribers``: the newsletter list."""

from __future__ import annotations

import getpass
import sys
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer

from kulturkluster.texts import t
from subscribers import csv_export, service, staff_actions
from subscribers.csv_io import EXPORT_COLUMNS
from subscribers.models import Status, Subscriber

from .context import services
from .output import Format, console, emit, err_console

app = typer.Typer(help="The newsletter list.", no_args_is_help=True)

_ME = getpass.getuser()


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _row(sub: Subscriber) -> dict[str, object]:
    return {
        "email": sub.email,
        "name": sub.name,
        "status": sub.status,
        "bounce_score": sub.bounce_score or 0.0,
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
            sys.stdout.flush()
            for chunk in csv_export.export_csv(session, status):
                sys.stdout.buffer.write(chunk)
            sys.stdout.buffer.flush()
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
    evidence: Annotated[
        str, typer.Option(help="Where the list comes from, e.g. 'anmälningar Kulturfrukost mars'.")
    ] = "",
    actor: Annotated[str, typer.Option(help="Who imports (stored in the consent log).")] = "cli",
) -> None:
    """Add addresses from a CSV file. Never reactivates an address that unsubscribed or bounced."""
    staff_actions.check_importable(status)
    data = file.read_bytes()
    with services() as svc, svc.db.unit_of_work() as session:
        done = staff_actions.import_csv(
            session,
            data,
            status,
            staff_actions.import_evidence(file.name, actor, evidence),
            dry_run=dry_run,
        )
    for line, email, reason in done.result.skipped:
        err_console.print(t("cli.skipped_row", line=line, email=email, reason=reason))
    for rejected in done.rejected:
        err_console.print(t("cli.rejected_row", line=rejected.line, reason=rejected.reason))
    console.print(
        t(
            "cli.subscribers_imported",
            added=len(done.result.added),
            unchanged=len(done.result.unchanged),
            skipped=len(done.result.skipped),
            rejected=len(done.rejected),
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
    proof = staff_actions.staff_evidence(evidence, actor)
    with services() as svc, svc.db.unit_of_work() as session:
        staff_actions.add_by_hand(session, email, name, proof)
    console.print(t("cli.subscriber_added", email=email))


@app.command()
def unsubscribe(
    email: Annotated[str, typer.Argument(help="The address.")],
    evidence: Annotated[str, typer.Option(help="How the person asked to leave, e.g. 'telefon 12/3'.")],
    actor: Annotated[str, typer.Option(help="Who does it (stored in the consent log).")] = _ME,
) -> None:
    """Take an address off the list by hand, e.g. after a phone call."""
    proof = staff_actions.staff_evidence(evidence, actor)
    with services() as svc, svc.db.unit_of_work() as session:
        outcome = staff_actions.unsubscribe_by_hand(session, email, proof)
    console.print(t(f"cli.subscriber_{outcome.value}", email=email))
