"""Importing subscribers from a CSV file: upload, preview (nothing changed yet), confirm, report."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Dialog, FilePayload, Page, expect

from subscribers import service as subscriber_service
from subscribers.models import Channel, Status
from subscribers.service import Evidence
from tests.browser import demo
from tests.browser.conftest import LiveServer, login, open_section

pytestmark = [pytest.mark.browser, pytest.mark.integration]

NEW = {
    "linnea@norrlyset.example": "Linnea Holm",
    "goran.ek@strangnaskultur.example": "Göran Ek",
    "maria@teatervingen.example": "Maria Lind",
}
ALREADY = "anna.berg@kulturmejl.example"
LEFT = "karin.lund@nykopingsbibliotek.example"
CSV = (
    "email;namn\n"
    "linnea@norrlyset.example;Linnea Holm\n"
    "inte en adress;Nisse\n"  # garbage
    "GORAN.EK@strangnaskultur.example;Göran Ek\n"
    "anna.berg@kulturmejl.example;Anna Berg\n"  # already on the list
    "@@;\n"  # garbage
    "karin.lund@nykopingsbibliotek.example;Karin Lund\n"  # left the list: never reactivated
    "maria@teatervingen.example;Maria Lind\n"
    "linnea@norrlyset.example;Linnea igen\n"  # duplicate in the file
    "<script>alert(1)</script>;Elak\n"  # garbage
)


def statuses(server: LiveServer) -> dict[str, str]:
    with server.services.db.unit_of_work() as session:
        return {s.email.lower(): s.status for s in subscriber_service.iter_subscribers(session)}


def test_import_a_csv_with_good_and_garbage_rows(live_server: LiveServer, page: Page) -> None:
    demo.add_subscribers(live_server, [(ALREADY, "Anna Berg"), (LEFT, "Karin Lund")])
    with live_server.services.db.unit_of_work() as session:
        subscriber_service.unsubscribe(session, LEFT, Evidence(Channel.EMAIL, detail="test"))
    before = statuses(live_server)
    dialogs: list[str] = []

    def on_dialog(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)

    login(page)
    open_section(page, "Prenumeranter")
    page.get_by_role("button", name="Importera CSV").click()  # a link styled (and roled) as a button
    expect(page.get_by_role("heading", level=1)).to_contain_text("Importera")
    file: FilePayload = {"name": "kulturfrukost.csv", "mimeType": "text/csv", "buffer": CSV.encode()}
    page.get_by_label("CSV-fil").set_input_files(file)
    page.get_by_label("Var kommer adresserna ifrån?").fill("Anmälningslista från Kulturfrukost 19 mars")
    page.get_by_role("button", name="Förhandsgranska").click()

    # The preview says what would change, with the rejected rows and why; nothing is written yet.
    expect(page.get_by_role("heading", name="Förhandsgranska import", level=1)).to_be_visible()
    cards = page.locator(".cards article")
    expect(cards.filter(has_text="läggs till")).to_contain_text("3")
    expect(cards.filter(has_text="fanns redan")).to_contain_text("1")
    expect(cards.filter(has_text="hoppas över")).to_contain_text("1")
    expect(cards.filter(has_text="avvisade")).to_contain_text("4")
    rejected = page.locator("table.import-rejected tbody tr")
    expect(rejected).to_have_count(4)
    expect(rejected.filter(has_text="inte en adress")).to_have_count(1)
    expect(rejected.filter(has_text="<script>alert(1)</script>")).to_have_count(1)  # shown as text
    expect(page.locator("table.import-skipped")).to_contain_text(LEFT)
    for email in NEW:
        expect(page.locator("table.import-added")).to_contain_text(email, ignore_case=True)
    assert statuses(live_server) == before

    page.get_by_role("button", name=re.compile(r"^Bekräfta: lägg till 3 adresser")).click()
    expect(page.get_by_role("heading", name="Importen är klar", level=1)).to_be_visible()
    expect(page.locator(".cards article").filter(has_text="tillagda")).to_contain_text("3")
    expect(page.locator("table.import-rejected tbody tr")).to_have_count(4)

    after = statuses(live_server)
    assert {email: after.get(email) for email in NEW} == dict.fromkeys(NEW, Status.ACTIVE)
    assert after[LEFT] == Status.UNSUBSCRIBED
    assert len(after) == len(before) + len(NEW)
    assert dialogs == []
    with live_server.services.db.unit_of_work() as session:
        linnea = subscriber_service.get(session, "linnea@norrlyset.example")
        assert linnea is not None and linnea.name == "Linnea Holm"
