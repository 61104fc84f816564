"""The editor's image upload (``POST /app/nyhetsbrev/bilder``) and the public image URLs, over HTTP.

Hostile files are refused with a Swedish message in JSON and nothing is stored; a good photo comes back
clean from its public URL with long cache headers.
"""

from __future__ import annotations

import io
import random
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import anyio
import pytest
from PIL import Image
from starlette.types import Message

from kulturkluster.web import create_app
from kulturkluster.wiring import Services
from mailer import campaigns
from tests.unit.test_images import HOSTILE, encoded, phone_photo

from .conftest import StaffClient

UPLOAD = "/app/nyhetsbrev/bilder"
PUBLIC = "https://post.kk.test"
MB = 1024 * 1024


def upload(client: StaffClient, data: bytes, name: str = "IMG_1234.jpg", kind: str = "image/jpeg") -> object:
    return client.client.post(
        UPLOAD, files={"file": (name, data, kind)}, headers={"X-CSRF-Token": client.csrf}
    )


def stored(svc: Services) -> list[Path]:
    folder = svc.images.folder
    return sorted(folder.iterdir()) if folder.exists() else []


def test_a_phone_photo_is_published_clean_under_a_stable_url(
    staff: StaffClient, staff_services: Services, app_client: Callable[[], StaffClient]
) -> None:
    response = upload(staff, phone_photo())
    assert response.status_code == 200, response.text  # type: ignore[attr-defined]
    answer = response.json()  # type: ignore[attr-defined]
    assert answer["width"] == 1200 and answer["height"] == 1600
    url = answer["url"]
    assert url.startswith(f"{PUBLIC}/bilder/") and url.endswith(".jpg")

    anyone = app_client().client  # no login: subscribers' mail programs fetch it
    image = anyone.get(url)
    assert image.status_code == 200
    assert image.headers["content-type"] == "image/jpeg"
    assert image.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert image.headers["x-content-type-options"] == "nosniff"
    served = Image.open(io.BytesIO(image.content))
    assert dict(served.getexif()) == {} and served.size == (1200, 1600)

    again = upload(staff, phone_photo(), name="samma-bild.jpeg")
    assert again.json()["url"] == url  # type: ignore[attr-defined]
    assert len(stored(staff_services)) == 1  # the same picture twice is one file


def test_the_public_image_path_serves_only_our_stored_names(app_client: Callable[[], StaffClient]) -> None:
    anyone = app_client().client
    assert anyone.get("/bilder/" + "a" * 64 + ".jpg").status_code == 404
    assert anyone.get("/bilder/..%2F..%2Fkulturkluster.db").status_code == 404
    assert anyone.get("/bilder/bild.svg").status_code == 404


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_uploads_are_refused_in_swedish_and_nothing_is_stored(
    staff: StaffClient, staff_services: Services, name: str
) -> None:
    data, words = HOSTILE[name]
    # The client's name and type lie: both say a harmless JPEG.
    response = upload(staff, data, name="semester.jpg", kind="image/jpeg")
    assert response.status_code == 422, response.text  # type: ignore[attr-defined]
    assert words in response.json()["error"]  # type: ignore[attr-defined]
    assert stored(staff_services) == []


def test_a_30_mb_file_is_refused_before_it_is_read(staff: StaffClient, staff_services: Services) -> None:
    response = upload(staff, b"\xff\xd8\xff" + bytes(30 * MB))
    assert response.status_code == 413  # type: ignore[attr-defined]
    assert "högst 10 MB" in response.json()["error"]  # type: ignore[attr-defined]
    assert stored(staff_services) == []


