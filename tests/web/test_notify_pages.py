"""Mitt konto (notice choice, time, signature), the case page's follow-up form, and Översikt's list."""

from __future__ import annotations

from datetime import timedelta

from cases import operations as case_ops
from cases.notify_rules import today
from kulturkluster import accounts
from kulturkluster.db import utcnow
from kulturkluster.wiring import Services
from tests.web.conftest import STAFF, StaffClient
from tests.web.test_cases import question


def _choices(svc: Services) -> tuple[str, str, str]:
    with svc.db.unit_of_work() as session:
        user = accounts.get(session, STAFF)
        return user.notify_mode, user.notify_at, user.signature


def test_account_page_saves_the_choice_time_and_signature(
    staff_services: Services, staff: StaffClient
) -> None:
    page = staff.get("/app/konto")
    assert page.status_code == 200
    assert 'href="/app/konto"' in page.text and "Mitt konto" in page.text
    assert 'value="every" checked' in page.text  # the default
    for control in ('name="notify_mode"', 'name="notify_at"', 'name="signature"'):
        assert control in page.text

    response = staff.post(
        "/app/konto", {"notify_mode": "daily", "notify_at": "07:30", "signature": "Sam\r\nKulturkluster"}
    )
    assert response.status_code == 303
    assert "Dina inställningar är sparade" in staff.get("/app/konto").text
    assert _choices(staff_services) == ("daily", "07:30", "Sam\nKulturkluster")


def test_account_page_refuses_bad_input_in_swedish(staff_services: Services, staff: StaffClient) -> None:
    before = _choices(staff_services)
    for bogus, words in (
        ({"notify_mode": "hourly", "notify_at": "08:00"}, "Välj hur du vill få besked"),
        ({"notify_mode": "daily", "notify_at": "25:00"}, "Skriv klockslaget som TT:MM"),
        ({"notify_mode": "daily", "notify_at": "åtta"}, "Skriv klockslaget som TT:MM"),
        ({"notify_mode": "every", "notify_at": "08:00", "signature": "x" * 2001}, "högst 2000 tecken"),
        ({}, "Välj hur du vill få besked"),
    ):
        response = staff.post("/app/konto", bogus)
        assert response.status_code == 303, bogus
        assert words in staff.get("/app/konto").text, bogus
        assert _choices(staff_services) == before, bogus
    no_token = staff.client.post("/app/konto", data={"notify_mode": "none"}, follow_redirects=False)
    assert no_token.status_code == 403
    assert _choices(staff_services) == before


def test_follow_up_form_sets_clears_and_refuses(staff_services: Services, staff: StaffClient) -> None:
    ref = question(staff_services, "Uppföljning")
    page = staff.get(f"/app/arenden/{ref}").text
    assert f'action="/app/arenden/{ref}/folj-upp"' in page and 'name="follow_up_on"' in page

    assert staff.post(f"/app/arenden/{ref}/folj-upp", {"follow_up_on": "2026-12-01"}).status_code == 303
    page = staff.get(f"/app/arenden/{ref}").text
    assert "Ärendet ska följas upp 1 december." in page and 'value="2026-12-01"' in page

    for bogus in ("1 december", "2026-13-01", "2026-2-1", "x" * 5000):
        response = staff.post(f"/app/arenden/{ref}/folj-upp", {"follow_up_on": bogus})
        assert response.status_code == 303
        assert "Skriv datumet för uppföljning som ÅÅÅÅ-MM-DD" in staff.get(f"/app/arenden/{ref}").text
    with staff_services.db.unit_of_work() as session:
        assert str(case_ops.find(session, ref).follow_up_on) == "2026-12-01"

    staff.post(f"/app/arenden/{ref}/folj-upp", {"follow_up_on": "2026-12-01", "clear": "1"})
    assert "Uppföljningsdatumet är borttaget" in staff.get(f"/app/arenden/{ref}").text
    with staff_services.db.unit_of_work() as session:
        assert case_ops.find(session, ref).follow_up_on is None
    assert staff.post("/app/arenden/KK-2026-9999/folj-upp", {"follow_up_on": "2026-12-01"}).status_code == 303
    assert staff.post("/app/arenden/inte-ett-ärende/folj-upp", {"follow_up_on": ""}).status_code == 303


def test_overview_lists_due_and_overdue_with_the_assignee(
    staff_services: Services, staff: StaffClient
) -> None:
    due, late, ahead = (question(staff_services, subject) for subject in ("I dag", "Sent", "Senare"))
    now_day = today(utcnow())
    with staff_services.db.unit_of_work() as session:
        case_ops.find(session, due).follow_up_on = now_day
        case_ops.find(session, due).assignee = STAFF
        case_ops.find(session, late).follow_up_on = now_day - timedelta(days=3)
        case_ops.find(session, ahead).follow_up_on = now_day + timedelta(days=1)
    page = staff.get("/app/").text
    section = page[page.index("<h2>Följ upp</h2>") : page.index("<h2>Nyhetsbrev</h2>")]
    assert section.index(late) < section.index(due)  # the longest overdue first
    assert ahead not in section
    assert "i dag" in section and "Sam Staff" in section
    assert "3 dagar sedan" in section and "ingen handläggare" in section
