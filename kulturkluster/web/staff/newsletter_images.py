"""The image upload of the newsletter editor: ``POST /app/nyhetsbrev/bilder``, answered in JSON.

Contract (the block editor's script is written against it):

- staff login (the session cookie) and the CSRF token, sent as the ``X-CSRF-Token`` header like every
  fetch/htmx post of the staff app (the token is in ``hx-headers`` on ``<body>``), or as the form field
  ``csrf_token``;
- ``multipart/form-data`` with the file in the field ``file``;
- 200 ``{"url": "<absolute public URL>", "width": int, "height": int}``, or 4xx ``{"error": "<Swedish>"}``
  (401 not logged in, 403 CSRF, 400 no file or unreadable form, 413 too large, 422 not an image we take).

The body is read as a stream with a byte cap, so a 30 MB file is refused after ``MAX_REQUEST_BYTES``
without being held; the rest is ``mailer.images`` (pure) and ``mailer.image_store``.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncGenerator

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from kulturkluster.texts import t
from kulturkluster.wiring import Services
from mailer.images import MAX_UPLOAD_BYTES, ImageRefused, ImageTooLarge, process_image

from .base import Pagebuilder, csrf_ok, load_user
from .newsletter_common import LIST_URL

log = logging.getLogger(__name__)

UPLOAD_PATH = f"{LIST_URL}/bilder"
FILE_FIELD = "file"
# The image plus the multipart framing and the CSRF field.
MAX_REQUEST_BYTES = MAX_UPLOAD_BYTES + 64 * 1024
# Above the app's limit for other forms on purpose: that limit answers in plain English, before the
# handler; this route's own cap (MAX_REQUEST_BYTES) answers in Swedish JSON.
_ROUTE_BODY_LIMIT = 1024 * 1024 * 1024


def _error(message: str, status: int) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status, headers={"Cache-Control": "no-store"})


def _too_large() -> JSONResponse:
    return _error(t("archive.image.too_large", mb=MAX_UPLOAD_BYTES // (1024 * 1024)), 413)


async def _capped(request: Request, cap: int) -> AsyncGenerator[bytes, None]:
    total = 0
    async for chunk in request.stream():
        total += len(chunk)
        if total > cap:
            raise ImageTooLarge(t("archive.image.too_large", mb=MAX_UPLOAD_BYTES // (1024 * 1024)))
        yield chunk


class ImageUpload:
    def __init__(self, services: Services) -> None:
        self.services = services

    async def endpoint(self, request: Request) -> Response:
        user = await run_in_threadpool(load_user, self.services, request)
        if user is None:
            return _error(t("archive.image.login"), 401)
        header_ok = await csrf_ok(request, None)
        multipart = request.headers.get("content-type", "").lower().startswith("multipart/form-data")
        if not header_ok and not multipart:
            return _error(t("archive.image.csrf"), 403)
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > MAX_REQUEST_BYTES:
            return _too_large()  # said up front: not a byte is read
        if not multipart:
            return _error(t("archive.image.bad_form"), 400)
        parser = MultiPartParser(
            request.headers, _capped(request, MAX_REQUEST_BYTES), max_files=1, max_fields=5
        )
        try:
            form = await parser.parse()
        except ImageTooLarge:
            return _too_large()
        except MultiPartException:
            return _error(t("archive.image.bad_form"), 400)
        try:
            if not header_ok and not await csrf_ok(request, form):
                return _error(t("archive.image.csrf"), 403)
            upload = form.get(FILE_FIELD)
            if not isinstance(upload, UploadFile):
                return _error(t("archive.image.no_file"), 400)
            data = await upload.read(MAX_UPLOAD_BYTES + 1)
        finally:
            await form.close()
        try:
            image = await run_in_threadpool(process_image, data)
        except ImageRefused as exc:
            log.info("image upload refused", extra={"user": user.username, "error": type(exc).__name__})
            return _error(str(exc), 413 if isinstance(exc, ImageTooLarge) else exc.http_status)
        url = await run_in_threadpool(self.services.images.save, image)
        log.info("image uploaded", extra={"user": user.username, "image": image.name})
        return JSONResponse({"url": url, "width": image.width, "height": image.height})


def routes(build: Pagebuilder) -> list[BaseRoute]:
    upload = ImageUpload(build.services)

    async def upload_image(request: Request) -> Response:
        return await upload.endpoint(request)

    upload_image.kk_role = "staff"  # type: ignore[attr-defined]  # read by the access-control tests
    return [Route(UPLOAD_PATH, upload_image, methods=["POST"], max_body_size=_ROUTE_BODY_LIMIT)]
