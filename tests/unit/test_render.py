from __future__ import annotations

from email import message_from_bytes
from email.policy import default
from email.utils import parseaddr

import pytest

from mailer.compose import Addressing, compose
from mailer.mime import HeaderInjection, fold_header, format_address
from mailer.render import Renderer, TemplateError, greeting_name, html_to_text
from subscribers.tokens import TokenSigner

CONTEXT = {
    "org": {
        "name": "Kulturkluster Sörmland",
        "address": "kulturkluster@kulturkluster.test",
        "postal_address": "Nyköping",
    },
    "public_url": "https://kk.example",
}


@pytest.mark.parametrize("kind", ["welcome", "confirm", "already_subscribed", "goodbye"])
def test_system_templates_render_in_swedish_with_text_part(kind: str) -> None:
    compiled = Renderer().compile(f"system/{kind}.mjml.j2", CONTEXT)
    rendered = compiled.personalise(
        {"recipient.email": "anna@example.se", "recipient.greeting_name": greeting_name("Anna <script>")}
    )
    assert "Kulturkluster Sörmland" in rendered.subject
    assert "KKPERSONAL" not in rendered.html + rendered.text
    assert "<html" in rendered.html and "<mj-" not in rendered.html
    assert "Hej Anna <script>!" in rendered.text  # text is not HTML: the name reads as written
    assert "Anna &lt;script&gt;" in rendered.html  # ... and in HTML it is escaped
    assert "<" not in rendered.text.replace("<script>", "")


def test_unknown_name_greets_without_a_name() -> None:
    rendered = (
        Renderer().compile("system/goodbye.mjml.j2", CONTEXT).personalise({"recipient.email": "x@y.se"})
    )
    assert "Hej!" in rendered.text and "x@y.se" in rendered.text


def test_missing_template_is_a_clear_error() -> None:
    with pytest.raises(TemplateError, match="nope"):
        Renderer().render("system/nope.mjml.j2", CONTEXT)


def test_html_to_text_keeps_links_readable() -> None:
    text = html_to_text(
        '<p>Läs <a href="https://x.se/a">mer</a>.</p><p><a href="mailto:a@b.se">a@b.se</a></p>'
    )
    assert text == "Läs [mer](https://x.se/a).\n\na@b.se\n"


def test_compose_marks_automatic_answers_and_threads() -> None:
    rendered = (
        Renderer()
        .compile("system/welcome.mjml.j2", CONTEXT)
        .personalise({"recipient.email": "anna@example.se"})
    )
    envelope = Addressing(
        from_address="kulturkluster@kulturkluster.test",
        from_name="Kulturkluster Sörmland",
        to_address="anna@example.se",
        in_reply_to="orig@example.se",
        references=("older@example.se",),
    )
    composed = compose(rendered, envelope, automatic=True, kind="welcome", signer=TokenSigner("secret", 3600))
    msg = message_from_bytes(composed.raw, policy=default)
    assert msg["Auto-Submitted"] == "auto-replied"
    assert msg["X-Auto-Response-Suppress"] == "All"
    assert msg["X-Kulturkluster"] == "welcome"
    assert msg["In-Reply-To"] == "<orig@example.se>"
    assert msg["References"] == "<older@example.se> <orig@example.se>"
    assert msg["Subject"] == rendered.subject
    assert msg.get_content_type() == "multipart/alternative"
    assert msg["Message-ID"] == f"<{composed.message_id}>" and composed.message_id.endswith(
        "@kulturkluster.test"
    )
    assert parseaddr(msg["From"]) == ("Kulturkluster Sörmland", "kulturkluster@kulturkluster.test")
    assert not msg.defects
    text = msg.get_body(("plain",))
    html = msg.get_body(("html",))
    assert text is not None and html is not None
    assert text.get_content().replace("\r\n", "\n") == rendered.text
    assert html.get_content().replace("\r\n", "\n").rstrip() == rendered.html.rstrip()


def test_no_header_injection() -> None:
    rendered = Renderer().compile("system/welcome.mjml.j2", CONTEXT).personalise({})
    envelope = Addressing(
        from_address="a@b.se", from_name="A", to_address="c@d.se", to_name="Evil\r\nBcc: x@y.se"
    )
    with pytest.raises(HeaderInjection):
        compose(rendered, envelope, automatic=True, kind="welcome", signer=TokenSigner("secret", 3600))


@pytest.mark.parametrize(
    "value",
    [
        "Välkommen som prenumerant på Kulturkluster Sörmlands nyhetsbrev",
        "ascii only but a rather long subject line that certainly needs to be folded somewhere along the way ok",
        "😀" * 40,
        "Å",
    ],
)
def test_header_encoding_round_trips(value: str) -> None:
    from email.parser import BytesParser

    raw = fold_header("Subject", value) + b"\r\n"
    assert all(len(line) <= 78 for line in raw.split(b"\r\n"))
    parsed = BytesParser(policy=default).parsebytes(raw)
    assert parsed["Subject"] == value