def test_a_streamed_upload_without_a_length_stops_being_read_at_the_cap(
    staff: StaffClient, staff_services: Services
) -> None:
    """No Content-Length (chunked): the body is read up to the cap, then refused; the rest is never read."""
    app = create_app(staff_services)
    cookie = "; ".join(f"{name}={value}" for name, value in staff.client.cookies.items())
    boundary = b"kkgrans"
    head = (
        b"--" + boundary + b'\r\nContent-Disposition: form-data; name="file"; filename="stor.jpg"\r\n'
        b"Content-Type: image/jpeg\r\n\r\n\xff\xd8\xff"
    )
    chunks = [head] + [bytes(MB)] * 30
    handed: list[int] = []
    sent: list[Message] = []

    async def receive() -> Message:
        handed.append(1)
        if len(handed) > len(chunks):
            return {"type": "http.disconnect"}
        return {
            "type": "http.request",
            "body": chunks[len(handed) - 1],
            "more_body": len(handed) < len(chunks),
        }

    async def send(message: Message) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "https",
        "path": UPLOAD,
        "raw_path": UPLOAD.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"host", b"post.kk.test"),
            (b"cookie", cookie.encode()),
            (b"x-csrf-token", staff.csrf.encode()),
            (b"content-type", b"multipart/form-data; boundary=" + boundary),
            (b"transfer-encoding", b"chunked"),
        ],
        "client": ("127.0.0.1", 50000),
        "server": ("post.kk.test", 443),
    }
    # A thread of its own: a browser test earlier in the session may leave an event loop set on this one.
    with ThreadPoolExecutor(1) as pool:
        pool.submit(anyio.run, app, scope, receive, send).result()
    assert sent[0]["status"] == 413
    assert len(handed) <= 13  # about 10 MB of 30 read, then the answer
    assert stored(staff_services) == []


def test_upload_needs_a_login_and_the_csrf_token(
    app_client: Callable[[], StaffClient], staff: StaffClient
) -> None:
    photo = encoded(Image.new("RGB", (10, 10)), "PNG")
    anonymous = app_client().client.post(UPLOAD, files={"file": ("a.png", photo, "image/png")})
    assert anonymous.status_code == 401 and "logga in" in anonymous.json()["error"]
    no_token = staff.client.post(UPLOAD, files={"file": ("a.png", photo, "image/png")})
    assert no_token.status_code == 403 and "Ladda om sidan" in no_token.json()["error"]
    wrong = staff.client.post(UPLOAD, files={"file": ("a.png", photo)}, headers={"X-CSRF-Token": "fel"})
    assert wrong.status_code == 403
    # Without JavaScript the token may come as the form's own field.
    as_field = staff.client.post(UPLOAD, files={"file": ("a.png", photo)}, data={"csrf_token": staff.csrf})
    assert as_field.status_code == 200 and as_field.json()["url"].endswith(".png")


def test_a_form_without_a_file_gets_a_clear_answer(staff: StaffClient) -> None:
    headers = {"X-CSRF-Token": staff.csrf}
    empty = staff.client.post(UPLOAD, files={"annat": ("a.txt", b"hej")}, headers=headers)
    assert empty.status_code == 400 and "Ingen fil" in empty.json()["error"]
    not_multipart = staff.client.post(UPLOAD, content=b"file=x", headers=headers)
    assert not_multipart.status_code == 400 and "error" in not_multipart.json()


def noise(seed: int) -> bytes:
    """A photo-sized picture of noise: JPEG cannot make it small (about 1 MB at 1200 px)."""
    rng = random.Random(seed)
    return encoded(Image.frombytes("RGB", (1200, 900), rng.randbytes(1200 * 900 * 3)), "PNG")


def test_the_check_weighs_the_uploaded_images_of_an_issue(
    staff: StaffClient, staff_services: Services
) -> None:
    urls = [upload(staff, noise(seed), "a.png", "image/png").json()["url"] for seed in (1, 2)]  # type: ignore[attr-defined]
    sections = "".join(
        f'  - heading: "Bild {n}"\n    image: {{src: "{url}", alt: "Brus i färg, nummer {n}"}}\n'
        for n, url in enumerate(urls, 1)
    )
    source = f'---\nsubject: "Tunga bilder"\npreheader: "Två bilder."\nsections:\n{sections}---\nHej!\n'
    with staff_services.db.unit_of_work() as session:
        newsletter = campaigns.create(
            session, staff_services.newsletter_renderer, template="default", source=source, created_by="t"
        )
        _, report = staff_services.newsletter_renderer.check(newsletter)
    heavy = [f for f in report.findings if f.code == "images_heavy"]
    assert len(heavy) == 1 and heavy[0].severity == "warning" and " MB" in heavy[0].message
    assert sum(path.stat().st_size for path in stored(staff_services)) > 1024 * 1024
