"""Guidance cases from mail, on SQLite and PostgreSQL, with a real SMTP server."""

from __future__ import annotations

import base64
import hashlib
import os
import threading
from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy import delete, func, select

from cases import operations as case_ops
from cases import replies
from cases import search as case_search
from cases import service as case_service
from cases import store as case_store
from cases.models import Case, CaseAttachment, CaseMessage, CaseStatus
from inbound.backfill import backfill_cases
from inbound.classify import Route
from inbound.sources.base import Item
from kulturkluster.db import utcnow
from kulturkluster.wiring import Services
from tests.conftest import mail_bytes, reply_parts
from tests.integration.test_pipeline import answers, make_mail, smtp_settings
from tests.servers.smtp import SmtpServer

Factory = Callable[..., Services]
ACTOR = "gunilla@teater.example"


def run(svc: Services, *raws: bytes) -> list[Route]:
    routes = [o.route for o in svc.pipeline.process([Item(raw=raw, source="test") for raw in raws])]
    svc.flush_outbox()
    return routes


def the_case(svc: Services, reference: str) -> tuple[str, int, str]:
    with svc.db.unit_of_work() as session:
        case = case_store.by_reference(session, reference)
        return case.status, len(case.messages), case.reference


def references(svc: Services) -> list[str]:
    with svc.db.unit_of_work() as session:
        return list(session.scalars(select(Case.reference).order_by(Case.id)))


@pytest.fixture
def svc(services_factory: Factory, smtp: SmtpServer) -> Services:
    return services_factory(smtp=smtp_settings(smtp))


def test_a_conversation_of_several_rounds(svc: Services, smtp: SmtpServer) -> None:
    year = utcnow().year
    assert run(
        svc, make_mail("Hur söker man utvecklingscheckarna?", sender=ACTOR, message_id="q1@teater")
    ) == [Route.NEW_CASE]
    [reference] = references(svc)
    assert reference == f"KK-{year}-0001"
    [receipt] = answers(smtp, ACTOR)
    assert receipt["Subject"] == f"[{reference}] Hur söker man utvecklingscheckarna?"
    assert receipt["Auto-Submitted"] == "auto-replied" and receipt["In-Reply-To"] == "<q1@teater>"
    assert receipt["Message-ID"].startswith("<kka-")

    # Staff answer.
    with svc.db.unit_of_work() as session:
        replies.reply(
            reply_parts(svc),
            svc.outbox,
            session,
            case_ops.find(session, reference),
            "Hej Gunilla!\n\nSå här gör du.",
            "elin",
        )
    svc.flush_outbox()
    staff_reply = answers(smtp, ACTOR)[-1]
    assert staff_reply["Subject"] == f"SV: [{reference}] Hur söker man utvecklingscheckarna?"
    assert staff_reply["In-Reply-To"] == "<q1@teater>"
    assert "<q1@teater>" in staff_reply["References"]
    assert staff_reply["Auto-Submitted"] is None  # a person wrote it
    assert the_case(svc, reference)[:2] == (CaseStatus.WAITING, 2)

    # Outlook rewrites the subject but keeps In-Reply-To: our signed token finds the case.
    outlook = make_mail(
        "SV: Ditt svar",
        sender=ACTOR,
        message_id="q2@teater",
        headers={"In-Reply-To": staff_reply["Message-ID"]},
    )
    assert run(svc, outlook) == [Route.CASE_REPLY]
    # No threading headers at all, but the tag, from a participant.
    assert run(svc, make_mail(f"Re: [{reference}] en sak till", sender=ACTOR, message_id="q3@teater")) == [
        Route.CASE_REPLY
    ]
    assert the_case(svc, reference)[1] == 4
    # A stranger using the tag gets a case of their own.
    assert run(
        svc, make_mail(f"[{reference}] hej", sender="stranger@else.example", message_id="s1@else")
    ) == [Route.NEW_CASE]
    assert references(svc) == [reference, f"KK-{year}-0002"]
    # An out-of-office reply to the staff answer neither joins nor opens a case, and gets no answer.
    ooo = make_mail(
        "Automatiskt svar: SV: Hur söker man",
        sender=ACTOR,
        message_id="ooo@teater",
        headers={"Auto-Submitted": "auto-replied", "In-Reply-To": staff_reply["Message-ID"]},
    )
    sent_before = len(smtp.handler.received)
    assert run(svc, ooo) == [Route.AUTO_REPLY]
    assert the_case(svc, reference)[1] == 4 and len(references(svc)) == 2
    assert len(smtp.handler.received) == sent_before
    # Only one receipt per case: the replies got none.
    assert sum(1 for m in answers(smtp, ACTOR) if m["Subject"].startswith("[KK-")) == 1


