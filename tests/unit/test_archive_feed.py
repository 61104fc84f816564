"""The archive's pure parts: the Atom feed document, archive addresses, and the letter as anyone sees it."""

from __future__ import annotations

from datetime import UTC, datetime
from xml.etree import ElementTree as ET

import pytest

from mailer.archive import id_of, public_copy, slug
from mailer.atom import ATOM_NS, Feed, FeedEntry, atom_xml
from mailer.render import Compiled

A = f"{{{ATOM_NS}}}"
BASE = "https://post.kk.test"


def feed(*entries: FeedEntry) -> ET.Element:
    document = atom_xml(
        Feed(
            id=f"{BASE}/arkiv",
            title="Kulturkluster Sörmland: nyhetsbrev",
            self_link=f"{BASE}/arkiv/feed.atom",
            alternate_link=f"{BASE}/arkiv",
            author="Kulturkluster Sörmland",
            entries=entries,
        )
    )
    assert document.startswith(b"<?xml version='1.0' encoding='utf-8'?>")
    return ET.fromstring(document)


def entry(number: int, day: int, title: str = "Nyhetsbrev") -> FeedEntry:
    moment = datetime(2026, 3, day, 8, 30, tzinfo=UTC)
    return FeedEntry(
        id=f"{BASE}/arkiv/{number}",
        title=title,
        link=f"{BASE}/arkiv/{number}-nyhetsbrev",
        updated=moment,
        published=moment,
        summary="Kulturfrukost & <utlysningar>",
    )


def test_the_feed_has_every_element_rfc_4287_requires() -> None:
    root = feed(entry(2, 20, "Mars & april: <nytt>"), entry(1, 5))
    assert root.tag == f"{A}feed"
    assert root.findtext(f"{A}id") == f"{BASE}/arkiv"
    assert root.findtext(f"{A}title") == "Kulturkluster Sörmland: nyhetsbrev"
    assert root.findtext(f"{A}updated") == "2026-03-20T08:30:00Z"  # the newest entry
    links = {link.get("rel"): link.get("href") for link in root.findall(f"{A}link")}
    assert links == {"self": f"{BASE}/arkiv/feed.atom", "alternate": f"{BASE}/arkiv"}
    assert root.findtext(f"{A}author/{A}name") == "Kulturkluster Sörmland"
    entries = root.findall(f"{A}entry")
    assert [e.findtext(f"{A}id") for e in entries] == [f"{BASE}/arkiv/2", f"{BASE}/arkiv/1"]
    first = entries[0]
    assert first.findtext(f"{A}title") == "Mars & april: <nytt>"  # escaped in the XML, whole when read
    assert first.find(f"{A}link").get("href") == f"{BASE}/arkiv/2-nyhetsbrev"  # type: ignore[union-attr]
    assert first.findtext(f"{A}updated") == "2026-03-20T08:30:00Z"
    assert first.findtext(f"{A}summary") == "Kulturfrukost & <utlysningar>"


def test_an_empty_archive_is_still_a_valid_feed() -> None:
    root = feed()
    assert root.findtext(f"{A}updated") and root.findall(f"{A}entry") == []


@pytest.mark.parametrize(
    ("subject", "expected"),
    [
        ("Nyhetsbrev mars 2026: Kulturfrukost", "nyhetsbrev-mars-2026-kulturfrukost"),
        ("Åka, äta, öl – för alla!", "aka-ata-ol-for-alla"),
        ("???", ""),
    ],
)
def test_slugs_are_readable_ascii(subject: str, expected: str) -> None:
    assert slug(subject) == expected


@pytest.mark.parametrize(
    ("ref", "expected"),
    [("12", 12), ("12-nyhetsbrev-mars", 12), ("12-", 12), ("x12", None), ("12.html", None), ("", None)],
)
def test_archive_references(ref: str, expected: int | None) -> None:
    assert id_of(ref) == expected


def test_the_public_copy_has_no_address_no_token_and_links_to_itself() -> None:
    view = f"{BASE}/nyhetsbrev/signed.token-ABC"
    letter = Compiled(
        "Nyhetsbrev",
        f'<a href="{view}">Visa i webbläsaren</a> Hej KKPERSONALRECIPIENTGREETINGNAMEX! '
        "till KKPERSONALRECIPIENTEMAILX "
        '<a href="KKPERSONALLINKSUNSUBSCRIBEX">Avsluta prenumerationen</a>',
        f"Visa i webbläsaren ({view}) KKPERSONALLINKSUNSUBSCRIBEX",
    )
    page = public_copy(letter, f"{BASE}/arkiv/3-nyhetsbrev", f"{BASE}/avsluta", BASE)
    assert "KKPERSONAL" not in page.html + page.text and "signed.token" not in page.html + page.text
    assert f'<a href="{BASE}/arkiv/3-nyhetsbrev">Visa i webbläsaren</a>' in page.html
    assert f'<a href="{BASE}/avsluta">Avsluta prenumerationen</a>' in page.html
    assert "Hej ! till  " in page.html
