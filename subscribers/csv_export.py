"""The subscriber list as CSV bytes, for the web download and ``subscribers export``.

On PostgreSQL the database writes the CSV itself (``COPY (SELECT ...) TO STDOUT``): a million rows in
about the time ``psql \\copy`` takes, where reading them into Python and writing them again costs several
times that. The cells are the ones ``staff_actions.export_lines`` writes: the same columns, the same
formula neutralisation (``csv_cells.sql_spreadsheet_cell``), the same time format as ``str(datetime)``.
Elsewhere the rows go through ``csv_io.csv_chunks``.
"""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy.orm import Session

from kulturkluster.csv_cells import sql_spreadsheet_cell

from . import service
from .csv_io import EXPORT_COLUMNS, csv_chunks
from .models import Status

CHUNK = 64 * 1024

# A UTC time as ``str(datetime)`` writes it (microseconds only when there are some); the session's time
# zone is set to UTC for the export.
_TIME = (
    "to_char({0}, 'YYYY-MM-DD HH24:MI:SS') || CASE WHEN extract(microseconds FROM {0})::bigint % 1000000 = 0 "
    "THEN '' ELSE to_char({0}, '.US') END || '+00:00'"
)
_TEXT = {"email", "name"}  # from outside: neutralised; status is ours


def export_csv(session: Session, status: Status | None = None) -> Iterator[bytes]:
    """The list (EXPORT_COLUMNS, ordered by address) as UTF-8 CSV, in chunks of about CHUNK bytes."""
    if session.get_bind().dialect.name == "postgresql":
        yield from _copy(session, status)
        return
    for text in csv_chunks(EXPORT_COLUMNS, service.export_rows(session, status)):
        yield text.encode()


def _copy(session: Session, status: Status | None) -> Iterator[bytes]:
    session.connection().exec_driver_sql("SET LOCAL TimeZone = 'UTC'")
    cells = []
    for column in service.EXPORTED:
        name = column.key
        cell = (
            sql_spreadsheet_cell(name)
            if name in _TEXT
            else _TIME.format(name)
            if name.endswith("_at")
            else name
        )
        cells.append(f"{cell} AS {name}")
    where = f"WHERE status = '{Status(status).value}' " if status is not None else ""  # an enum value
    query = f"SELECT {', '.join(cells)} FROM subscribers {where}ORDER BY email"  # noqa: S608 (our own names)
    sql = f"COPY ({query}) TO STDOUT WITH (FORMAT csv, HEADER)"
    connection = session.connection().connection.driver_connection
    pending: list[bytes] = []
    size = 0
    with connection.cursor() as cursor, cursor.copy(sql) as copy:  # type: ignore[union-attr]
        for data in copy:
            pending.append(bytes(data))
            size += len(data)
            if size >= CHUNK:
                yield b"".join(pending)
                pending, size = [], 0
    if pending:
        yield b"".join(pending)
