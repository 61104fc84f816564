"""The evaluation report against numbers worked out by hand."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from cases.reports import CaseRow, case_report, durations, percentile_nearest_rank


def at(day: int, hour: int = 9, month: int = 3) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=UTC)


ROWS = [
    # received     first response          closed                  focus      actor
    CaseRow(at(2), at(2, 13), at(5, 9), "stöd", "förening"),  # 4 h, 72 h
    CaseRow(at(3), at(4, 9), None, "kunskap", "företagare"),  # 24 h, open
    CaseRow(at(10), at(10, 10), at(10, 21), "stöd", None),  # 1 h, 12 h
    CaseRow(at(20), None, None, None, "kommun"),  # no response, open
    CaseRow(at(1, month=4), at(3, month=4), at(4, month=4), "kontakt", "förening"),  # 48 h, 72 h
    CaseRow(at(28, month=2), at(1, month=3), None, "stöd", "amatör"),  # before the period
]


def test_per_month_counts() -> None:
    report = case_report(ROWS, date(2026, 3, 1), date(2026, 5, 1))
    march, april = report.months
    assert (march.month, march.total, april.month, april.total) == ("2026-03", 4, "2026-04", 1)
    assert march.by_focus == {"stöd": 2, "kunskap": 1, "kontakt": 0, "ej satt": 1}
    assert march.by_actor_type["förening"] == 1 and march.by_actor_type["ej satt"] == 1
    assert april.by_focus["kontakt"] == 1


def test_response_and_close_times() -> None:
    report = case_report(ROWS, date(2026, 3, 1), date(2026, 5, 1))
    # First responses: 4, 24, 1, 48 hours -> median (4 + 24) / 2 = 14; p90 nearest rank ceil(3.6) = 4th = 48.
    assert (
        report.first_response.count,
        report.first_response.median_hours,
        report.first_response.p90_hours,
    ) == (4, 14.0, 48.0)
    # Closed: 72, 12, 72 hours -> median 72; p90 = 3rd of 3 = 72.
    assert (report.close.count, report.close.median_hours, report.close.p90_hours) == (3, 72.0, 72.0)


def test_backlog_at_the_end_of_the_period() -> None:
    # At 1 April: open are the cases of 3 March (29 days), 20 March (12 days) and 28 February (32 days).
    report = case_report(ROWS, date(2026, 3, 1), date(2026, 4, 1))
    assert report.backlog == {"0–7 dagar": 0, "8–30 dagar": 2, "31–90 dagar": 1, "över 90 dagar": 0}
    assert [m.month for m in report.months] == ["2026-03"]


def test_percentiles() -> None:
    assert percentile_nearest_rank([5.0], 0.9) == 5.0
    assert percentile_nearest_rank([float(n) for n in range(1, 11)], 0.9) == 9.0
    assert percentile_nearest_rank([float(n) for n in range(1, 12)], 0.9) == 10.0
    assert durations([]).median_hours is None


def test_an_empty_period() -> None:
    report = case_report([], date(2026, 1, 1), date(2026, 1, 1) + timedelta(days=31))
    assert report.months[0].total == 0 and report.first_response.count == 0
