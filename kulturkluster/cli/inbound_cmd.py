"""``kulturkluster inbound``: read, import, list and re-run inbound mail."""

from __future__ import annotations

import getpass
import itertools
import sys
import threading
from collections import Counter
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from inbound import reroute, store
from inbound.classify import Route
from inbound.models import InboundMessage
from inbound.sources.base import Outcome
from inbound.sources.files import check_paths, iter_items
from kulturkluster.formats import amount
from kulturkluster.texts import t

from .context import install_stop_handlers, services
from .output import Format, console, emit

app = typer.Typer(help="Inbound mail: the shared mailbox.", no_args_is_help=True)

_ME = getpass.getuser()
LIST_COLUMNS = ("id", "received_at", "route", "from", "subject", "reason")


def _summary(counts: Counter[str]) -> str:
    return ", ".join(f"{route} {n}" for route, n in sorted(counts.items())) or "inga"


@app.command()
def run(
    once: Annotated[bool, typer.Option("--once", help="Handle what is waiting, then exit.")] = False,
) -> None:
    """Read the configured mailbox (IMAP or Maildir): handle, answer and file every new message."""
    with services(send_after_commit=False) as svc:  # the runner sends after each batch is filed
        stop = threading.Event()
        install_stop_handlers(stop)
        runner = svc.make_runner(svc.make_source())
        try:
            stats = runner.run(stop, once=once)
        finally:
            runner.source.close()
        counts = Counter(stats.routes)
        if stats.duplicates:
            counts["redan behandlade"] = stats.duplicates
        console.print(t("cli.imported", total=sum(counts.values()), summary=_summary(counts)))


@app.command("import")
def import_(
    paths: Annotated[
        list[Path], typer.Argument(help=".eml files, folders of them, Maildir folders, mbox files.")
    ],
) -> None:
    """Run mail from files through the pipeline (nothing is filed or deleted at the source)."""
    check_paths(paths)
    with services() as svc:
        counts: Counter[str] = Counter()
        items = iter_items(paths)
        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
        ) as progress:
            task = progress.add_task("Läser in", total=None)
            while batch := list(itertools.islice(items, svc.settings.inbound.batch_size)):
                for outcome in svc.pipeline.process(batch):
                    counts["redan behandlade" if outcome.duplicate else outcome.route.value] += 1
                progress.advance(task, len(batch))
        console.print(t("cli.imported", total=sum(counts.values()), summary=_summary(counts)))


@app.command("list")
def list_(
    route: Annotated[Route | None, typer.Option(help="Only this route.")] = None,
    limit: Annotated[int, typer.Option(help="Newest first, at most this many.")] = 100,
    search: Annotated[
        str | None, typer.Option("--search", "-q", help="Only mail whose sender or subject contains this.")
    ] = None,
    fmt: Annotated[Format, typer.Option("--format", help="json, table or csv.")] = Format.TABLE,
) -> None:
    """Show handled mail with its route and the reason for it."""
    with services() as svc, svc.db.unit_of_work() as session:
        found = store.list_messages(session, route.value if route else None, limit, search=search)
        rows = [_row(m) for m in found]
    emit(rows, fmt, LIST_COLUMNS, title="Inkommande")


@app.command()
def show(
    message: Annotated[int, typer.Argument(help="Id from `inbound list`.")],
    raw: Annotated[bool, typer.Option("--raw", help="Print the message exactly as received.")] = False,
) -> None:
    """Show one stored message (or its raw bytes)."""
    with services() as svc, svc.db.unit_of_work() as session:
        row = store.get(session, message)
        if raw:
            sys.stdout.buffer.write(row.raw)
            return
        emit(
            [_row(row) | {"message_id": row.message_id, "rule": row.rule, "error": row.error}],
            Format.JSON,
            (),
        )


@app.command()
def reprocess(
    ids: Annotated[
        list[int] | None, typer.Argument(help="Ids to run again; default: all in quarantine.")
    ] = None,
) -> None:
    """Run quarantined messages through the pipeline again (after a fix or a settings change)."""
    with services() as svc:
        outcomes: list[Outcome] = svc.pipeline.reprocess(ids or None)
    counts = Counter(o.route.value for o in outcomes)
    console.print(
        t(
            "cli.reprocessed",
            messages=amount(len(outcomes), "meddelande", "meddelanden"),
            summary=_summary(counts),
        )
    )


@app.command("reroute")
def reroute_(
    message: Annotated[int, typer.Argument(help="Id from `inbound list`.")],
    route: Annotated[str, typer.Argument(help=f"New route: {', '.join(r.value for r in reroute.TARGETS)}.")],
    reason: Annotated[str, typer.Option("--reason", help="Why; stored with the message.")] = "",
    by: Annotated[str, typer.Option("--by", help="Who re-routes it; default: your login.")] = _ME,
) -> None:
    """Send a message to another route by hand, e.g. a question misread as a subscription to new_case.

    What its first route did is undone where that is safe (see inbound/reroute.py); no case receipt is sent.
    """
    target = reroute.parse_target(route)
    with services() as svc:
        result = reroute.reroute(svc.pipeline, message, target, actor=by, reason=reason)
    console.print(
        t("cli.rerouted", id=result.row_id, old=result.old_route.value, new=result.route.value),
        highlight=False,
    )
    for line in result.undone:
        console.print(f"  {line}", highlight=False)
    if result.case_reference:
        console.print(t("cli.rerouted_case", reference=result.case_reference), highlight=False)


def _row(message: InboundMessage) -> dict[str, object]:
    return {
        "id": message.id,
        "message_id": message.message_id,
        "from": message.from_address,
        "subject": message.subject,
        "route": message.route,
        "reason": message.reason,
        "received_at": message.received_at.isoformat(),
    }
