"""``kulturkluster newsletter``: compose, preview, test, check and send the newsletter."""

from __future__ import annotations

import getpass
import sys
from pathlib import Path
from typing import Annotated

import typer

from kulturkluster.errors import KulturklusterError
from kulturkluster.texts import t
from mailer import campaigns, proofing
from mailer.campaign_models import Newsletter
from mailer.check import CheckReport
from mailer.newsletter_render import available_templates
from mailer.progress import progress

from . import image_cmd
from .context import services
from .output import Format, console, emit

app = typer.Typer(help="Newsletters: compose, preview, test, check, send.", no_args_is_help=True)
app.add_typer(image_cmd.app, name="image")
_ME = getpass.getuser()
Id = Annotated[int, typer.Argument(help="The newsletter's id (`newsletter list`).")]
STATUS_COLUMNS = (
    "id",
    "status",
    "subject",
    "total",
    "sent",
    "failed",
    "skipped",
    "remaining",
    "estimated_finish",
)


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise KulturklusterError(t("newsletter.content_unreadable", path=path, error=exc)) from exc


@app.command()
def create(
    content: Annotated[Path, typer.Option("--content", help="Markdown file with front matter.")],
    template: Annotated[str, typer.Option(help="A template in templates/newsletter/.")] = "default",
    created_by: Annotated[str, typer.Option(help="Stored with the newsletter; default: your login.")] = _ME,
) -> None:
    """Make a draft from a content file; prints the new newsletter's id alone."""
    source = _read(content)
    with services() as svc, svc.db.unit_of_work() as session:
        newsletter = campaigns.create(
            session, svc.newsletter_renderer, template=template, source=source, created_by=created_by
        )
        newsletter_id = newsletter.id
    sys.stdout.write(f"{newsletter_id}\n")


@app.command()
def edit(
    newsletter_id: Id,
    content: Annotated[Path, typer.Option("--content", help="Markdown file with front matter.")],
    template: Annotated[
        str | None, typer.Option(help="Switch to this template (`newsletter templates`).")
    ] = None,
) -> None:
    """Replace a draft's content (and optionally its template)."""
    source = _read(content)
    with services() as svc, svc.db.unit_of_work() as session:
        newsletter = campaigns.get(session, newsletter_id)
        campaigns.update_content(session, svc.newsletter_renderer, newsletter, source, template=template)
    console.print(t("newsletter.updated", id=newsletter_id))


@app.command()
def templates() -> None:
    """The templates a newsletter can use."""
    for name in available_templates():
        sys.stdout.write(f"{name}\n")


