"""A report of an accessibility barrier from the public form on ``/tillganglighet``: checked, limited, filed.

The form is public and carries no CSRF token (there is no session to tie it to, and a forged post could
only file a report in someone's name that staff read before acting). What keeps it from being a spam
channel instead: a honeypot field that people never see, size limits on every field, and a limit on
reports per client address. A report becomes a case tagged ``tillgänglighet`` in the staff inbox.
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict, deque
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy.orm import Session

from cases import service as case_service
from cases.models import Case
from kulturkluster.db import utcnow
from kulturkluster.texts import t
from subscribers.address import InvalidAddress, normalize_address

TAG = "tillgänglighet"
AUTHOR = "tillgänglighetsformuläret"
# Field names of the form, in Swedish as the page is. The honeypot has a name that bots like to fill.
DESCRIPTION, WHERE, NAME, EMAIL, HONEYPOT = "beskrivning", "var", "namn", "epost", "webbplats"
FIELDS = (DESCRIPTION, WHERE, NAME, EMAIL, HONEYPOT)
LIMITS = {DESCRIPTION: 5000, WHERE: 500, NAME: 200, EMAIL: 254, HONEYPOT: 200}
MAX_BODY_BYTES = 64 * 1024
SUBJECT_CHARS = 80


@dataclass(frozen=True, slots=True)
class Report:
    description: str
    where: str
    name: str
    email: str

    @property
    def subject(self) -> str:
        first_line = self.description.strip().splitlines()[0].strip()
        cut = first_line if len(first_line) <= SUBJECT_CHARS else first_line[: SUBJECT_CHARS - 1] + "…"
        return t("web.barrier.subject", text=cut)

    def note(self) -> str:
        """The case's first entry: everything the visitor wrote, and where it came from."""
        lines = [t("web.barrier.note_intro")]
        if self.where:
            lines.append(t("web.barrier.note_where", where=self.where))
        return "\n".join([*lines, "", self.description.strip()])


@dataclass(frozen=True, slots=True)
class Checked:
    """The form as the visitor filled it (to show it again), and what is wrong with it: error codes by
    field, which the template words. ``report`` is None unless the form is fine."""

    values: dict[str, str]
    errors: dict[str, str]
    is_bot: bool = False

    @property
    def report(self) -> Report | None:
        if self.errors or self.is_bot:
            return None
        return Report(self.values[DESCRIPTION], self.values[WHERE], self.values[NAME], self.values[EMAIL])


def check(form: Mapping[str, object]) -> Checked:
    """Pure: the posted fields (anything at all) -> values and errors. Never raises."""
    values = {}
    errors = {}
    for field in FIELDS:
        raw = form.get(field)
        text = raw.strip() if isinstance(raw, str) else ""
        # Control characters have no business in a report (keep line breaks and tabs).
        text = "".join(ch for ch in text if ch in "\n\t" or ch >= " ").replace("\r", "")
        if len(text) > LIMITS[field]:
            errors[field] = "too_long"
            text = text[: LIMITS[field]]
        values[field] = text
    if not values[DESCRIPTION]:
        errors.setdefault(DESCRIPTION, "missing")
    if not values[EMAIL]:
        errors.setdefault(EMAIL, "missing")
    elif EMAIL not in errors:
        try:
            values[EMAIL] = normalize_address(values[EMAIL])
        except InvalidAddress:
            errors[EMAIL] = "invalid"
    return Checked(values, errors, is_bot=bool(values[HONEYPOT]))


def file_report(session: Session, report: Report) -> Case:
    """Open a case for the report, tagged ``tillgänglighet``; staff answer it like any other case."""
    case = case_service.open_case(session, report.email, report.name, report.subject, utcnow())
    session.flush()  # the note needs the case's id
    case_service.add_note(session, case, report.note(), AUTHOR)
    case_service.set_fields(case, tags=[TAG])
    return case


class ReportLimiter:
    """At most ``per_address`` reports from one client address within ``window`` seconds (in memory: a
    restart forgets, which is fine for a form that people use a few times a year)."""

    def __init__(self, per_address: int = 5, window: float = 3600.0) -> None:
        self.per_address = per_address
        self.window = window
        self._times: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def allow(self, address: str) -> bool:
        """Count one report from ``address``; False when it has already sent its share."""
        now = time.monotonic()
        with self._lock:
            times = self._times[address]
            while times and times[0] <= now - self.window:
                times.popleft()
            if len(times) >= self.per_address:
                return False
            times.append(now)
            return True
