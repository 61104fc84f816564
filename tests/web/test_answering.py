"""Answering well in the staff app: canned answers (svarsmallar), the signature, files, the quote, the first
reply assigning the case and the receipt in the thread; over HTTP with a real SMTP server, on both databases."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from email.message import Message

import pytest
from sqlalchemy import select, update

from cases import operations as case_ops
from cases.models import CaseAttachment, ReplyTemplate
from kulturkluster import accounts
from kulturkluster.accounts import Role, StaffUser
from kulturkluster.wiring import Services
from tests.integration.test_pipeline import answers, smtp_settings
from tests.servers.smtp import SmtpServer
from tests.web.test_cases import ACTOR, question

from .conftest import ADMIN, PASSWORD, STAFF, StaffClient

pytestmark = pytest.mark.integration


@pytest.fixture
def staff_services(services_factory: Callable[..., Services], smtp: SmtpServer) -> Services:
    """The conftest's accounts, on services whose mail goes to the aiosmtpd server."""
    svc = services_factory(public_url="https://post.kk.test", smtp=smtp_settings(smtp))
    with svc.db.unit_of_work() as session:
        accounts.add(session, ADMIN, PASSWORD, role=Role.ADMIN, name="Ada Admin", email="ada@kk.test")
        accounts.add(session, STAFF, PASSWORD, role=Role.STAFF, name="Sam Staff", email="sam@kk.test")
    return svc


GREETING = "Hej {förnamn}!\n\nTack för din fråga i ärende {ärende}.\n\nVänliga hälsningar\n{handläggare}"


def add_template(client: StaffClient, name: str = "Tack för frågan", body: str = GREETING) -> int:
    response = client.post("/app/svarsmallar", {"name": name, "body": body})
    assert response.status_code == 303, response.text
    page = client.get("/app/svarsmallar").text
    found = re.search(rf'href="/app/svarsmallar/(\d+)"><strong>{re.escape(name)}<', page)
    assert found is not None and f"Svarsmallen ”{name}” är sparad." in page
    return int(found.group(1))


def parts_of(mail: Message) -> tuple[str, str, list[tuple[str | None, bytes]]]:
    """The text, the HTML and the attached files (name, bytes) of a sent mail."""
    text = html_part = ""
    files: list[tuple[str | None, bytes]] = []
    for part in mail.walk():
        payload = part.get_payload(decode=True)
        if part.get_content_disposition() == "attachment":
            files.append((part.get_filename(), payload))  # type: ignore[arg-type]
        elif part.get_content_type() == "text/plain":
            text = payload.decode().replace("\r\n", "\n")  # type: ignore[union-attr]
        elif part.get_content_type() == "text/html":
            html_part = payload.decode().replace("\r\n", "\n")  # type: ignore[union-attr]
    return text, html_part, files


def set_signature(svc: Services, username: str, signature: str) -> None:
    """As the "Mitt konto" page stores it."""
    with svc.db.unit_of_work() as session:
        session.execute(update(StaffUser).where(StaffUser.username == username).values(signature=signature))


# -- svarsmallar -------------------------------------------------------------------------------------------


def test_templates_are_listed_added_edited_and_removed(staff_services: Services, staff: StaffClient) -> None:
    page = staff.get("/app/svarsmallar")
    assert page.status_code == 200 and "Det finns inga svarsmallar" in page.text
    assert "{förnamn}" in page.text and "{ärende}" in page.text and "{handläggare}" in page.text  # documented
    template_id = add_template(staff)
    listed = staff.get("/app/svarsmallar").text
    assert "Tack för frågan" in listed and "Sam Staff" in listed

    edit = staff.get(f"/app/svarsmallar/{template_id}")
    assert edit.status_code == 200 and html.escape("Tack för din fråga") in edit.text
    saved = staff.post(f"/app/svarsmallar/{template_id}", {"name": "Tack", "body": "Hej {förnamn}!"})
    assert saved.status_code == 303
    with staff_services.db.unit_of_work() as session:
        stored = session.get(ReplyTemplate, template_id)
        assert stored is not None and (stored.name, stored.body) == ("Tack", "Hej {förnamn}!")

    removed = staff.post(f"/app/svarsmallar/{template_id}/ta-bort")
    assert removed.status_code == 303 and "är borttagen" in staff.get("/app/svarsmallar").text
    with staff_services.db.unit_of_work() as session:
        assert session.scalars(select(ReplyTemplate)).all() == []


