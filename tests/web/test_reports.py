"""Rapporter: the tables hold cases/reports.py's numbers, the CSV is `report cases --format csv`, charts are SVG."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cases import report_queries
from cases import service as case_service
from cases.models import Channel
from cases.report_tables import report_tables
from cases.reports import Period
from kulturkluster.cli import app as cli_app
from kulturkluster.db import Database
from kulturkluster.wiring import Services
from mailer import delivery_counts
from mailer.campaign_models import Delivery, Newsletter
from subscribers.models import ConsentEvent, Subscriber
from tests.conftest import ORG_ADDRESS

from .conftest import StaffClient

pytestmark = pytest.mark.integration
runner = CliRunner()
PERIOD = {"from": "2025-01-01", "to": "2025-03-31"}


def at(day: str, hour: int = 9) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hour, tzinfo=UTC)


@pytest.fixture
def known_cases(staff_services: Services) -> None:
    """Cases in January to March 2025 (and one before), some answered and closed."""
    cases = [
        ("2024-12-20", "stöd", "förening", 30, None),
        ("2025-01-05", "stöd", "förening", 2, 50),
        ("2025-01-17", "kunskap", "företagare", 5, None),
        ("2025-01-30", None, None, None, None),
        ("2025-02-11", "kontakt", "kommun", 20, 200),
        ("2025-02-12", "stöd", "amatör", 1, 3),
        ("2025-03-03", "kunskap", "förening", 48, None),
    ]
    with staff_services.db.unit_of_work() as session:
        for i, (day, focus, actor, response_h, close_h) in enumerate(cases):
            received = at(day)
            case = case_service.open_case(session, f"p{i}@example.se", "", f"Fråga {i}", received)
            case.focus_area, case.actor_type = focus, actor
            if response_h is not None:
                case.first_response_at = received + timedelta(hours=response_h)
            if close_h is not None:
                case.closed_at, case.status = received + timedelta(hours=close_h), "avslutad"
            case.contact.municipality = MUNICIPALITIES.get(i, "")
            case.contact.organisation = ORGANISATIONS.get(i, "")
            case.channel = Channel.PHONE if i == 2 else Channel.EMAIL


MUNICIPALITIES = {1: "Flen", 2: "trosa kommun", 4: "Stockholm", 5: "Nyköpings kommun"}
ORGANISATIONS = {1: "Teater Vingen", 4: " teater vingen", 6: "Teater Vingen", 0: "Teater Vingen"}


def cells(page: str, table: str) -> list[list[str]]:
    section = page[page.index(f'id="{table}"') :]
    body = section[section.index("<tbody>") : section.index("</tbody>")]
    return [
        [html.unescape(c) for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row)]
        for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)
    ]


def shown(value: object) -> str:
    if value is None:
        return "–"
    return f"{value:.1f}".replace(".", ",") if isinstance(value, float) else str(value)


@pytest.mark.usefixtures("known_cases")
def test_tables_hold_the_reports_numbers(staff_services: Services, staff: StaffClient) -> None:
    page = staff.get("/app/rapporter", params=PERIOD)
    assert page.status_code == 200
    with staff_services.db.unit_of_work() as session:
        period = Period(datetime(2025, 1, 1).date(), datetime(2025, 3, 31).date())
        expected = report_tables(report_queries.evaluation(session, period))
    for table in (tab for tab in expected if tab.rows):  # an empty table says so in words
        assert cells(page.text, table.name) == [[shown(v) for v in row] for row in table.rows], table.name
    # Spot checks against the data, so the test does not only compare the code with itself
    by_focus = cells(page.text, "fokusomraden")
    assert by_focus[0][:5] == ["2025-01", "3", "1", "1", "0"] and by_focus[1][1] == "2"
    times = cells(page.text, "svarstider")
    assert times[0] == ["till första svar", "5", "5,0", "48,0"] and times[1][:2] == ["till avslut", "3"]
    assert "–" not in times[0]
    channels = cells(page.text, "kanaler")
    assert channels[0][:3] == ["2025-01", "2", "1"] and channels[1][:3] == ["2025-02", "2", "0"]
    header = re.findall(r'<th scope="col"[^>]*>([^<]*)</th>', page.text[page.text.index('id="kommuner"') :])[
        :12
    ]
    january = dict(zip(header, cells(page.text, "kommuner")[0], strict=True))
    assert header[2] == "Flens kommun" and header[-1] == "ej satt" and "Flen kommun" not in page.text
    assert (january["Flens kommun"], january["Trosa kommun"], january["ej satt"]) == ("1", "1", "1")
    february = dict(zip(header, cells(page.text, "kommuner")[1], strict=True))
    assert (february["annan"], february["Nyköpings kommun"]) == ("1", "1")
    # The case of December 2024 is outside the period: Teater Vingen has three cases in it, not four.
    assert cells(page.text, "aterkommande") == [["Teater Vingen", "3"]]


@pytest.mark.usefixtures("known_cases")
def test_charts_are_inline_svg_without_style_attributes(staff: StaffClient) -> None:
    page = staff.get("/app/rapporter", params=PERIOD).text
    assert page.count("<svg") == 5 and "style=" not in page and "<script" not in page.split("</head>")[1]
    assert '<title id="chart-fokus">Ärenden per månad och fokusområde</title>' in page
    assert "jan 2025, stöd: 1</title>" in page and "feb 2025, kommun: 1</title>" in page
    assert "26-01" not in page and ">jan<tspan" in page


def test_default_period_is_this_year(staff: StaffClient) -> None:
    page = staff.get("/app/rapporter").text
    year = datetime.now(UTC).year
    assert f'name="from" value="{year}-01-01"' in page and f"{year}-01" in page


# -- the CSV is the CLI's CSV ------------------------------------------------------------------------------


@pytest.fixture
def env(db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("KK_DATABASE_URL", db.url)
    monkeypatch.setenv("KK_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("KK_ORG__ADDRESS", ORG_ADDRESS)
    yield


def cli(*args: str) -> str:
    result = runner.invoke(cli_app, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.stdout


@pytest.mark.usefixtures("known_cases", "env")
def test_csv_download_equals_the_command_line(staff: StaffClient) -> None:
    response = staff.get("/app/rapporter.csv", params=PERIOD)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    assert (
        response.headers["content-disposition"] == 'attachment; filename="arenden-2025-01-01-2025-03-31.csv"'
    )
    assert response.headers["x-content-type-options"] == "nosniff"
    expected = cli("report", "cases", "--from", PERIOD["from"], "--to", PERIOD["to"], "--format", "csv")
    assert response.text == expected and "ärenden per månad,2025-02,2" in expected
    one = staff.get("/app/rapporter.csv", params={**PERIOD, "table": "aktorstyper"})
    assert one.text.splitlines()[0].startswith("månad,företagare,förening")
    assert one.text == cli(
        "report",
        "cases",
        "--from",
        PERIOD["from"],
        "--to",
        PERIOD["to"],
        "--format",
        "csv",
        "--table",
        "aktorstyper",
    )


def test_bad_dates_are_a_swedish_error(staff: StaffClient) -> None:
    page = staff.get("/app/rapporter", params={"from": "igår", "to": "2025-01-01"})
    assert page.status_code == 400 and "Skriv datum som ÅÅÅÅ-MM-DD" in page.text and "<svg" not in page.text
    reversed_period = staff.get("/app/rapporter", params={"from": "2025-03-01", "to": "2025-01-01"})
    assert (
        reversed_period.status_code == 400 and "slutar (2025-01-01) innan den börjar" in reversed_period.text
    )
    assert staff.get("/app/rapporter", params={"from": "2025-02-30", "to": "2025-03-01"}).status_code == 400
    csv = staff.get("/app/rapporter.csv", params={"from": "2025-13-01", "to": "2025-01-01"})
    assert csv.status_code == 400 and "ÅÅÅÅ-MM-DD" in csv.text
    table = staff.get("/app/rapporter.csv", params={**PERIOD, "table": "../etc"})
    assert table.status_code == 400 and "Välj en av: fokusomraden" in table.text
    bad = runner.invoke(cli_app, ["report", "cases", "--from", "igår", "--to", "2025-01-01"])
    assert bad.exit_code != 0 and "ÅÅÅÅ-MM-DD" in bad.output


def test_newsletter_list_per_month_and_per_issue(staff_services: Services, staff: StaffClient) -> None:
    """Three people join in January, one leaves in February, one bounces in March; the January issue
    reached two of them, and one of those unsubscribed within 7 days."""
    with staff_services.db.unit_of_work() as session:
        people = [Subscriber(email=f"s{i}@example.se", status="active") for i in range(4)]
        session.add_all(people)
        session.flush()
        people[2].status, people[3].status = "unsubscribed", "bounced"
        events = [
            (people[0], "2024-12-01", None, "active"),  # before the period: part of the list size
            (people[1], "2025-01-02", "pending", "active"),
            (people[2], "2025-01-03", None, "active"),
            (people[3], "2025-01-04", None, "active"),
            (people[2], "2025-02-14", "active", "unsubscribed"),
            (people[3], "2025-03-20", "active", "bounced"),
        ]
        session.add_all(
            ConsentEvent(
                subscriber_id=p.id, at=at(day), action="x", old_status=old, new_status=new, channel="email"
            )
            for p, day, old, new in events
        )
        letter = Newsletter(
            template="t", subject="Februaribrevet", content="", status="sent", started_at=at("2025-02-10")
        )
        session.add(letter)
        session.flush()
        session.add_all(
            Delivery(newsletter_id=letter.id, subscriber_id=p.id, email=p.email, status=status)
            for p, status in ((people[1], "sent"), (people[2], "sent"), (people[3], "failed"))
        )
        session.flush()
        delivery_counts.recount(session, [letter.id])  # the counters the sender keeps, from these rows
    page = staff.get("/app/rapporter", params=PERIOD).text
    assert cells(page, "nyhetsbrev") == [
        ["2025-01", "4", "3", "0", "0"],
        ["2025-02", "3", "0", "1", "0"],
        ["2025-03", "2", "0", "0", "1"],
    ]
    assert cells(page, "utskick") == [["Februaribrevet", "2025-02-10", "3", "2", "1", "1"]]
    assert '<title id="chart-lista">' in page