def test_closed_cases_reopen_or_are_followed(svc: Services) -> None:
    run(svc, make_mail("Fråga om lokal", sender=ACTOR, message_id="a1@teater"))
    [reference] = references(svc)
    with svc.db.unit_of_work() as session:
        replies.reply(
            reply_parts(svc),
            svc.outbox,
            session,
            case_ops.find(session, reference),
            "Svar",
            "elin",
            close=True,
        )
    assert the_case(svc, reference)[0] == CaseStatus.CLOSED
    run(svc, make_mail(f"Re: [{reference}] Tack, en följdfråga", sender=ACTOR, message_id="a2@teater"))
    assert the_case(svc, reference)[0] == CaseStatus.IN_PROGRESS  # reopened
    with svc.db.unit_of_work() as session:
        case = case_ops.find(session, reference)
        case.status, case.closed_at = CaseStatus.CLOSED, utcnow() - timedelta(days=60)
    assert run(svc, make_mail(f"Re: [{reference}] Nu igen", sender=ACTOR, message_id="a3@teater")) == [
        Route.NEW_CASE
    ]
    with svc.db.unit_of_work() as session:
        old, new = session.scalars(select(Case).order_by(Case.id)).all()
        assert new.follows_case_id == old.id and old.status == CaseStatus.CLOSED


def test_html_is_sanitised_and_attachments_are_kept(svc: Services) -> None:
    html = (
        '<p onclick="steal()">Hej<script>alert(1)</script><img src="https://track.example/pixel.gif">'
        '<a href="javascript:alert(2)">klick</a><div style="position:fixed;inset:0">över allt</div></p>'
    )
    pdf = base64.b64encode(b"%PDF-1.4 budget").decode()
    raw = (
        f"From: {ACTOR}\r\nSubject: HTML\r\nMessage-ID: <h1@teater>\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n"
        f"--b\r\nContent-Type: text/html; charset=utf-8\r\n\r\n{html}\r\n"
        "--b\r\nContent-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n"
        "Content-Disposition: attachment; filename*=utf-8''Budget%20f%C3%B6r%20Kulturfrukost%20%C3%85r%202027.pdf\r\n\r\n"
        f"{pdf}\r\n--b--\r\n"
    ).encode()
    run(svc, raw)
    with svc.db.unit_of_work() as session:
        message = session.scalars(select(CaseMessage)).one()
        assert message.html is not None
        for bad in ("script", "onclick", "javascript:", "track.example", "style="):
            assert bad not in message.html
        [attachment] = message.attachments
        assert attachment.filename == "Budget för Kulturfrukost År 2027.pdf"
        assert attachment.sha256 and svc.attachments.get(attachment.sha256).startswith(b"%PDF")


