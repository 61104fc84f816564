"""Every CSV the project writes neutralises spreadsheet formulas (CSV injection, OWASP): a cell that starts
with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a leading single quote. The CLI's lists,
the subscriber export (CLI and web) and the report CSV (CLI and web) all write through one helper."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from kulturkluster.csv_cells import FORMULA_START, spreadsheet_cell
from kulturkluster.wiring import Services
from subscribers import service as subscriber_service
from subscribers.csv_io import csv_lines
from subscribers.models import Channel, Status
from subscribers.service import Evidence
from tests.integration.test_cli import cli
from tests.integration.test_cli import env as cli_env  # noqa: F401 - the CLI tests' fixture
from tests.integration.test_pipeline import make_mail

from .conftest import StaffClient

pytestmark = pytest.mark.integration
FORMULA = '=HYPERLINK("https://evil.example","klicka")'


def rows_of(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text.lstrip("\ufeff"), newline="")))


def column(text: str, name: str) -> list[str]:
    header, *rows = rows_of(text)
    return [row[header.index(name)] for row in rows]


@pytest.mark.parametrize("start", FORMULA_START)
def test_every_formula_start_is_quoted(start: str) -> None:
    cell = spreadsheet_cell(f"{start}1+1")
    assert cell == f"'{start}1+1" or (start == "\r" and cell == "'\n1+1")  # a lone CR is a line break
    [_header, *lines] = list(csv_lines(["x"], [[f"{start}cmd"], ["a\rb"]]))
    assert [row[0][0] for row in rows_of("".join(lines))] == ["'", "a"]  # one row each, quoted where needed


def test_our_own_values_stay_as_they_are() -> None:
    assert [spreadsheet_cell(v) for v in (None, -1, 2.5, "Anna", "a=b", "")] == [
        "",
        "-1",
        "2.5",
        "Anna",
        "a=b",
        "",
    ]


def test_cli_lists_of_cases_and_inbound_mail(cli_env: Path, tmp_path: Path) -> None:  # noqa: F811
    mail = tmp_path / "formel.eml"
    mail.write_bytes(make_mail(FORMULA, sender="kim@teater.example", body="Hej! En fråga om bidrag."))
    cli("inbound", "import", str(mail))
    assert column(cli("cases", "list", "--format", "csv"), "subject") == [f"'{FORMULA}"]
    assert column(cli("inbound", "list", "--format", "csv"), "subject") == [f"'{FORMULA}"]


def test_cli_subscriber_list_and_export(cli_env: Path, tmp_path: Path) -> None:  # noqa: F811
    lista = tmp_path / "lista.csv"
    lista.write_text("email;namn\nbo@example.se;\"@SUM(1+1)*cmd|' /C calc'!A0\"\n", encoding="utf-8")
    cli("subscribers", "import", str(lista))
    expected = ["'@SUM(1+1)*cmd|' /C calc'!A0"]
    assert column(cli("subscribers", "export"), "name") == expected
    assert column(cli("subscribers", "list", "--format", "csv"), "name") == expected


def test_report_csv_keeps_its_numbers(cli_env: Path) -> None:  # noqa: F811
    today = "2026-01-01"
    text = cli("report", "cases", "--from", today, "--to", today, "--format", "csv")
    assert not any(cell.startswith("'") for row in rows_of(text) for cell in row)


def test_web_subscriber_export_and_report_csv(staff_services: Services, staff: StaffClient) -> None:
    with staff_services.db.unit_of_work() as session:
        evidence = Evidence(Channel.IMPORT, detail="test", actor="test")
        subscriber_service.add(session, "eve@example.se", FORMULA, Status.ACTIVE, evidence)
    export = staff.get("/app/prenumeranter/export.csv")
    assert column(export.text, "name") == [f"'{FORMULA}"]
    report = staff.get("/app/rapporter.csv", params={"from": "2026-01-01", "to": "2026-01-31"})
    assert report.status_code == 200
    assert not any(cell.startswith("'") for row in rows_of(report.text) for cell in row)