@app.command()
def preview(
    newsletter_id: Id,
    out: Annotated[Path, typer.Option("--out", help="Where to write the HTML.")],
    text_out: Annotated[
        Path | None, typer.Option("--text-out", help="Also write the plain text part.")
    ] = None,
) -> None:
    """Write the newsletter as a recipient would see it (an example recipient) to an HTML file."""
    with services() as svc, svc.db.unit_of_work() as session:
        rendered = proofing.preview(svc.newsletter_renderer, campaigns.get(session, newsletter_id))
    out.write_text(rendered.html, encoding="utf-8")
    if text_out is not None:
        text_out.write_text(rendered.text, encoding="utf-8")
    console.print(t("newsletter.preview_written", path=out, size=len(rendered.html.encode()) // 1024))


@app.command("test")
def test_(
    newsletter_id: Id,
    to: Annotated[str, typer.Option("--to", help="The address that gets the test copy.")],
) -> None:
    """Send one real copy (subject starts with [Test]) to one address, now."""
    with services() as svc:
        with svc.db.unit_of_work() as session:
            messages = svc.newsletter_messages(campaigns.get(session, newsletter_id), test=True)
        mail = proofing.send_test(svc.transport, messages, to)
    console.print(t("newsletter.test_sent", to=to.strip(), size=len(mail.raw) // 1024))


def _newsletter_row(newsletter: Newsletter) -> dict[str, object]:
    return {
        "id": newsletter.id,
        "status": newsletter.status,
        "subject": newsletter.subject,
        "template": newsletter.template,
        "total": newsletter.total,
        "created_by": newsletter.created_by,
        "created_at": newsletter.created_at.isoformat(),
        "scheduled_at": newsletter.scheduled_at.isoformat() if newsletter.scheduled_at else None,
        "started_at": newsletter.started_at.isoformat() if newsletter.started_at else None,
        "finished_at": newsletter.finished_at.isoformat() if newsletter.finished_at else None,
    }


@app.command("list")
def list_(
    fmt: Annotated[Format, typer.Option("--format", help="json, table or csv.")] = Format.TABLE,
) -> None:
    """Every newsletter, newest first."""
    with services() as svc, svc.db.unit_of_work() as session:
        rows = [_newsletter_row(n) for n in campaigns.all_newsletters(session)]
    emit(rows, fmt, ("id", "status", "subject", "total", "created_at", "finished_at"), title="Nyhetsbrev")


@app.command()
def show(
    newsletter_id: Id,
    fmt: Annotated[Format, typer.Option("--format", help="json or text.")] = Format.TEXT,
) -> None:
    """One newsletter: its details, its progress and its content."""
    with services() as svc, svc.db.unit_of_work() as session:
        newsletter = campaigns.get(session, newsletter_id)
        data = _newsletter_row(newsletter) | progress(session, newsletter, svc.limits).as_dict()
        data["content"] = newsletter.content
    if fmt is Format.JSON:
        emit([data], Format.JSON, ())
        return
    for key, value in data.items():
        if key != "content" and value is not None:
            console.print(f"[bold]{key}[/]: {value}", highlight=False)
    console.rule()
    console.print(str(data["content"]), markup=False, highlight=False)


def _print_report(report: CheckReport, fmt: Format) -> None:
    rows = [{"severity": f.severity, "code": f.code, "message": f.message} for f in report.findings]
    if fmt is Format.JSON:
        emit([{"ok": report.ok, "findings": rows}], Format.JSON, ())
        return
    if not rows:
        console.print(t("newsletter.check_clean"))
        return
    emit(rows, fmt, ("severity", "code", "message"), title=t("newsletter.check_title"))


@app.command()
def check(
    newsletter_id: Id,
    online: Annotated[bool, typer.Option("--online", help="Also fetch every link.")] = False,
    spam: Annotated[
        bool, typer.Option("--spam/--no-spam", help="Score a real message with SpamAssassin.")
    ] = True,
    fmt: Annotated[Format, typer.Option("--format", help="json or table.")] = Format.TABLE,
) -> None:
    """The pre-send check (`send` runs it too, without the links and SpamAssassin); exits 1 on errors."""
    with services() as svc, svc.db.unit_of_work() as session:
        newsletter = campaigns.get(session, newsletter_id)
        result = proofing.full_check(
            svc.newsletter_renderer, svc.mail_identity, newsletter, online=online, spam=spam
        )
    if result.spam is not None and fmt is not Format.JSON:
        console.print(t("newsletter.spam_score", points=result.spam.points), highlight=False)
        for line in result.spam.lines():
            console.print(f"  {line}", markup=False, highlight=False)
    _print_report(result.report, fmt)
    if not result.report.ok:
        raise typer.Exit(1)


@app.command()
def send(
    newsletter_id: Id,
    at: Annotated[
        str | None, typer.Option("--at", help="Start at this time (ISO 8601, e.g. 2026-12-01T08:00).")
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Send even if the check finds errors.")] = False,
) -> None:
    """Check the newsletter, then start sending it (now, or --at a time). `mailer run` does the sending."""
    moment = proofing.parse_send_time(at) if at else None  # no offset: this machine's local time
    with services() as svc:
        try:
            with svc.db.unit_of_work() as session:
                newsletter = campaigns.get(session, newsletter_id)
                report = campaigns.start(
                    session, svc.newsletter_renderer, newsletter, at=moment, force=force, actor=_ME
                )
                status, total = newsletter.status, newsletter.total
        except campaigns.CheckFailed as exc:
            _print_report(exc.report, Format.TABLE)
            raise
    if report.findings:
        _print_report(report, Format.TABLE)
    if moment is not None and status == "scheduled":
        console.print(
            t("newsletter.scheduled", id=newsletter_id, at=moment.astimezone().isoformat(timespec="minutes"))
        )
    else:
        console.print(t("newsletter.started", id=newsletter_id, total=total))


@app.command()
def status(
    newsletter_id: Id,
    fmt: Annotated[Format, typer.Option("--format", help="json or table.")] = Format.TABLE,
) -> None:
    """Sent, failed, remaining and the estimated finish."""
    with services() as svc, svc.db.unit_of_work() as session:
        data = progress(session, campaigns.get(session, newsletter_id), svc.limits).as_dict()
    emit([data], fmt, STATUS_COLUMNS, title=t("newsletter.status_title"))


@app.command()
def pause(newsletter_id: Id) -> None:
    """Stop handing messages to the relay until `resume`."""
    with services() as svc, svc.db.unit_of_work() as session:
        campaigns.pause(session, campaigns.get(session, newsletter_id))
    console.print(t("newsletter.paused", id=newsletter_id))


@app.command()
def resume(newsletter_id: Id) -> None:
    """Carry on where a paused newsletter stopped."""
    with services() as svc, svc.db.unit_of_work() as session:
        campaigns.resume(session, campaigns.get(session, newsletter_id))
    console.print(t("newsletter.resumed", id=newsletter_id))


@app.command()
def cancel(newsletter_id: Id) -> None:
    """Stop for good; those not yet sent to get nothing."""
    with services() as svc, svc.db.unit_of_work() as session:
        left = campaigns.cancel(session, campaigns.get(session, newsletter_id))
    console.print(t("newsletter.cancelled", id=newsletter_id, left=left))
