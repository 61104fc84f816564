"""The evaluation report's pure parts against numbers worked out by hand (the SQL is tested in tests/web)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from cases.municipalities import OTHER, official
from cases.newsletter_report import ListChanges, list_changes, newsletter_months
from cases.report_tables import Evaluation, csv_rows, report_tables
from cases.reports import CaseCell, CaseReport, backlog_bounds, durations, month_rows, percentile_nearest_rank
from kulturkluster import formats

CELLS = [
    CaseCell("2026-03", "stöd", "förening", "epost", "Flen", 2),
    CaseCell("2026-03", "kunskap", None, "telefon", "flens kommun", 1),
    CaseCell("2026-03", None, "kommun", "besok", "", 1),
    CaseCell("2026-04", "kontakt", "förening", "epost", "Göteborg", 1),
    CaseCell("2026-06", "stöd", "förening", "epost", "", 9),  # after the period: not counted
]


def test_per_month_counts() -> None:
    march, april = month_rows(CELLS, date(2026, 3, 1), date(2026, 5, 1))
    assert (march.month, march.total, april.month, april.total) == ("2026-03", 4, "2026-04", 1)
    assert march.by_focus == {"stöd": 2, "kunskap": 1, "kontakt": 0, "ej satt": 1}
    assert march.by_actor_type["förening"] == 2 and march.by_actor_type["ej satt"] == 1
    assert march.by_channel == {"epost": 2, "telefon": 1, "besok": 1, "mote": 0, "evenemang": 0}
    assert march.by_municipality["Flens kommun"] == 3 and march.by_municipality["ej satt"] == 1
    assert april.by_municipality[OTHER] == 1 and sum(april.by_municipality.values()) == 1


@pytest.mark.parametrize(
    ("typed", "name"),
    [
        ("Flen", "Flens kommun"),
        ("flen kommun", "Flens kommun"),
        ("FLENS KOMMUN", "Flens kommun"),
        ("Strangnas", "Strängnäs kommun"),
        ("Nyköping", "Nyköpings kommun"),
        ("Katrineholms kommun", "Katrineholms kommun"),
        ("Trosa", "Trosa kommun"),
        ("Vingåker", "Vingåkers kommun"),
        ("Oxelösund", "Oxelösunds kommun"),
        ("gnesta", "Gnesta kommun"),
        ("Eskilstuna.", "Eskilstuna kommun"),
        ("Stockholm", OTHER),
        ("Flensburg", OTHER),
        ("  ", ""),
    ],
)
def test_municipalities_map_to_the_official_names(typed: str, name: str) -> None:
    assert official(typed) == name


def test_backlog_bounds_match_whole_days_of_age() -> None:
    at = datetime(2026, 4, 1, tzinfo=UTC)
    bounds = dict(backlog_bounds(at))
    # 0-7 days old: received after 24 March 00:00 (exactly 8 days old is the next bucket)
    assert bounds["0–7 dagar"] == datetime(2026, 3, 24, tzinfo=UTC) and bounds["över 90 dagar"] is None


def test_percentiles() -> None:
    assert percentile_nearest_rank([5.0], 0.9) == 5.0
    assert percentile_nearest_rank([float(n) for n in range(1, 11)], 0.9) == 9.0
    assert percentile_nearest_rank([float(n) for n in range(1, 12)], 0.9) == 10.0
    assert durations([]).median_hours is None
    assert durations([4.0, 24.0, 1.0, 48.0]) == durations([48.0, 1.0, 24.0, 4.0])
    assert (durations([4.0, 24.0, 1.0, 48.0]).median_hours, durations([4.0, 24.0, 1.0, 48.0]).p90_hours) == (
        14.0,
        48.0,
    )


def test_list_size_is_worked_out_backwards_from_today() -> None:
    changes = {"2026-01": ListChanges(net=3, new=3), "2026-02": ListChanges(net=-1, unsubscribed=1)}
    # 10 active today; 2 more joined after the period than left: 8 at the end of March
    rows = newsletter_months(
        date(2026, 1, 1), date(2026, 4, 1), active_now=10, net_since_end=2, changes=changes
    )
    assert [(m.month, m.list_size, m.new, m.unsubscribed) for m in rows] == [
        ("2026-01", 9, 3, 0),
        ("2026-02", 8, 0, 1),
        ("2026-03", 8, 0, 0),
    ]


def test_every_table_is_in_the_long_csv() -> None:
    report = CaseReport(
        date(2026, 3, 1), date(2026, 5, 1), month_rows(CELLS, date(2026, 3, 1), date(2026, 5, 1))
    )
    evaluation = Evaluation(report)
    names = [tab.name for tab in report_tables(evaluation)]
    assert names[:4] == ["fokusomraden", "aktorstyper", "kanaler", "kommuner"]
    _header, rows = csv_rows(evaluation)
    assert ["Ärenden per månad och kommun: 2026-03", "Flens kommun", 3] in rows
    assert ["Ärenden per månad och kanal: 2026-03", "telefon", 1] in rows
    header, one = csv_rows(evaluation, "kanaler")
    assert header[1:3] == ("e-post", "telefon") and one[0][:3] == ["2026-03", 2, 1]


def test_swedish_numbers_counts_and_months() -> None:
    assert formats.number(14.25) == "14,2" or formats.number(14.25) == "14,3"
    assert formats.number(1234567) == "1\u202f234\u202f567" and formats.number(-1.5) == "−1,5"
    assert formats.number(None) == "–" and formats.number(3.0, 0) == "3"
    assert formats.amount(1, "adress", "adresser") == "1 adress"
    assert formats.amount(0, "adress", "adresser") == "0 adresser"
    assert formats.amount(2, "ärende", "ärenden") == "2 ärenden"
    assert formats.month_label("2026-01") == "jan 2026" and formats.month_label("2026-12") == "dec 2026"
    assert formats.month_label("2026-13") == "2026-13"


def test_list_changes_from_status_transitions() -> None:
    counts = [
        ("2026-01", None, "active", 3),  # added
        ("2026-01", "pending", "active", 2),  # confirmed
        ("2026-01", "pending", "pending", 4),  # a reminder: no change
        ("2026-01", "active", "unsubscribed", 1),
        ("2026-01", "active", "complained", 1),  # a complaint leaves the list as an unsubscription
        ("2026-02", "active", "bounced", 2),
        ("2026-02", "active", "active", 5),  # a bounce that only scored
        ("2026-02", "bounced", "active", 1),  # re-enabled by staff
    ]
    changes = list_changes(counts)
    assert changes["2026-01"] == ListChanges(net=3, new=5, unsubscribed=2, bounced=0)
    assert changes["2026-02"] == ListChanges(net=-1, new=1, unsubscribed=0, bounced=2)
