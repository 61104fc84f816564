"""Public pages without a login or a token: the newsletter archive, its Atom feed, and our images.

``/arkiv`` lists the issues that went out (``mailer.archive`` decides which), ``/arkiv/<id>-<subject>``
shows one as anyone may see it, ``/arkiv/feed.atom`` is the feed. ``/bilder/<sha256>.<ext>`` serves the
newsletter images: the name is the hash of the bytes, so a URL never changes what it shows and caches
may keep it for a year.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from kulturkluster.texts import t
from kulturkluster.wiring import Services
from mailer import archive
from mailer.archive import ArchivedIssue, ArchivedLetter
from mailer.atom import CONTENT_TYPE, Feed, FeedEntry, atom_xml
from mailer.image_store import IMAGE_PATH, content_type
from mailer.links import ARCHIVE_ISSUE_PATH, ARCHIVE_PATH, FEED_PATH

from .accessibility import swedish_date
from .headers import NEWSLETTER_POLICY
from .pages import Pages

SWEDISH_TIME = ZoneInfo("Europe/Stockholm")
IMMUTABLE = "public, max-age=31536000, immutable"
# An issue an admin hides must leave at once, also from caches: they may keep a copy but must ask first.
ARCHIVE_CACHE = "no-cache"


class ArchivePages:
    def __init__(self, services: Services, pages: Pages) -> None:
        self.services = services
        self.pages = pages
        self.links = services.links

    def routes(self) -> list[BaseRoute]:
        return [
            Route(ARCHIVE_PATH, self.index, methods=["GET"]),
            Route(FEED_PATH, self.feed, methods=["GET"]),
            Route(ARCHIVE_ISSUE_PATH, self.issue, methods=["GET"]),
            Route(IMAGE_PATH, self.image, methods=["GET"]),
        ]

    async def index(self, request: Request) -> Response:
        issues = await run_in_threadpool(self._issues)
        listed = [
            {
                "issue": issue,
                "url": self.links.archive_issue(issue.ref),
                "date": swedish_date(issue.sent_at.astimezone(SWEDISH_TIME).date()),
                "iso_date": issue.sent_at.astimezone(SWEDISH_TIME).date().isoformat(),
            }
            for issue in issues
        ]
        context = {"issues": listed, "feed_url": self.links.feed(), "title": t("archive.title")}
        return self.pages.render(request, "public/archive", context, headers={"Cache-Control": ARCHIVE_CACHE})

    async def feed(self, _request: Request) -> Response:
        issues = await run_in_threadpool(self._issues)
        org = self.services.settings.org
        entries = [
            FeedEntry(
                id=self.links.archive_issue(str(issue.id)),
                title=issue.subject,
                link=self.links.archive_issue(issue.ref),
                updated=issue.updated_at,
                published=issue.sent_at,
                summary=issue.summary,
            )
            for issue in issues
        ]
        feed = Feed(
            id=self.links.archive(),
            title=t("archive.feed_title", org=org.name),
            self_link=self.links.feed(),
            alternate_link=self.links.archive(),
            author=org.name,
            entries=entries,
        )
        headers = {"Cache-Control": ARCHIVE_CACHE}
        return Response(atom_xml(feed), media_type=CONTENT_TYPE, headers=headers)

    async def issue(self, request: Request) -> Response:
        ref = str(request.path_params["ref"])
        newsletter_id = archive.id_of(ref)
        found = None if newsletter_id is None else await run_in_threadpool(self._letter, newsletter_id)
        if found is None:
            return self.pages.render(request, "public/not_found", status_code=404)
        if ref != found.issue.ref:  # "12" or an old spelling: the one address of the issue
            return RedirectResponse(self.links.archive_issue(found.issue.ref), status_code=301)
        own_url = self.links.archive_issue(found.issue.ref)
        page = archive.public_copy(found.letter, own_url, self.links.unsubscribe_help(), self.links.base_url)
        headers = {"Content-Security-Policy": NEWSLETTER_POLICY, "Cache-Control": ARCHIVE_CACHE}
        return HTMLResponse(page.html, headers=headers)

    async def image(self, request: Request) -> Response:
        name = str(request.path_params["name"])
        path = self.services.images.path(name)
        if path is None:
            return self.pages.render(request, "public/not_found", status_code=404)
        headers = {"Cache-Control": IMMUTABLE, "X-Content-Type-Options": "nosniff"}
        return FileResponse(path, media_type=content_type(name), headers=headers)

    def _issues(self) -> list[ArchivedIssue]:
        with self.services.db.unit_of_work() as session:
            return archive.issues(session)

    def _letter(self, newsletter_id: int) -> ArchivedLetter | None:
        with self.services.db.unit_of_work() as session:
            return archive.letter(session, newsletter_id)
