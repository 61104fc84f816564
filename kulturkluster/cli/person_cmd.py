"""``kulturkluster person`` and ``maintenance``: personal data and retention."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from kulturkluster import privacy
from kulturkluster.db import utcnow
from kulturkluster.formats import amount
from kulturkluster.texts import t
from subscribers import consent_days

from .context import services
from .output import console

app = typer.Typer(help="Personal data (GDPR): export and erase.", no_args_is_help=True)
maintenance = typer.Typer(help="Scheduled upkeep.", no_args_is_help=True)


@app.command()
def export(address: Annotated[str, typer.Argument(help="The email address.")]) -> None:
    """Everything stored about one address, as JSON on standard output."""
    with services() as svc, svc.db.unit_of_work() as session:
        data = privacy.export_person(session, address)
    sys.stdout.write(privacy.export_json(data))


@app.command()
def erase(
    address: Annotated[str, typer.Argument(help="The email address.")],
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
) -> None:
    """Remove or anonymise one address everywhere; case counts for the reports stay."""
    if not yes:
        typer.confirm(t("person.erase_confirm", address=address), abort=True)
    with services() as svc, svc.db.unit_of_work() as session:
        result = privacy.erase_person(session, address, svc.attachments)
    console.print(privacy.erasure_summary(address, result))


@maintenance.command("run")
def run() -> None:
    """Fold the consent log's past days for the reports; anonymise cases closed longer ago than
    KK_CASES__RETENTION_MONTHS."""
    with services() as svc:
        with svc.db.unit_of_work() as session:
            folded = consent_days.compact(session, utcnow().date())
        console.print(t("cli.consent_days_compacted", rows=amount(folded, "rad", "rader")))
        months = svc.settings.cases.retention_months
        if months <= 0:
            console.print(t("cli.retention_off"))
            return
        with svc.db.unit_of_work() as session:
            count = privacy.apply_retention(session, months, svc.attachments)
    console.print(t("cli.retention_done", cases=amount(count, "ärende", "ärenden"), months=months))
