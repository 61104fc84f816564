"""An answer built from its cut template is the message ``compose`` builds from the personalised one."""

from __future__ import annotations

from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default

import pytest

from mailer.answer_template import AnswerTemplate
from mailer.compose import Addressing, compose, compose_from
from mailer.render import Renderer, greeting_name
from subscribers.tokens import TokenSigner
from tests.unit.test_render import CONTEXT

SIGNER = TokenSigner("secret", 3600)
VALUES = [
    {"recipient.email": "anna@example.se", "recipient.greeting_name": greeting_name("Anna")},
    {
        "recipient.email": "x@y.se",
        "recipient.greeting_name": greeting_name('Ölund & <Söner> "AB"'),
        "case.reference": "KK-2026-0042",
        "case.subject": "Fråga om = och =3D, " + "lång rad utan radbrytning " * 12 + "😀",
    },
    {"recipient.email": "b@c.se"},  # unknown name, no case: the markers become nothing
]


def _parts(raw: bytes) -> tuple[EmailMessage, str, str]:
    msg = message_from_bytes(raw, policy=default)
    assert isinstance(msg, EmailMessage) and not msg.defects
    text, html = msg.get_body(("plain",)), msg.get_body(("html",))
    assert text is not None and html is not None
    return msg, text.get_content(), html.get_content()


@pytest.mark.parametrize("kind", ["receipt", "welcome", "confirm", "goodbye"])
@pytest.mark.parametrize("values", VALUES)
def test_the_cut_template_builds_the_same_answer(kind: str, values: dict[str, str]) -> None:
    compiled = Renderer().compile(f"system/{kind}.mjml.j2", CONTEXT)
    addressing = Addressing(
        from_address="kulturkluster@kulturkluster.test",
        from_name="Kulturkluster Sörmland",
        to_address=values["recipient.email"],
        to_name="Anna",
        message_id="fixed@kulturkluster.test",
        in_reply_to="orig@example.se",
    )
    before = compose(compiled.personalise(values), addressing, automatic=True, kind=kind, signer=SIGNER)
    after = compose_from(
        AnswerTemplate.of(compiled), values, addressing, automatic=True, kind=kind, signer=SIGNER
    )
    assert after.subject == before.subject and after.message_id == before.message_id
    old, old_text, old_html = _parts(before.raw)
    new, new_text, new_html = _parts(after.raw)
    assert new_text == old_text and new_html == old_html
    assert [(k, v) for k, v in new.items() if k != "Content-Type"] == [
        (k, v) for k, v in old.items() if k != "Content-Type"
    ]
    assert all(len(line) <= 78 for line in after.raw.split(b"\r\n"))
    if kind == "receipt" and values.get("case.reference"):
        assert values["case.reference"] in new_text and values["case.reference"] in after.subject
