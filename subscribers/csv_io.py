"""CSV in and out. Reading is pure: bytes in, accepted rows and rejected rows (with line numbers) out."""

from __future__ import annotations

import csv
import io
import itertools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from kulturkluster.csv_cells import spreadsheet_cell
from kulturkluster.errors import ErrorKind, KulturklusterError
from kulturkluster.texts import t

from .address import InvalidAddress, normalize_address

EMAIL_COLUMNS = ("email", "e-post", "epost", "e-mail", "mail", "e-postadress")
NAME_COLUMNS = ("name", "namn")
EXPORT_COLUMNS = ("email", "name", "status", "subscribed_at", "created_at")


class CsvFormatError(KulturklusterError):
    """The file as a whole cannot be read as a subscriber list."""

    kind = ErrorKind.INVALID


@dataclass(frozen=True, slots=True)
class CsvRow:
    line: int
    email: str
    name: str


@dataclass(frozen=True, slots=True)
class RejectedRow:
    line: int
    text: str
    reason: str


@dataclass(frozen=True, slots=True)
class CsvContent:
    rows: tuple[CsvRow, ...]
    rejected: tuple[RejectedRow, ...]


def read_subscriber_csv(data: bytes) -> CsvContent:
    """Read a list with an email column (any of EMAIL_COLUMNS) and an optional name column.

    Accepts UTF-8 (with or without BOM) and Windows-1252, comma, semicolon or tab separators.
    """
    text = _decode(data)
    if not text.strip():
        raise CsvFormatError(t("csv.empty"))
    dialect = _sniff(text)
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    header = [cell.strip().lower() for cell in next(_records(reader), [])]
    email_col = next((header.index(c) for c in EMAIL_COLUMNS if c in header), None)
    if email_col is None:
        found = ", ".join(header)
        raise CsvFormatError(
            t("csv.no_email_column", found=(found[:200] + " …" if len(found) > 200 else found) or "(inga)")
        )
    name_col = next((header.index(c) for c in NAME_COLUMNS if c in header), None)
    rows: list[CsvRow] = []
    rejected: list[RejectedRow] = []
    first_line: dict[str, int] = {}
    for cells in _records(reader):
        line = reader.line_num
        if not any(cell.strip() for cell in cells):
            continue
        raw_email = cells[email_col].strip() if email_col < len(cells) else ""
        try:
            email = normalize_address(raw_email)
        except InvalidAddress as exc:
            value = exc.value if len(exc.value) <= 100 else exc.value[:100] + "…"
            rejected.append(RejectedRow(line, _clip(cells), t("address.invalid", value=value, why=exc.why)))
            continue
        if email.lower() in first_line:
            rejected.append(
                RejectedRow(line, _clip(cells), t("csv.duplicate", line=first_line[email.lower()]))
            )
            continue
        first_line[email.lower()] = line
        name = cells[name_col].strip() if name_col is not None and name_col < len(cells) else ""
        rows.append(CsvRow(line, email, name[:200]))
    return CsvContent(tuple(rows), tuple(rejected))


def csv_lines(header: Iterable[str], rows: Iterable[Iterable[object]]) -> Iterator[str]:
    """CSV lines, one at a time, so an export of any size streams. Every CSV we write goes through here,
    so no cell is ever a spreadsheet formula (``spreadsheet_cell``)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    for row in itertools.chain([header], rows):
        writer.writerow([spreadsheet_cell(value) for value in row])
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()


def csv_chunks(
    header: Iterable[str], rows: Iterable[Iterable[object]], per_chunk: int = 2000
) -> Iterator[str]:
    """The same text as ``csv_lines``, ``per_chunk`` rows at a time: for exports of a million rows, where a
    write and a yield per line would cost more than reading the rows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    cell = spreadsheet_cell
    writer.writerow([cell(value) for value in header])
    pending = iter(rows)
    while batch := list(itertools.islice(pending, per_chunk)):
        writer.writerows([[cell(value) for value in row] for row in batch])
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    if buffer.tell():  # the header of an empty list
        yield buffer.getvalue()


def _records(reader: Iterator[list[str]]) -> Iterator[list[str]]:
    """The reader's records; a line the csv module cannot read (a NUL byte, a field beyond its size
    limit) makes the whole file unreadable, with the line number."""
    line_num = getattr(reader, "line_num", 0)
    try:
        yield from reader
    except csv.Error as exc:
        line_num = getattr(reader, "line_num", line_num)
        raise CsvFormatError(t("csv.unreadable_line", line=line_num, error=str(exc))) from exc


def _decode(data: bytes) -> str:
    if data.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")):  # xlsx/ods (zip) or old .xls
        raise CsvFormatError(t("csv.spreadsheet"))
    if b"\x00" in data[:4096]:
        raise CsvFormatError(t("csv.not_text"))
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _sniff(text: str) -> type[csv.Dialect] | csv.Dialect:
    sample = text[:8192]
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        return csv.excel


def _clip(cells: list[str]) -> str:
    return ",".join(cells)[:200]
