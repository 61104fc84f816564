"""The progress bars of ``kulturkluster mailer run``: one per campaign sending or paused.

Imported only when the bars are shown (rich holds several MiB; ``--no-progress`` runs without it).
"""

from __future__ import annotations

import time
from types import TracebackType

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeRemainingColumn

from kulturkluster.db import Database
from kulturkluster.texts import t
from mailer import campaign_runs
from mailer.limits import Limits
from mailer.progress import progress
from mailer.sender import Round

from .output import console

REFRESH_SECONDS = 2.0


class ProgressBars:
    def __init__(self, db: Database, limits: Limits) -> None:
        self.db = db
        self.limits = limits
        self.bar = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[note]}"),
            TimeRemainingColumn(),
            console=console,
            transient=False,
        )
        self.tasks: dict[int, TaskID] = {}
        self.due = 0.0

    def __enter__(self) -> ProgressBars:
        self.bar.__enter__()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.bar.__exit__(kind, exc, tb)

    def refresh(self, _result: Round | None = None, *, final: bool = False) -> None:
        # Counting a campaign's deliveries takes time on a long list: refresh every few seconds, and
        # never spend more than a tenth of the time on it.
        started = time.monotonic()
        if started < self.due and not final:
            return
        with self.db.unit_of_work() as session:
            for newsletter in campaign_runs.in_progress(session, also=self.tasks.keys()):
                state = progress(session, newsletter, self.limits)
                note = t(
                    "mailer.progress_note", failed=state.failed, status=t(f"newsletter.status.{state.status}")
                )
                if newsletter.id not in self.tasks:
                    self.tasks[newsletter.id] = self.bar.add_task(
                        f"#{newsletter.id} {newsletter.subject[:40]}", total=state.total, note=note
                    )
                done = state.total - state.remaining
                self.bar.update(self.tasks[newsletter.id], completed=done, note=note)
        self.due = time.monotonic() + max(REFRESH_SECONDS, 10 * (time.monotonic() - started))
