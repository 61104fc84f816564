"""``kulturkluster cases``: the guidance cases staff work."""

from __future__ import annotations

import getpass
import mimetypes
from pathlib import Path
from typing import Annotated

import typer

from cases import by_hand, canned, replies
from cases import follow_up as case_follow_up
from cases import operations as case_ops
from cases import search as case_search
from cases import service as case_service
from cases import store as case_store
from cases.models import Case, CaseMessage
from cases.subscription import mark_subscription
from kulturkluster.errors import ErrorKind, KulturklusterError
from kulturkluster.texts import t
from mailer.mime import FilePart

from . import templates_cmd
from .context import services
from .output import Format, console, emit

app = typer.Typer(help="Guidance cases (ärenden).", no_args_is_help=True)
app.add_typer(templates_cmd.app, name="templates")

LIST_COLUMNS = (
    "reference",
    "status",
    "channel",
    "focus_area",
    "actor_type",
    "assignee",
    "requester",
    "subject",
    "messages",
)
Author = Annotated[str, typer.Option(help="Who does this (stored with the message); default: your login.")]
_ME = getpass.getuser()


def _iso(value: object) -> str | None:
    return value.isoformat() if hasattr(value, "isoformat") else None


def _summary(case: Case, messages: int) -> dict[str, object]:
    return {
        "reference": case.reference,
        "status": case.status,
        "channel": case.channel,
        "focus_area": case.focus_area,
        "actor_type": case.actor_type,
        "assignee": case.assignee,
        "tags": [tag.tag for tag in case.tags],
        "requester": case.contact.email,
        "requester_name": case.contact.name,
        "organisation": case.contact.organisation,
        "municipality": case.contact.municipality,
        "phone": case.contact.phone,
        "subject": case.subject,
        "messages": messages,
        "received_at": _iso(case.received_at),
        "first_response_at": _iso(case.first_response_at),
        "closed_at": _iso(case.closed_at),
        "follow_up_on": _iso(case.follow_up_on),
    }


def _labelled(rows: list[dict[str, object]], fmt: Format) -> list[dict[str, object]]:
    """People read the table: channels by their Swedish names (JSON and CSV keep the values)."""
    if fmt is not Format.TABLE:
        return rows
    return [row | {"channel": by_hand.channel_label(str(row["channel"]))} for row in rows]


def _message(message: CaseMessage) -> dict[str, object]:
    return {
        "direction": message.direction,
        "at": _iso(message.created_at),
        "from": message.from_address,
        "author": message.author,
        "subject": message.subject,
        "text": message.text,
        "inbound_id": message.inbound_message_id,  # `inbound show ID --raw` prints the mail as received
        "attachments": [
            {
                "filename": a.filename,
                "content_type": a.content_type,
                "size": a.size,
                "kept": a.sha256 is not None,
            }
            for a in message.attachments
        ],
    }


@app.command("list")
def list_(
    status: Annotated[str | None, typer.Option(help="ny, pågående, väntar or avslutad.")] = None,
    focus: Annotated[str | None, typer.Option(help="stöd, kunskap or kontakt.")] = None,
    actor_type: Annotated[str | None, typer.Option(help="företagare, förening, ...")] = None,
    assignee: Annotated[str | None, typer.Option()] = None,
    tag: Annotated[str | None, typer.Option()] = None,
    limit: Annotated[int, typer.Option(help="Newest first, at most this many.")] = 200,
    fmt: Annotated[Format, typer.Option("--format", help="json, table or csv.")] = Format.TABLE,
) -> None:
    """List cases, newest first."""
    with services() as svc, svc.db.unit_of_work() as session:
        query = case_store.list_query(
            status=status, focus=focus, actor_type=actor_type, assignee=assignee, tag=tag
        )
        found = list(session.scalars(query.limit(limit)))
        counts = case_store.message_counts(session, [c.id for c in found])
        rows = [_summary(case, counts.get(case.id, 0)) for case in found]
    emit(_labelled(rows, fmt), fmt, LIST_COLUMNS, title="Ärenden")


@app.command("search")
def search_(
    query: Annotated[str, typer.Argument(help="Words to find; Swedish word forms match (bidrag: bidragen).")],
    limit: Annotated[int, typer.Option()] = 50,
    fmt: Annotated[Format, typer.Option("--format", help="json, table or csv.")] = Format.TABLE,
) -> None:
    """Full-text search in every case's messages and notes."""
    with services() as svc, svc.db.unit_of_work() as session:
        found = case_search.search(session, query, limit)
        counts = case_store.message_counts(session, [c.id for c in found])
        rows = [_summary(case, counts.get(case.id, 0)) for case in found]
    emit(_labelled(rows, fmt), fmt, LIST_COLUMNS, title=f"Sökning: {query}")


