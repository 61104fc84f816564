"""Numbers, counts and months the Swedish way, for the pages (Jinja filters) and the charts.

- ``number(1234.5)`` -> "1 234,5": decimal comma, a narrow no-break space between thousands.
- ``amount(1, "adress", "adresser")`` -> "1 adress"; ``amount(2, ...)`` -> "2 adresser".
- ``month_label("2026-01")`` -> "jan 2026".
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

LOCAL_TIME = ZoneInfo("Europe/Stockholm")
THOUSANDS = "\u202f"  # narrow no-break space, as Swedish typesetting and the Språkrådet advice have it
MONTHS = ("jan", "feb", "mar", "apr", "maj", "jun", "jul", "aug", "sep", "okt", "nov", "dec")


def number(value: float | int | None, decimals: int | None = None) -> str:
    """``value`` with a decimal comma; floats with one decimal unless ``decimals`` says otherwise."""
    if value is None:
        return "–"
    if decimals is None:
        decimals = 0 if isinstance(value, int) else 1
    text = f"{value:,.{decimals}f}"
    return text.replace(",", THOUSANDS).replace(".", ",").replace("-", "−")


def plural(amount: int, one: str, many: str) -> str:
    """The word for ``amount``: "adress" for 1, "adresser" otherwise (also for 0)."""
    return one if amount == 1 else many


def amount(value: int, one: str, many: str) -> str:
    """The count with its word: "1 adress", "2 adresser", "1 234 adresser"."""
    return f"{number(value)} {plural(value, one, many)}"


def month_label(month: str) -> str:
    """A month as people say it: "2026-01" -> "jan 2026"; anything else is returned as it is."""
    year, _, number_text = month.partition("-")
    if len(year) == 4 and number_text.isdigit() and 1 <= int(number_text) <= 12:
        return f"{MONTHS[int(number_text) - 1]} {year}"
    return month


def local_day(at: datetime | None) -> str:
    """A stored (UTC) moment's day in Sweden, "2026-03-02"."""
    return at.astimezone(LOCAL_TIME).date().isoformat() if at else ""


def local_minute(at: datetime | None) -> str:
    """A stored (UTC) moment as staff read it: Swedish time, to the minute, "2026-03-02 10:15"."""
    return at.astimezone(LOCAL_TIME).strftime("%Y-%m-%d %H:%M") if at else ""
