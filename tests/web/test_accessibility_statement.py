"""The accessibility statement at /tillganglighet and its report form: public, a case per report, no abuse."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import select

from cases.models import Case, CaseMessage
from kulturkluster.web import create_app
from kulturkluster.web.barrier_report import ReportLimiter, check
from kulturkluster.wiring import Services
from tests.web.conftest import StaffClient

REPORT = {
    "beskrivning": "Knappen Bekräfta går inte att nå med tangentbordet.\nJag använder skärmläsare.",
    "var": "Bekräftelsesidan",
    "namn": "Anna Berg",
    "epost": "anna@example.se",
    "webbplats": "",
}


def _cases(services: Services) -> list[tuple[str, list[str], str | None, list[str]]]:
    with services.db.unit_of_work() as session:
        rows = []
        for case in session.scalars(select(Case).order_by(Case.id)):
            notes = session.scalars(select(CaseMessage.text).where(CaseMessage.case_id == case.id)).all()
            rows.append((case.subject, sorted(t.tag for t in case.tags), case.contact.email, list(notes)))
        return rows


def test_the_statement_is_public_in_swedish_and_follows_diggs_model(
    app_client: Callable[[], StaffClient],
) -> None:
    page = app_client().get("/tillganglighet")
    assert page.status_code == 200
    for words in (
        "Tillgänglighetsredogörelse",
        "delvis förenlig",
        "Innehåll som inte är tillgängligt",
        "Hur vi testat tjänsten",
        "axe-core",
        "Senaste bedömningen gjordes den",
        "https://www.digg.se/tdosanmalan",
        'name="beskrivning"',
    ):
        assert words in page.text, words
    assert "script" not in page.headers["content-security-policy"]


def test_a_report_becomes_a_case_tagged_tillganglighet(
    app_client: Callable[[], StaffClient], staff_services: Services
) -> None:
    answer = app_client().client.post("/tillganglighet", data=REPORT)
    assert answer.status_code == 200
    assert "Tack! Vi har tagit emot din anmälan" in answer.text
    [(subject, tags, email, notes)] = _cases(staff_services)
    assert subject == "Tillgänglighet: Knappen Bekräfta går inte att nå med tangentbordet."
    assert tags == ["tillgänglighet"]
    assert email == "anna@example.se"
    assert "Var: Bekräftelsesidan" in notes[0] and "Jag använder skärmläsare." in notes[0]


def test_the_honeypot_looks_like_success_but_files_nothing(
    app_client: Callable[[], StaffClient], staff_services: Services
) -> None:
    answer = app_client().client.post("/tillganglighet", data={**REPORT, "webbplats": "https://spam.example"})
    assert answer.status_code == 200 and "Tack!" in answer.text
    assert _cases(staff_services) == []


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"beskrivning": ""}, "Fyll i det här fältet."),
        ({"epost": "inte en adress"}, "ser inte ut som en e-postadress"),
        ({"beskrivning": "x" * 5001}, "Texten är för lång"),
    ],
)
def test_a_bad_report_says_what_is_wrong_and_keeps_the_text(
    app_client: Callable[[], StaffClient], staff_services: Services, change: dict[str, str], message: str
) -> None:
    answer = app_client().client.post("/tillganglighet", data={**REPORT, **change})
    assert answer.status_code == 400
    assert message in answer.text and 'aria-invalid="true"' in answer.text
    assert "Anna Berg" in answer.text
    assert _cases(staff_services) == []


def test_garbage_never_gives_a_server_error(app_client: Callable[[], StaffClient]) -> None:
    client = app_client().client
    bodies: list[dict[str, object]] = [
        {"content": b"\xff\xfe\x00garbage", "headers": {"content-type": "application/x-www-form-urlencoded"}},
        {"content": b"--x\r\nbroken", "headers": {"content-type": "multipart/form-data; boundary=x"}},
        {"data": {f"f{i}": "x" for i in range(100)}},
        {"content": b"a" * 70_000, "headers": {"content-type": "application/x-www-form-urlencoded"}},
        {"files": {"beskrivning": ("a.txt", b"x")}},
    ]
    for body in bodies:
        answer = client.post("/tillganglighet", **body)
        assert 400 <= answer.status_code < 500, (body, answer.status_code)


def test_reports_are_limited_per_client_address(staff_services: Services) -> None:
    from starlette.testclient import TestClient

    app = create_app(staff_services)
    with TestClient(app) as client:
        codes = [client.post("/tillganglighet", data=REPORT).status_code for _ in range(6)]
    assert codes == [200] * 5 + [429]
    assert len(_cases(staff_services)) == 5


def test_the_limiter_forgets_after_its_window() -> None:
    limiter = ReportLimiter(per_address=1, window=0.0)
    assert limiter.allow("a") and limiter.allow("a")
    strict = ReportLimiter(per_address=1, window=3600)
    assert strict.allow("a") and not strict.allow("a") and strict.allow("b")


def test_check_never_raises_on_odd_values() -> None:
    checked = check({"beskrivning": 5, "epost": ["x"], "namn": "a\x00b\rc"})
    assert checked.values["namn"] == "abc"
    assert checked.errors == {"beskrivning": "missing", "epost": "missing"}
    assert checked.report is None


def test_links_point_at_the_organisations_own_statement_when_set(
    services_factory: Callable[..., Services],
) -> None:
    from starlette.testclient import TestClient

    own = "https://regionsormland.se/tillganglighet/kulturkluster"
    svc = services_factory(org={"accessibility_url": own})
    with TestClient(create_app(svc)) as client:
        assert f'href="{own}"' in client.get("/avsluta").text
    plain = services_factory()
    with TestClient(create_app(plain)) as client:
        assert 'href="/tillganglighet"' in client.get("/avsluta").text
