"""CSV import of subscribers in two steps: upload → preview (nothing changes) → confirm → report.

The uploaded bytes wait for the confirmation in a file on the server (``UploadStore``), named by a random
token that only this browser's signed session knows; the session cookie could not hold a large list, and
re-posting the file in a hidden field would send it through the browser twice. Confirming runs the same
import again, for real, against the list as it is then (so what changed in between is respected), and
deletes the file. Unconfirmed uploads are swept after an hour.
"""

from __future__ import annotations

import os
import re
import secrets
import time
from pathlib import Path, PurePath
from typing import Any

from starlette.datastructures import UploadFile
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from kulturkluster.errors import ErrorKind, KulturklusterError
from kulturkluster.texts import t
from subscribers import staff_actions
from subscribers.models import Status
from subscribers.staff_actions import CsvImport

from .base import Pagebuilder, StaffRequest
from .subscriber_common import PREFIX as LIST_PREFIX
from .subscriber_common import status_labels

PREFIX = f"{LIST_PREFIX}/import"
MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_SHOWN = 500  # rows listed per group on the preview and the report; the counts are always complete
SESSION_KEY = "subscriber_import"
_TOKEN = re.compile(r"[A-Za-z0-9_-]{32}")


class ImportFormError(KulturklusterError):
    """An upload that cannot be previewed; the message says what to do."""

    kind = ErrorKind.INVALID


