"""Printing results: JSON for scripts, rich tables for people, CSV for spreadsheets."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Sequence
from enum import StrEnum
from typing import Any

from rich.console import Console
from rich.table import Table

from subscribers.csv_io import csv_lines

console = Console()
err_console = Console(stderr=True)


class Format(StrEnum):
    JSON = "json"
    TABLE = "table"
    CSV = "csv"
    TEXT = "text"  # like table, for single records


def emit(rows: Sequence[dict[str, Any]], fmt: Format, columns: Sequence[str], title: str = "") -> None:
    if fmt is Format.JSON:
        sys.stdout.write(json.dumps(list(rows), ensure_ascii=False, indent=2, default=str) + "\n")
    elif fmt is Format.CSV:
        emit_csv(([row.get(c) for c in columns] for row in rows), columns)
    else:
        table = Table(title=title or None, show_lines=False)
        for column in columns:
            table.add_column(column)
        for row in rows:
            table.add_row(*(_cell(row.get(column)) for column in columns))
        console.print(table)


def emit_csv(rows: Iterable[Iterable[object]], header: Sequence[str]) -> None:
    for line in csv_lines(header, rows):
        sys.stdout.write(line)


def _cell(value: object) -> str:
    if value is None:
        return ""
    text = str(value)
    return text if len(text) <= 80 else text[:77] + "..."