def test_templates_refuse_bad_input_in_swedish_and_keep_what_was_typed(
    staff_services: Services, staff: StaffClient
) -> None:
    unknown = staff.post("/app/svarsmallar", {"name": "Fel", "body": "Hej {namn}, {0.__class__}"})
    assert unknown.status_code == 422
    assert "okända platshållaren {namn}" in unknown.text and "{förnamn}" in unknown.text
    assert "Hej {namn}, {0.__class__}" in unknown.text  # the typed text is still there
    assert "Ge mallen ett namn" in staff.post("/app/svarsmallar", {"name": " ", "body": "x"}).text
    assert "Skriv mallens text" in staff.post("/app/svarsmallar", {"name": "Tom", "body": "  "}).text
    add_template(staff, "Tack")
    duplicate = staff.post("/app/svarsmallar", {"name": "tack", "body": "Hej"})
    assert duplicate.status_code == 422 and "finns redan en svarsmall" in duplicate.text
    # Without the CSRF token nothing is stored.
    forged = staff.client.post(
        "/app/svarsmallar", data={"name": "Falsk", "body": "x"}, follow_redirects=False
    )
    assert forged.status_code == 403
    with staff_services.db.unit_of_work() as session:
        assert session.scalars(select(ReplyTemplate.name)).all() == ["Tack"]
    # Templates that do not exist: a 404 page, never a 500.
    assert staff.get("/app/svarsmallar/999999").status_code == 404
    assert staff.get("/app/svarsmallar/99999999999").status_code == 404
    assert staff.post("/app/svarsmallar/999999", {"name": "x", "body": "y"}).status_code == 303
    assert staff.post("/app/svarsmallar/999999/ta-bort").status_code == 303


def test_the_reply_form_starts_from_a_template(staff_services: Services, staff: StaffClient) -> None:
    ref = question(staff_services, "Ansökan om checken")
    template_id = add_template(staff)
    page = staff.get(f"/app/arenden/{ref}")
    assert f'<option value="{template_id}">Tack för frågan</option>' in page.text
    filled = staff.get(f"/app/arenden/{ref}?mall={template_id}")
    assert filled.status_code == 200
    textarea = re.search(r'<textarea id="reply-body"[^>]*>([^<]*)</textarea>', filled.text, re.S)
    assert textarea is not None
    assert html.unescape(textarea.group(1)) == (
        f"Hej Anna!\n\nTack för din fråga i ärende {ref}.\n\nVänliga hälsningar\nSam Staff"
    )
    for bogus in ("999999", "abc", "1e9", "-1", "99999999999999", "²", "١"):
        missing = staff.get(f"/app/arenden/{ref}?mall={bogus}")
        assert missing.status_code == 404 and "Det finns ingen svarsmall" in missing.text


# -- the reply ---------------------------------------------------------------------------------------------


def test_a_reply_with_files_signature_and_quote(
    staff_services: Services, staff: StaffClient, smtp: SmtpServer
) -> None:
    ref = question(staff_services, "Blanketter", body="Var finns blanketten?\nOch riktlinjerna?")
    set_signature(staff_services, STAFF, "Sam Staff\nProcessledare, Kulturkluster Sörmland")
    with staff_services.db.unit_of_work() as session:
        assert case_ops.find(session, ref).assignee is None
    pdf, guide = b"%PDF-1.7 ansokan\x00\xff", "Riktlinjer för stöd\n".encode()
    response = staff.post(
        f"/app/arenden/{ref}/svar",
        {"body": "Hej Anna!\n\nHär kommer båda.", "quote": "1"},
        files=[
            ("attachments", ("Ansökan 2027 – blankett.pdf", pdf, "application/pdf")),
            ("attachments", ("riktlinjer.txt", guide, "text/plain")),
        ],
    )
    assert response.status_code == 303
    mail = answers(smtp, ACTOR)[-1]
    assert mail.get_content_type() == "multipart/mixed"
    text, html_part, files = parts_of(mail)
    assert files == [("Ansökan 2027 – blankett.pdf", pdf), ("riktlinjer.txt", guide)]
    assert "filename*=utf-8''Ans%C3%B6kan" in mail.as_string()  # RFC 2231
    body, _, footer = text.partition("> Var finns blanketten?")
    assert "Här kommer båda." in body and "Processledare, Kulturkluster Sörmland" in body
    assert body.index("Här kommer båda.") < body.index("Processledare") < body.index("skrev Anna Andersson")
    assert re.search(rf"Den \d+ \w+ 20\d\d kl\. \d\d:\d\d skrev Anna Andersson <{ACTOR}>:\n$", body)
    assert footer.startswith("\n> Och riktlinjerna?\n")
    assert "<blockquote" in html_part and "Var finns blanketten?" in html_part
    assert "KKQUOTE" not in html_part + text

    with staff_services.db.unit_of_work() as session:
        case = case_ops.find(session, ref)
        assert case.assignee == STAFF  # the first reply took the unassigned case
        [out] = [m for m in case.messages if m.direction == "out"]
        assert [(a.filename, a.size) for a in out.attachments] == [
            ("Ansökan 2027 – blankett.pdf", len(pdf)),
            ("riktlinjer.txt", len(guide)),
        ]
        attachment_id = out.attachments[0].id
    page = staff.get(f"/app/arenden/{ref}").text
    url = f"/app/arenden/{ref}/bilaga/{attachment_id}"
    assert f'href="{url}"' in page
    assert staff.get(url).content == pdf