@app.command()
def show(
    reference: Annotated[str, typer.Argument(help="KK-2026-0042")],
    fmt: Annotated[Format, typer.Option("--format", help="json or text.")] = Format.TEXT,
) -> None:
    """One case with its whole thread."""
    with services() as svc, svc.db.unit_of_work() as session:
        case = case_ops.find(session, reference)
        messages = [_message(m) for m in case.messages]
        data = _summary(case, sum(1 for m in messages if m["direction"] != "note")) | {"thread": messages}
    if fmt is Format.JSON:
        emit([data], Format.JSON, ())
        return
    console.print(f"[bold]{data['reference']}[/] {data['subject']}  ({data['status']})")
    address = data["requester"] or t("intake.no_address")
    phone = f"  Telefon: {data['phone']}" if data["phone"] else ""
    console.print(f"Från: {data['requester_name']} <{address}>{phone}  Inkom: {data['received_at']}")
    console.print(f"Kanal: {by_hand.channel_label(str(data['channel']))}")
    for message in messages:
        who = message["from"] or message["author"] or ""
        console.rule(f"{message['direction']} · {message['at']} · {who}")
        console.print(str(message["text"]), markup=False, highlight=False)
        for attachment in message["attachments"]:  # type: ignore[attr-defined]
            console.print(f"📎 {attachment['filename']} ({attachment['size']} byte)")


class ReplyInputMissing(KulturklusterError):
    """``cases reply`` was given no text (or two), or a file it cannot read."""

    kind = ErrorKind.INVALID


def _read(path: Path) -> bytes:
    try:
        return typer.get_binary_stream("stdin").read() if str(path) == "-" else path.read_bytes()
    except OSError as exc:
        raise ReplyInputMissing(t("answering.file_missing", path=path)) from exc


@app.command()
def create(
    requester: Annotated[
        str, typer.Option(help='"Name <address>", an address, or only a name (a phone call).')
    ],
    channel: Annotated[str, typer.Option(help="telefon, besok, mote, evenemang or epost.")],
    subject: Annotated[str, typer.Option(help="The case's subject.")],
    body_file: Annotated[
        Path, typer.Option("--body-file", help="What was asked or given (UTF-8); - for stdin.")
    ],
    at: Annotated[
        str, typer.Option(help='When it happened, Swedish time: "2026-11-28 14:30"; default now.')
    ] = "",
    organisation: Annotated[str, typer.Option(help="The requester's organisation.")] = "",
    phone: Annotated[str, typer.Option(help="The requester's phone number.")] = "",
    focus: Annotated[str, typer.Option(help="stöd, kunskap or kontakt.")] = "",
    actor_type: Annotated[str, typer.Option(help="företagare, förening, professionell, ...")] = "",
    municipality: Annotated[str, typer.Option(help="The requester's municipality.")] = "",
    author: Author = _ME,
) -> None:
    """Record guidance given by phone, at a visit, a meeting or an event as a case (no receipt is sent)."""
    body = typer.get_text_stream("stdin").read() if str(body_file) == "-" else body_file.read_text("utf-8")
    spec = by_hand.HandCase(
        requester=requester,
        channel=channel,
        subject=subject,
        body=body,
        at=at,
        organisation=organisation,
        phone=phone,
        focus=focus,
        actor_type=actor_type,
        municipality=municipality,
    )
    with services() as svc, svc.db.unit_of_work() as session:
        reference = by_hand.create(session, spec, author).reference
    console.print(t("intake.created", reference=reference))