def test_non_ascii_display_names_round_trip() -> None:
    from email.parser import BytesParser

    raw = fold_header("To", format_address("Åsa Öberg, Kulturföreningen", "asa@x.se")) + b"\r\n"
    assert parseaddr(BytesParser(policy=default).parsebytes(raw)["To"]) == (
        "Åsa Öberg, Kulturföreningen",
        "asa@x.se",
    )


def test_prepared_personaliser_fills_like_personalise() -> None:
    compiled = Renderer().compile("system/confirm.mjml.j2", CONTEXT)
    values = {
        "recipient.email": "anna&co@example.se",
        "recipient.greeting_name": " Anna <b>",
        "links.confirm": "https://kk.example/bekrafta/kkc-a.b.c?x=1&y=2",
    }
    prepared = compiled.prepare()
    assert prepared.uses("links.confirm") and not prepared.uses("case.reference")
    assert prepared.fill(values) == compiled.personalise(values)
    assert "https://kk.example/bekrafta/kkc-a.b.c?x=1&amp;y=2" in prepared.fill(values).html


@pytest.mark.parametrize("width", [0, 1, 2, 60, 73, 74, 75, 76, 77, 150])
def test_encoded_template_decodes_to_the_personalised_text(width: int) -> None:
    import quopri

    from mailer.mime import EncodedTemplate

    literals = [
        "Hej " + "å" * width,
        " x" * width + " \n",
        "=" * width + "\n\nslut. ",
    ]
    values = {"a": "anna@example.se", "b": "https://kk.example/avsluta/kku-" + "Q" * width + "?x=1&y=2 "}
    encoded = EncodedTemplate(literals, ["a", "b"]).fill(values)
    # 76 is quoted-printable's limit; binascii itself goes to 78 when a line ends in an encoded space.
    assert all(len(line) <= 78 for line in encoded.split(b"\r\n"))
    expected = literals[0] + values["a"] + literals[1] + values["b"] + literals[2]
    assert quopri.decodestring(encoded).decode("utf-8") == expected.replace("\n", "\r\n")


@pytest.mark.parametrize(
    "name",
    [
        "Föreningen Kulturhuset i Östra Sörmlands län",
        "Studieförbundet Vuxenskolan Sörmland, avd. Eskilstuna",
        "Åsa Öberg, Kulturföreningen",
    ],
)
@pytest.mark.parametrize("header", ["From", "To", "Reply-To"])
def test_long_non_ascii_display_names_fold_legally(header: str, name: str) -> None:
    from email.parser import BytesParser

    raw = fold_header(header, format_address(name, "kansliet@forening.example")) + b"\r\n"
    lines = raw.split(b"\r\n")
    assert len(lines) > 3  # folded, and no HeaderInjection for our own folding
    assert all(len(line) <= 78 for line in lines)
    assert all(line.startswith(b" ") for line in lines[1:-2])  # continuation lines, not new headers
    parsed = BytesParser(policy=default).parsebytes(raw)
    assert not parsed.defects
    assert parseaddr(parsed[header]) == (name, "kansliet@forening.example")


def test_an_unbroken_non_ascii_name_is_split_into_legal_encoded_words() -> None:
    from email.header import decode_header, make_header

    for name in ("Å" * 120, "Kulturföreningen Ängsö, Årsta och Öja sockenrådsförening för äldre kulturarv"):
        raw = fold_header("From", format_address(name, "a@b.se"))
        assert all(len(line) <= 78 for line in raw.split(b"\r\n"))
        unfolded = raw.decode("ascii").removeprefix("From: ").replace("\r\n", "")
        # RFC 2047 decoding (what mail clients do): whitespace between adjacent encoded words is dropped.
        assert str(make_header(decode_header(unfolded))) == name + " <a@b.se>"


def test_long_non_ascii_sender_gets_a_receipt_shaped_message() -> None:
    rendered = Renderer().compile("system/welcome.mjml.j2", CONTEXT).personalise({})
    envelope = Addressing(
        from_address="a@b.se",
        from_name="Kulturkluster Sörmland",
        to_address="kansliet@forening.example",
        to_name="Studieförbundet Vuxenskolan Sörmland, avd. Eskilstuna",
    )
    msg = message_from_bytes(
        compose(rendered, envelope, automatic=True, kind="welcome", signer=TokenSigner("secret", 3600)).raw,
        policy=default,
    )
    assert parseaddr(msg["To"]) == (
        "Studieförbundet Vuxenskolan Sörmland, avd. Eskilstuna",
        "kansliet@forening.example",
    )


def test_line_breaks_in_an_address_are_still_refused() -> None:
    with pytest.raises(HeaderInjection):
        format_address("Åsa\r\nBcc: x@y.se", "a@b.se")
    with pytest.raises(HeaderInjection):
        format_address("Åsa", "a@b.se\r\nBcc: x@y.se")