class UploadStore:
    """Uploaded files waiting for confirmation, one file per random token, readable once."""

    def __init__(self, directory: Path, max_age: float = 3600.0) -> None:
        self.directory = directory
        self.max_age = max_age

    def save(self, data: bytes) -> str:
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        self.sweep()
        token = secrets.token_urlsafe(24)  # 32 characters
        fd = os.open(self.directory / f"{token}.csv", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as file:
            file.write(data)
        return token

    def take(self, token: str) -> bytes | None:
        """The file's bytes, removing it; None for an unknown, expired or malformed token."""
        if not _TOKEN.fullmatch(token):
            return None
        path = self.directory / f"{token}.csv"
        try:
            if time.time() - path.stat().st_mtime > self.max_age:
                path.unlink(missing_ok=True)
                return None
            data = path.read_bytes()
        except FileNotFoundError:
            return None
        path.unlink(missing_ok=True)
        return data

    def sweep(self) -> None:
        cutoff = time.time() - self.max_age
        for path in self.directory.glob("*.csv"):
            try:
                if path.stat().st_mtime < cutoff:
                    path.unlink(missing_ok=True)
            except FileNotFoundError:
                pass


def _store(req: StaffRequest) -> UploadStore:
    return UploadStore(req.services.settings.data_dir / "uploads" / "subscriber-import")


def _import_status(value: str) -> Status:
    try:
        status = Status(value or Status.ACTIVE)
    except ValueError:
        raise ImportFormError(t("csv.status_not_allowed", status=value[:40])) from None
    staff_actions.check_importable(status)
    return status


def _form_page(req: StaffRequest, error: str | None = None, status_code: int = 200) -> Response:
    return req.render(
        "subscribers/import",
        {
            "error": error,
            "statuses": [s.value for s in staff_actions.IMPORTABLE],
            "status_labels": status_labels(),
            "status": req.field("status", Status.ACTIVE.value),
            "source": req.field("source"),
            "max_mb": MAX_UPLOAD_BYTES // (1024 * 1024),
        },
        status_code=status_code,
    )


def import_form(req: StaffRequest) -> Response:
    return _form_page(req)


def _read_upload(req: StaffRequest) -> tuple[str, bytes]:
    upload = req.form.get("file") if req.form is not None else None
    if not isinstance(upload, UploadFile) or not upload.filename:
        raise ImportFormError(t("web.subscribers.import_no_file"))
    data = upload.file.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        raise ImportFormError(t("web.subscribers.import_too_large", limit=MAX_UPLOAD_BYTES // (1024 * 1024)))
    filename = PurePath(upload.filename.replace("\\", "/")).name[:100] or "lista.csv"
    return filename, data


def _close_uploads(req: StaffRequest) -> None:
    """Close the form's uploaded files at once (the spooled temporary files would linger until GC)."""
    for _name, value in req.form.multi_items() if req.form is not None else ():
        if isinstance(value, UploadFile):
            value.file.close()


def preview(req: StaffRequest) -> Response:
    """Parse the upload and show what the import would do; nothing in the list changes."""
    try:
        try:
            filename, data = _read_upload(req)
        finally:
            _close_uploads(req)
        status = _import_status(req.field("status"))
        source = req.field("source")
        staff_actions.staff_evidence(source, req.user.username)  # required, as for every change by hand
        evidence = staff_actions.import_evidence(filename, req.user.username, source)
        with req.services.db.unit_of_work() as session:
            done = staff_actions.import_csv(session, data, status, evidence, dry_run=True)
    except KulturklusterError as exc:  # CsvFormatError, no file, too large, no evidence, bad status
        return _form_page(req, str(exc), status_code=400)
    token = _store(req).save(data)
    req.request.session[SESSION_KEY] = {
        "token": token,
        "filename": filename,
        "status": status.value,
        "source": source[:500],
    }
    return req.render(
        "subscribers/import_preview",
        {
            "token": token,
            "filename": filename,
            "status": status.value,
            "source": source,
            "status_labels": status_labels(),
            **_summary(done),
        },
    )


def confirm(req: StaffRequest) -> Response:
    """Apply the previewed upload and show the report."""
    pending = req.request.session.get(SESSION_KEY)
    token = req.field("token")
    if not isinstance(pending, dict) or not token or pending.get("token") != token:
        return req.redirect(PREFIX, t("web.subscribers.import_expired"), "error")
    data = _store(req).take(token)
    req.request.session.pop(SESSION_KEY, None)
    if data is None:
        return req.redirect(PREFIX, t("web.subscribers.import_expired"), "error")
    filename = str(pending.get("filename", "lista.csv"))
    try:
        status = _import_status(str(pending.get("status", "")))
        evidence = staff_actions.import_evidence(filename, req.user.username, str(pending.get("source", "")))
        with req.services.db.unit_of_work() as session:
            done = staff_actions.import_csv(session, data, status, evidence)
    except KulturklusterError as exc:
        return req.redirect(PREFIX, str(exc), "error")
    summary = _summary(done)
    req.flash(
        t(
            "cli.subscribers_imported",
            added=summary["added_count"],
            unchanged=summary["unchanged_count"],
            skipped=summary["skipped_count"],
            rejected=summary["rejected_count"],
        )
    )
    return req.render(
        "subscribers/import_report",
        {"filename": filename, "status": status.value, "status_labels": status_labels(), **summary},
    )


def _summary(done: CsvImport) -> dict[str, Any]:
    """The groups of an import for the preview and the report, each capped at MAX_SHOWN rows."""
    by_email = {row.email: row for row in done.rows}
    added = [by_email[email] for email in done.result.added[:MAX_SHOWN]]
    unchanged = [by_email[email] for email in done.result.unchanged[:MAX_SHOWN]]
    return {
        "added": [{"line": r.line, "email": r.email, "name": r.name} for r in added],
        "unchanged": [{"line": r.line, "email": r.email, "name": r.name} for r in unchanged],
        "skipped": [
            {"line": line, "email": email, "reason": reason}
            for line, email, reason in done.result.skipped[:MAX_SHOWN]
        ],
        "rejected": [{"line": r.line, "text": r.text, "reason": r.reason} for r in done.rejected[:MAX_SHOWN]],
        "added_count": len(done.result.added),
        "unchanged_count": len(done.result.unchanged),
        "skipped_count": len(done.result.skipped),
        "rejected_count": len(done.rejected),
        "max_shown": MAX_SHOWN,
    }


def routes(build: Pagebuilder) -> list[BaseRoute]:
    return [
        Route(PREFIX, build.staff(import_form), methods=["GET"]),
        Route(PREFIX, build.staff(preview), methods=["POST"]),
        Route(f"{PREFIX}/bekrafta", build.staff(confirm), methods=["POST"]),
    ]