@pytest.mark.slow
def test_a_20_mb_attachment(svc: Services) -> None:
    data = os.urandom(20 * 1024 * 1024)
    encoded = base64.encodebytes(data).replace(b"\n", b"\r\n")
    raw = (
        (
            f"From: {ACTOR}\r\nSubject: Stor fil\r\nMessage-ID: <big@teater>\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n"
            "--b\r\nContent-Type: text/plain\r\n\r\nSe bilagan.\r\n--b\r\nContent-Type: video/mp4\r\n"
            "Content-Disposition: attachment; filename=film.mp4\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        ).encode()
        + encoded
        + b"--b--\r\n"
    )
    assert run(svc, raw) == [Route.NEW_CASE]
    with svc.db.unit_of_work() as session:
        attachment = session.scalars(select(CaseAttachment)).one()
        assert attachment.size == len(data)
        assert attachment.sha256 == hashlib.sha256(data).hexdigest()
    assert svc.attachments.get(attachment.sha256) == data


def test_attachments_over_the_limit_are_listed_but_not_kept(
    services_factory: Factory, smtp: SmtpServer
) -> None:
    svc = services_factory(smtp=smtp_settings(smtp), cases={"max_attachment_bytes": 10})
    run(svc, mail_bytes("new_case__attachment_rfc2231.eml"))
    with svc.db.unit_of_work() as session:
        attachment = session.scalars(select(CaseAttachment)).one()
        assert attachment.sha256 is None and attachment.size == 52


def test_no_receipt_to_no_reply_addresses(svc: Services, smtp: SmtpServer) -> None:
    run(svc, make_mail("Din faktura", sender="no-reply@system.example"))
    assert len(references(svc)) == 1 and smtp.handler.received == []


def test_references_are_unique_under_concurrent_workers(svc: Services) -> None:
    errors: list[BaseException] = []

    def open_cases(worker: int) -> None:
        try:
            for n in range(10):
                svc.pipeline.process(
                    [
                        Item(
                            make_mail(
                                "Fråga", sender=f"w{worker}n{n}@example.se", message_id=f"{worker}.{n}@x"
                            ),
                            "t",
                        )
                    ]
                )
        except BaseException as exc:  # reported below, in the test thread
            errors.append(exc)

    threads = [threading.Thread(target=open_cases, args=(w,)) for w in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    refs = references(svc)
    assert len(refs) == len(set(refs)) == 30
    assert sorted(int(r.rsplit("-", 1)[1]) for r in refs) == list(range(1, 31))


def test_mail_filed_before_the_case_store_gets_its_case(svc: Services, smtp: SmtpServer) -> None:
    run(svc, make_mail("Gammal fråga", sender=ACTOR))
    smtp.reset()
    with svc.db.unit_of_work() as session:  # as if it had been handled before cases existed
        session.execute(delete(CaseMessage))
        session.execute(delete(Case))
    assert backfill_cases(svc.pipeline) == 1
    assert backfill_cases(svc.pipeline) == 0
    with svc.db.unit_of_work() as session:
        assert session.scalar(select(func.count()).select_from(Case)) == 1
    svc.flush_outbox()
    assert smtp.handler.received == []  # no late receipts


def test_merge(svc: Services) -> None:
    run(
        svc,
        make_mail("Fråga 1", sender=ACTOR, message_id="m1@t"),
        make_mail("Fråga 1 igen", sender=ACTOR, message_id="m2@t"),
    )
    first, second = references(svc)
    with svc.db.unit_of_work() as session:
        case_ops.merge(session, case_ops.find(session, second), case_ops.find(session, first))
    assert the_case(svc, first)[1] == 2
    assert the_case(svc, second)[2] == first  # the old reference leads to the case that kept everything


def test_search_finds_swedish_word_forms(svc: Services) -> None:
    run(
        svc,
        make_mail(
            "Om bidragen till scenkonst", sender="a@x.se", message_id="s1@x", body="Hur söker vi bidragen?"
        ),
        make_mail(
            "Kulturfrukost i Nyköping", sender="b@x.se", message_id="s2@x", body="När är nästa kulturfrukost?"
        ),
        make_mail("Lokal", sender="c@x.se", message_id="s3@x", body="Vi behöver en repetitionslokal."),
    )
    lokal = references(svc)[2]
    with svc.db.unit_of_work() as session:

        def subjects(query: str) -> list[str]:
            return [c.subject for c in case_search.search(session, query)]

        assert subjects("bidrag") == ["Om bidragen till scenkonst"]
        assert subjects("kulturfrukosten") == ["Kulturfrukost i Nyköping"]
        assert subjects("bidrag kulturfrukost") == []  # every word must match
        assert subjects("söka") == subjects("söker") == ["Om bidragen till scenkonst"]
        assert subjects("!!!") == [] and subjects("saknas") == []
        case = case_ops.find(session, lokal)
        case_service.add_note(session, case, "Tipsade om Kulturhuset", "elin")
    with svc.db.unit_of_work() as session:
        assert [c.subject for c in case_search.search(session, "kulturhuset")] == ["Lokal"]


def test_a_reply_to_a_message_earlier_in_the_same_batch_joins_its_case(svc: Services) -> None:
    question = make_mail("Fråga om lokal", sender=ACTOR, message_id="b1@teater")
    reply = make_mail(
        "Re: Fråga om lokal", sender=ACTOR, message_id="b2@teater", headers={"In-Reply-To": "<b1@teater>"}
    )
    assert run(svc, question, reply) == [Route.NEW_CASE, Route.CASE_REPLY]
    [reference] = references(svc)
    assert the_case(svc, reference)[1] == 2


def test_a_reply_to_a_sibling_whose_handling_failed_opens_its_own_case(
    svc: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = case_service.add_inbound

    def failing(session: object, case: Case, inbound: case_service.InboundMail, files: object) -> object:
        if inbound.message_id == "f1@teater":
            raise RuntimeError("disk full")
        return original(session, case, inbound, files)  # type: ignore[arg-type]

    monkeypatch.setattr(case_service, "add_inbound", failing)
    question = make_mail("Fråga", sender=ACTOR, message_id="f1@teater")
    reply = make_mail(
        "Re: Fråga", sender=ACTOR, message_id="f2@teater", headers={"In-Reply-To": "<f1@teater>"}
    )
    assert run(svc, question, reply) == [Route.QUARANTINE, Route.CASE_REPLY]
    [reference] = references(svc)
    assert the_case(svc, reference)[1] == 1


def test_a_bare_reference_threads_for_participants_only(svc: Services) -> None:
    run(svc, make_mail("Fråga om bidrag", sender=ACTOR, message_id="b1@teater"))
    [reference] = references(svc)
    year, number = reference.split("-")[1], int(reference.split("-")[2])
    # Written without brackets, and without the leading zeros, by someone in the case: it threads.
    assert run(svc, make_mail(f"Ang. {reference}", sender=ACTOR, message_id="b2@teater")) == [
        Route.CASE_REPLY
    ]
    assert run(svc, make_mail(f"Ärende kk-{year}-{number} igen", sender=ACTOR, message_id="b3@teater")) == [
        Route.CASE_REPLY
    ]
    assert the_case(svc, reference)[1] == 3
    # From a stranger it opens a case of its own.
    assert run(svc, make_mail(f"Ang. {reference}", sender="stranger@else.example", message_id="b4@else")) == [
        Route.NEW_CASE
    ]
    assert len(references(svc)) == 2
