"""Domain errors reach the staff app through one mapping: a page that cannot be shown answers with the
status of the error's kind; htmx gets a fragment it swaps in; a form post goes back with a flash."""

from __future__ import annotations

from tests.web.test_newsletters import create

from .conftest import StaffClient


def test_a_page_that_cannot_be_shown_answers_with_its_kind(staff: StaffClient) -> None:
    missing = staff.get("/app/nyhetsbrev/999")
    assert missing.status_code == 404  # NOT_FOUND
    assert 'role="alert"' in missing.text and "Det finns inget nyhetsbrev med nummer 999" in missing.text


def test_htmx_and_form_posts_get_the_message(staff: StaffClient) -> None:
    newsletter_id = create(staff)
    bad_time = staff.htmx_post(f"/app/nyhetsbrev/{newsletter_id}/skicka", {"nar": "igår"})
    assert bad_time.status_code == 200  # htmx swaps only successful answers in
    assert bad_time.text.startswith('<p class="flash flash-error" role="alert">')
    unknown = staff.htmx_post("/app/nyhetsbrev/999/pausa")
    assert unknown.status_code == 200 and "999" in unknown.text
    again = staff.post(f"/app/nyhetsbrev/{newsletter_id}/skicka", {"nar": "igår"})
    assert again.status_code == 303 and again.headers["location"] == f"/app/nyhetsbrev/{newsletter_id}"