@app.command()
def reply(
    reference: Annotated[str, typer.Argument()],
    body_file: Annotated[
        Path | None, typer.Option("--body-file", help="The reply's text (UTF-8); - for stdin.")
    ] = None,
    template: Annotated[
        str | None, typer.Option("--template", help="Start from this canned answer (`cases templates list`).")
    ] = None,
    attach: Annotated[
        list[Path] | None, typer.Option("--attach", help="A file to send with the reply (repeat the option).")
    ] = None,
    no_quote: Annotated[
        bool, typer.Option("--no-quote", help="Do not quote the requester's last message below the reply.")
    ] = False,
    close: Annotated[bool, typer.Option("--close", help="Close the case with this reply.")] = False,
    author: Author = _ME,
) -> None:
    """Answer the requester: a threaded mail from the shared address with the case tag in the subject.

    The author's signature (their account's) is added below the text, and the requester's last message
    is quoted below that; an unassigned case becomes the author's.
    """
    if (body_file is None) == (template is None):
        raise ReplyInputMissing(t("answering.cli_body_or_template"))
    files = [
        FilePart(path.name, mimetypes.guess_type(path.name)[0] or "", _read(path)) for path in attach or []
    ]
    with services() as svc, svc.db.unit_of_work() as session:  # the reply leaves after the commit
        case = case_ops.find(session, reference)
        who = replies.author_of(session, author)
        if template is not None:
            body = canned.fill(canned.by_name(session, template).body, canned.values_for(case, who.name))
        else:
            body = _read(body_file).decode("utf-8", "replace") if body_file is not None else ""
        replies.reply(
            svc.reply_parts,
            svc.outbox,
            session,
            case,
            body,
            who,
            close=close,
            quote=not no_quote,
            files=files,
        )
        ref = case.reference
    console.print(t("cli.case_replied", reference=ref))


@app.command()
def note(
    reference: Annotated[str, typer.Argument()],
    body_file: Annotated[Path, typer.Option("--body-file", help="The note's text (UTF-8).")],
    author: Author = _ME,
) -> None:
    """Add an internal note (never sent)."""
    with services() as svc, svc.db.unit_of_work() as session:
        case = case_ops.find(session, reference)
        case_service.add_note(session, case, body_file.read_text("utf-8"), author)
        console.print(t("cli.case_noted", reference=case.reference))


@app.command("set")
def set_(
    reference: Annotated[str, typer.Argument()],
    status: Annotated[str | None, typer.Option(help="ny, pågående, väntar or avslutad.")] = None,
    focus: Annotated[str | None, typer.Option(help="stöd, kunskap, kontakt; empty clears.")] = None,
    actor_type: Annotated[str | None, typer.Option(help="företagare, förening, professionell, ...")] = None,
    assignee: Annotated[str | None, typer.Option(help="Who works the case; empty clears.")] = None,
    tag: Annotated[
        list[str] | None, typer.Option(help="Tags (repeat the option); replaces the tags.")
    ] = None,
    organisation: Annotated[str | None, typer.Option(help="The requester's organisation.")] = None,
    municipality: Annotated[str | None, typer.Option(help="The requester's municipality.")] = None,
    follow_up_on: Annotated[
        str | None, typer.Option("--follow-up", help="Follow-up day YYYY-MM-DD (Stockholm); empty clears.")
    ] = None,
) -> None:
    """Change a case's status, focus area, actor type, assignee, tags, follow-up day, or its requester's
    details."""
    day = case_follow_up.parse_day(follow_up_on) if follow_up_on is not None else None
    with services() as svc, svc.db.unit_of_work() as session:
        case = case_ops.find(session, reference)
        if follow_up_on is not None:
            case_follow_up.set_follow_up(case, day)
        case_service.set_fields(
            case,
            status=status,
            focus=focus,
            actor_type=actor_type,
            assignee=assignee,
            tags=tag,
            organisation=organisation,
            municipality=municipality,
        )
        console.print(t("cli.case_updated", reference=case.reference))


@app.command()
def merge(
    reference: Annotated[str, typer.Argument(help="The case to merge away.")],
    into: Annotated[str, typer.Argument(help="The case that keeps everything.")],
) -> None:
    """Merge one case into another (e.g. the same question sent twice)."""
    with services() as svc, svc.db.unit_of_work() as session:
        source, target = case_ops.find(session, reference), case_ops.find(session, into)
        case_ops.merge(session, source, target)
        console.print(t("cli.case_merged", source=source.reference, target=target.reference))


@app.command()
def subscription(
    reference: Annotated[str, typer.Argument()],
    author: Author = _ME,
) -> None:
    """The case was really a newsletter sign-up: subscribe the sender (staff evidence) and close it.

    Such cases are tagged "prenumeration" and left out of the case reports.
    """
    with services() as svc, svc.db.unit_of_work() as session:  # an answer leaves after the commit
        case = case_ops.find(session, reference)
        policy = svc.settings.subscribe.confirm
        outcome = mark_subscription(session, case, author, policy=policy, answers=svc.system_mailer)
        ref, address = case.reference, case.contact.email
    console.print(t(f"cases.subscription_{outcome.value}", reference=ref, address=address))
