"""An automatic answer's compiled template, cut once for all its recipients.

``Compiled.personalise`` replaced every marker in the whole HTML and then quoted-printable encoded it
again for each message, about a sixth of the inbound pipeline's time in a busy batch of receipts. Here
the subject and both bodies are split at their markers and the fixed pieces encoded once
(``mailer.mime.EncodedTemplate``), so one message costs its own few values and a join.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from html import escape

from .mime import AlternativeTemplate, EncodedTemplate, interleave
from .render import Compiled, Pieces


@dataclass(frozen=True, slots=True)
class AnswerTemplate:
    subject: Pieces
    body: AlternativeTemplate

    @classmethod
    def of(cls, compiled: Compiled) -> AnswerTemplate:
        cut = compiled.prepare()
        body = AlternativeTemplate(
            EncodedTemplate(cut.text.literals, cut.text.keys),
            EncodedTemplate(cut.html.literals, cut.html.keys),
        )
        return cls(cut.subject, body)

    def subject_for(self, values: Mapping[str, str]) -> str:
        return self.subject.fill(values)

    def body_for(self, values: Mapping[str, str]) -> bytes:
        """The MIME-Version and Content-Type fields, the blank line and the multipart/alternative body."""
        escaped = {key: escape(value) for key, value in values.items()}
        variable = self.body.variable(dict(values), escaped)
        return b"".join([self.body.mime_headers, b"\r\n", *interleave(self.body.fixed, variable)])
