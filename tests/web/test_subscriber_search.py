"""Searching a big list: the matches are counted up to a limit ("Fler än 20 000 träffar"), past which the
newest come first and paging goes on; a few matches come sorted by address wherever they sit in the
alphabet."""

from __future__ import annotations

from kulturkluster.wiring import Services
from subscribers import service, staff_actions
from subscribers.models import Channel, Status
from subscribers.service import Evidence

from .conftest import StaffClient

LIST = "/app/prenumeranter"


def seed_many(svc: Services, count: int) -> None:
    rows = [(n, f"p{n:05d}@example.se", f"Person {n}") for n in range(count)]
    rows += [(count + 1, "zeta.sist@example.se", "Zeta"), (count + 2, "alfa.forst@example.se", "Zeta Alfa")]
    with svc.db.unit_of_work() as session:
        service.import_rows(session, rows, Status.ACTIVE, Evidence(Channel.IMPORT, detail="test"))


def test_a_search_counts_up_to_its_limit_and_pages_on(staff_services: Services, staff: StaffClient) -> None:
    seed_many(staff_services, staff_actions.COUNT_LIMIT + 40)
    page = staff.get(LIST, params={"q": "example.se"})
    assert page.status_code == 200
    assert "Fler än 20\u00a0000 träffar för ”example.se”" in page.text
    assert f'href="{LIST}?q=example.se&amp;page=2"' in page.text
    assert "De senast tillagda visas först" in page.text  # very many: the newest first
    assert page.text.index("alfa.forst@example.se") < page.text.index("zeta.sist@example.se")
    last = staff.get(LIST, params={"q": "example.se", "page": "401"})
    assert "alfa.forst@example.se" not in last.text and "Sida 401" in last.text
    few = staff.get(LIST, params={"q": "zeta"})
    assert "2 träffar för ”zeta”" in few.text
    assert few.text.index("alfa.forst@example.se") < few.text.index("zeta.sist@example.se")  # by address
    everyone = staff.get(LIST)
    assert f"{staff_actions.COUNT_LIMIT + 42} träffar" in everyone.text  # the whole list, counted exactly


def test_the_search_and_its_count_agree_below_the_limit(staff_services: Services) -> None:
    seed_many(staff_services, 120)
    with staff_services.db.unit_of_work() as session:
        found = staff_actions.search(session, "PERSON 11", per_page=5)
        assert (found.total, found.more, found.pages) == (11, False, 3)
        assert [s.email for s in found.rows] == [f"p{n:05d}@example.se" for n in (11, 110, 111, 112, 113)]
        counts = service.count_by_status(session)
        by_status = staff_actions.search(session, status=Status.ACTIVE, by_status=counts)
        assert by_status.total == 122 and not by_status.more
