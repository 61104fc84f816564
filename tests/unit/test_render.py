from __future__ import annotations

from email import message_from_bytes
from email.policy import default

import pytest

from mailer.compose import Envelope, compose
from mailer.render import Renderer, TemplateError, html_to_text

CONTEXT = {
    "org": {
        "name": "Kulturkluster Sörmland",
        "address": "kulturkluster@kulturkluster.test",
        "postal_address": "Nyköping",
    },
    "recipient": {"email": "anna@example.se", "name": "Anna <script>"},
    "public_url": "https://kk.example",
    "confirm_url": None,
}


@pytest.mark.parametrize("kind", ["welcome", "confirm", "already_subscribed", "goodbye"])
def test_system_templates_render_in_swedish_with_text_part(kind: str) -> None:
    rendered = Renderer().render(f"system/{kind}.mjml.j2", CONTEXT)
    assert "Kulturkluster Sörmland" in rendered.subject
    assert "<html" in rendered.html and "<mj-" not in rendered.html
    assert "Hej Anna <script>!" in rendered.text  # text is not HTML: the name reads as written
    assert "Anna &lt;script&gt;" in rendered.html  # ... and in HTML it is escaped
    assert "<" not in rendered.text.replace("<script>", "")


def test_missing_template_is_a_clear_error() -> None:
    with pytest.raises(TemplateError, match="nope"):
        Renderer().render("system/nope.mjml.j2", CONTEXT)


def test_html_to_text_keeps_links_readable() -> None:
    text = html_to_text(
        '<p>Läs <a href="https://x.se/a">mer</a>.</p><p><a href="mailto:a@b.se">a@b.se</a></p>'
    )
    assert text == "Läs [mer](https://x.se/a).\n\na@b.se\n"


def test_compose_marks_automatic_answers_and_threads() -> None:
    rendered = Renderer().render("system/welcome.mjml.j2", CONTEXT)
    envelope = Envelope(
        from_address="kulturkluster@kulturkluster.test",
        from_name="Kulturkluster Sörmland",
        to_address="anna@example.se",
        in_reply_to="orig@example.se",
        references=("older@example.se",),
    )
    msg = message_from_bytes(
        compose(rendered, envelope, automatic=True, kind="welcome").as_bytes(), policy=default
    )
    assert msg["Auto-Submitted"] == "auto-replied"
    assert msg["X-Auto-Response-Suppress"] == "All"
    assert msg["X-Kulturkluster"] == "welcome"
    assert msg["In-Reply-To"] == "<orig@example.se>"
    assert msg["References"] == "<older@example.se> <orig@example.se>"
    assert msg["Subject"] == rendered.subject
    assert msg.get_content_type() == "multipart/alternative"
    assert msg["Message-ID"].endswith("@kulturkluster.test>")
