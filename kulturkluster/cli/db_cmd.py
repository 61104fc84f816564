"""``kulturkluster db``: schema migrations."""

from __future__ import annotations

import typer

from inbound.backfill import backfill_cases
from kulturkluster import migrate
from kulturkluster.texts import t
from mailer import delivery_counts

from .context import services
from .output import console

app = typer.Typer(help="Database schema.", no_args_is_help=True)


@app.command()
def upgrade(revision: str = typer.Argument("head", help="Target revision.")) -> None:
    """Create or migrate the database schema to the newest revision."""
    with services(check_schema=False) as svc:
        migrate.upgrade(svc.db, revision)
        console.print(t("cli.db_upgraded", url=svc.db.engine.url.render_as_string(hide_password=True)))
        if revision == "head" and (opened := backfill_cases(svc.pipeline)):
            console.print(t("cli.cases_backfilled", count=opened))


@app.command()
def recount() -> None:
    """Count every newsletter's deliveries by outcome again and repair its counters if they differ."""
    with services() as svc, svc.db.unit_of_work() as session:
        checked, changed = delivery_counts.recount(session)
        console.print(t("cli.newsletters_recounted", checked=checked, changed=changed))
