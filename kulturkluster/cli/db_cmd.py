"""``kulturkluster db``: schema migrations.

What a command needs (the database layer, the case backfill) is imported when it runs, so that
``kulturkluster db --help`` starts as fast as ``kulturkluster --help``.
"""

from __future__ import annotations

import typer

from kulturkluster.texts import t

from .output import console

app = typer.Typer(help="Database schema.", no_args_is_help=True)


@app.command()
def upgrade(revision: str = typer.Argument("head", help="Target revision.")) -> None:
    """Create or migrate the database schema to the newest revision."""
    from inbound.backfill import backfill_cases  # noqa: PLC0415 - the inbound side, only here
    from kulturkluster import migrate  # noqa: PLC0415

    from .context import services  # noqa: PLC0415 - the database layer

    with services(check_schema=False) as svc:
        migrate.upgrade(svc.db, revision)
        console.print(t("cli.db_upgraded", url=svc.db.engine.url.render_as_string(hide_password=True)))
        if revision == "head" and (opened := backfill_cases(svc.pipeline)):
            console.print(t("cli.cases_backfilled", count=opened))


@app.command()
def recount() -> None:
    """Count every newsletter's deliveries by outcome again and repair its counters if they differ."""
    from mailer import delivery_counts  # noqa: PLC0415

    from .context import services  # noqa: PLC0415 - the database layer

    with services() as svc, svc.db.unit_of_work() as session:
        checked, changed = delivery_counts.recount(session)
        console.print(t("cli.newsletters_recounted", checked=checked, changed=changed))