def test_no_quote_when_unticked_and_an_assigned_case_stays_assigned(
    staff_services: Services, staff: StaffClient, smtp: SmtpServer
) -> None:
    ref = question(staff_services, "Lokal", body="Finns det en lokal?")
    with staff_services.db.unit_of_work() as session:
        case_ops.find(session, ref).assignee = "ada"
    assert staff.post(f"/app/arenden/{ref}/svar", {"body": "Ja."}).status_code == 303
    mail = answers(smtp, ACTOR)[-1]
    text, html_part, files = parts_of(mail)
    assert mail.get_content_type() == "multipart/alternative" and files == []
    assert "Finns det en lokal?" not in text and "<blockquote" not in html_part
    with staff_services.db.unit_of_work() as session:
        assert case_ops.find(session, ref).assignee == "ada"


def test_files_over_the_limit_are_refused_in_swedish(
    staff_services: Services, staff: StaffClient, smtp: SmtpServer
) -> None:
    staff_services.settings.cases.max_reply_attachment_bytes = 1000
    ref = question(staff_services, "Stor fil")
    before = len(answers(smtp, ACTOR))
    response = staff.post(
        f"/app/arenden/{ref}/svar",
        {"body": "Här är filerna.", "quote": "1"},
        files=[
            ("attachments", ("a.bin", b"x" * 600, "application/octet-stream")),
            ("attachments", ("b.bin", b"y" * 600, "application/octet-stream")),
        ],
    )
    assert response.status_code == 303
    page = staff.get(f"/app/arenden/{ref}").text
    assert "Bilagorna är för stora: 1 kB tillsammans. Ett svar kan ha högst 1000 byte" in page
    assert len(answers(smtp, ACTOR)) == before
    with staff_services.db.unit_of_work() as session:
        assert [m.direction for m in case_ops.find(session, ref).messages] == ["in"]
        assert session.scalars(select(CaseAttachment)).all() == []


def test_the_preview_shows_the_signature_and_the_quote(staff_services: Services, staff: StaffClient) -> None:
    ref = question(staff_services, "Förhandsvisning", body="Min fråga.")
    set_signature(staff_services, STAFF, "Sam på Kulturklustret")
    quoted = staff.htmx_post(f"/app/arenden/{ref}/forhandsgranska", {"body": "Svar.", "quote": "1"}).text
    assert "Sam på Kulturklustret" in quoted and "&gt; Min fråga." in quoted
    plain = staff.htmx_post(f"/app/arenden/{ref}/forhandsgranska", {"body": "Svar."}).text
    assert "Sam på Kulturklustret" in plain and "Min fråga." not in plain


def test_the_receipt_is_in_the_thread_but_is_no_response(
    staff_services: Services, staff: StaffClient
) -> None:
    ref = question(staff_services, "Kvitto", body="En fråga.")
    page = staff.get(f"/app/arenden/{ref}").text
    assert "Automatisk mottagningsbekräftelse" in page and f"till {ACTOR}" in page
    assert page.index("Inkommande mejl") < page.index("Automatisk mottagningsbekräftelse")
    assert ref in page.split("Automatisk mottagningsbekräftelse", 1)[1]  # its text names the reference
    with staff_services.db.unit_of_work() as session:
        case = case_ops.find(session, ref)
        assert case.first_response_at is None and case.assignee is None
        assert [m.direction for m in case.messages] == ["in"]
