"""One rule for every cell of every CSV the project writes: a spreadsheet never runs it as a formula.

Spreadsheet programs treat a cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return
as a formula (CSV injection). Text from outside (a mail's subject, a sender's name, a tag) can start with
one, so such a cell gets a leading single quote, as OWASP recommends. Numbers and dates are our own
values and stay as they are (``-1`` is a number, not a formula).

Line breaks inside a text become ``\n``: the csv module (with our ``\n`` line ending) quotes a cell with
``\n`` in it but not one with a lone ``\r``, which a spreadsheet would read as the end of the row.
"""

from __future__ import annotations

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_cell(value: object) -> str:
    """``value`` as CSV cell text: empty for None, a text that looks like a formula quoted."""
    if value is None:
        return ""
    if isinstance(value, str):
        text = "'" + value if value.startswith(FORMULA_START) else value
        return text.replace("\r\n", "\n").replace("\r", "\n")
    return str(value)


def sql_spreadsheet_cell(expression: str) -> str:
    """``spreadsheet_cell`` as a PostgreSQL expression over the text ``expression``, for exports the
    database writes itself (``COPY ... TO STDOUT``). NULL and an empty text both come out as NULL, which
    COPY writes as an empty, unquoted cell, as the csv module writes an empty text."""
    starts = ", ".join(f"'{c}'" if c.isprintable() and c != "'" else f"chr({ord(c)})" for c in FORMULA_START)
    quoted = f"CASE WHEN left({expression}, 1) IN ({starts}) THEN '''' || {expression} ELSE {expression} END"
    return f"nullif(replace(replace({quoted}, chr(13) || chr(10), chr(10)), chr(13), chr(10)), '')"
