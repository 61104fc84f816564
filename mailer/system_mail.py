"""Automatic answers (welcome, confirmation request, already subscribed, goodbye) from templates/system/."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from functools import partial

from sqlalchemy.orm import Session

from kulturkluster.answers import AUTOMATIC_PREFIX, Answer, AnswerKind
from kulturkluster.settings import OrgSettings
from subscribers.tokens import Purpose, TokenSigner

from .answer_template import AnswerTemplate
from .compose import Addressing, compose_from, new_message_id
from .links import PublicLinks
from .outbox import CapCounts, HeldMessages, Outbox
from .render import Compiled, Renderer, greeting_name


class SystemMailer:
    """Renders and queues automatic answers; implements ``kulturkluster.answers.Responder``."""

    def __init__(
        self, org: OrgSettings, public_url: str, renderer: Renderer, outbox: Outbox, tokens: TokenSigner
    ):
        self.org = org
        self.public_url = public_url.rstrip("/")
        self.links = PublicLinks(self.public_url)
        self.renderer = renderer
        self.outbox = outbox
        self.tokens = tokens
        self._cache: dict[tuple[str, tuple[tuple[str, str], ...]], Compiled] = {}
        self._templates: dict[tuple[str, tuple[tuple[str, str], ...]], AnswerTemplate] = {}

    def _compiled(self, answer: Answer) -> Compiled:
        """Jinja2 and MJML run once per kind of answer; recipients only get string substitutions."""
        key = (answer.kind.value, tuple(sorted(answer.extra.items())))
        if key not in self._cache:
            context = {"org": self.org, "public_url": self.public_url, **answer.extra}
            self._cache[key] = self.renderer.compile(f"system/{answer.kind.value}.mjml.j2", context)
        return self._cache[key]

    def _template(self, answer: Answer) -> AnswerTemplate:
        """The compiled answer cut at its markers, its bodies encoded once (``mailer.answer_template``)."""
        key = (answer.kind.value, tuple(sorted(answer.extra.items())))
        if key not in self._templates:
            self._templates[key] = AnswerTemplate.of(self._compiled(answer))
        return self._templates[key]

    def subjects(self) -> frozenset[str]:
        """The subjects of our answers that do not name a case (a reply to one of them is a reply to us)."""
        kinds = (
            AnswerKind.WELCOME,
            AnswerKind.CONFIRM,
            AnswerKind.ALREADY_SUBSCRIBED,
            AnswerKind.GOODBYE,
            AnswerKind.CONFIRM_UNSUBSCRIBE,
        )
        return frozenset(self._compiled(Answer(kind, to_address="")).subject for kind in kinds)

    def prepare(self, session: Session, addresses: Iterable[str]) -> CappedAnswers:
        return CappedAnswers(self, self.outbox.preload_counts(session, addresses))

    def finish(self, session: Session) -> None:
        """Nothing waits: ``answer`` without a batch's ``held`` adds its row to the session at once."""

    def answer(
        self,
        session: Session,
        answer: Answer,
        counts: CapCounts | None = None,
        held: HeldMessages | None = None,
    ) -> None:
        # Tokens ride in our Message-ID: a plain reply brings them back in In-Reply-To.
        message_id, confirm_url = None, ""
        if answer.kind is AnswerKind.CONFIRM:
            token = self.tokens.make(Purpose.CONFIRM, answer.to_address)
            message_id = new_message_id(self.org.domain, token)
            confirm_url = self.links.confirm(token)
        elif answer.kind is AnswerKind.CONFIRM_UNSUBSCRIBE:
            # A plain reply brings the unsubscribe token back in In-Reply-To: that is the proof.
            message_id = new_message_id(
                self.org.domain, self.tokens.make(Purpose.UNSUBSCRIBE, answer.to_address)
            )
        elif answer.case_reference:
            message_id = new_message_id(
                self.org.domain, self.tokens.make(Purpose.CASE, answer.case_reference)
            )
        else:
            message_id = new_message_id(self.org.domain, f"{AUTOMATIC_PREFIX}{uuid.uuid4().hex}")
        values = {
            "recipient.email": answer.to_address,
            "recipient.greeting_name": greeting_name(answer.to_name),
            "case.reference": answer.case_reference or "",
            "case.subject": answer.case_subject,
            "links.confirm": confirm_url,
        }
        addressing = Addressing(
            from_address=self.org.address,
            from_name=self.org.name,
            to_address=answer.to_address,
            to_name=answer.to_name,
            message_id=message_id,
            in_reply_to=answer.in_reply_to,
            references=answer.references,
        )
        msg = compose_from(
            self._template(answer),
            values,
            addressing,
            automatic=True,
            kind=answer.kind.value,
            signer=self.tokens,
        )
        # A batch's answer waits in ``held`` and is written with the others by ``CappedAnswers.finish``.
        put = (
            partial(self.outbox.hold, session, held)
            if held is not None
            else partial(self.outbox.enqueue, session)
        )
        put(
            msg,
            kind=answer.kind.value,
            sender=self.org.address,
            to_address=answer.to_address,
            automatic=True,
            inbound_message_id=answer.inbound_message_id,
            counts=counts,
        )


class CappedAnswers:
    """A ``SystemMailer`` for one batch (a ``Responder``): the caps are checked against counts loaded once,
    and the outbox rows wait to be written together by ``finish``."""

    def __init__(self, mailer: SystemMailer, counts: CapCounts) -> None:
        self.mailer = mailer
        self.counts = counts
        self.held = HeldMessages()

    def prepare(self, session: Session, addresses: Iterable[str]) -> CappedAnswers:
        return self.mailer.prepare(session, addresses)

    def answer(self, session: Session, answer: Answer) -> None:
        self.mailer.answer(session, answer, self.counts, self.held)

    def finish(self, session: Session) -> None:
        self.held.write(session)
