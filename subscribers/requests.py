"""A person asks to join, confirms, or leaves the list: the change and the answer it gets, in one place.

Whoever received the request (a mail, a link on a public page, a member of staff judging a case) says who
asked and how (``Requester``, ``Evidence``); these use cases decide on double opt-in, change the list
through ``subscribers.service`` and return the answer the person gets. They never commit and never send:
the caller queues the answer in the same transaction as the change.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from sqlalchemy.orm import Session

from kulturkluster.answers import Answer, AnswerKind
from kulturkluster.formats import local_minute
from kulturkluster.settings import ConfirmPolicy
from kulturkluster.texts import t

from . import service
from .models import Channel, Status
from .service import ConfirmOutcome, Evidence, SubscribeOutcome, SubscriberCache, UnsubscribeOutcome
from .tokens import TokenClaim

# The one place that says which answer each outcome of a sign-up gets.
SUBSCRIBE_ANSWER: dict[SubscribeOutcome, AnswerKind] = {
    SubscribeOutcome.ACTIVATED: AnswerKind.WELCOME,
    SubscribeOutcome.CONFIRMATION_NEEDED: AnswerKind.CONFIRM,
    SubscribeOutcome.ALREADY_ACTIVE: AnswerKind.ALREADY_SUBSCRIBED,
}


@dataclass(frozen=True, slots=True)
class Requester:
    """Who asked, and the mail to answer in (so the answer lands in the same thread)."""

    address: str
    name: str = ""
    in_reply_to: str | None = None
    references: tuple[str, ...] = ()
    inbound_message_id: int | None = None

    def answer(self, kind: AnswerKind) -> Answer:
        return Answer(
            kind=kind,
            to_address=self.address,
            to_name=self.name,
            in_reply_to=self.in_reply_to,
            references=self.references,
            inbound_message_id=self.inbound_message_id,
        )


def needs_confirmation(policy: ConfirmPolicy, verified: bool) -> bool:
    """Double opt-in decision: ``auto`` trusts a sender that is verified (a DMARC pass seen by our own
    receiving server, or a member of staff who judged the request)."""
    if policy is ConfirmPolicy.NEVER:
        return False
    if policy is ConfirmPolicy.ALWAYS:
        return True
    return not verified


def subscribe_by_request(
    session: Session,
    requester: Requester,
    evidence: Evidence,
    policy: ConfirmPolicy,
    *,
    verified: bool,
    verified_how: str,
    cache: SubscriberCache | None = None,
) -> tuple[SubscribeOutcome, Answer]:
    """Subscribe the person who asked (welcome, or a confirmation request first, or "already")."""
    confirm_first = needs_confirmation(policy, verified)
    noted = replace(evidence, policy=f"confirm={policy.value}; {verified_how}")
    outcome = service.subscribe(
        session, requester.address, requester.name, noted, confirm_first=confirm_first, cache=cache
    )
    return outcome, requester.answer(SUBSCRIBE_ANSWER[outcome])


def confirm(
    session: Session, requester: Requester, evidence: Evidence, *, cache: SubscriberCache | None = None
) -> tuple[ConfirmOutcome, Answer | None]:
    """A valid confirmation token for the requester's address came back: a welcome if that activated it."""
    outcome = service.confirm(session, requester.address, evidence, cache=cache)
    return outcome, requester.answer(AnswerKind.WELCOME) if outcome is ConfirmOutcome.ACTIVATED else None


def confirm_by_link(session: Session, claim: TokenClaim) -> tuple[ConfirmOutcome, Answer | None]:
    """The button on the confirmation page: the token proves receipt for its own address only, so it
    activates only that one. The welcome is the same as for a confirmation by reply."""
    evidence = Evidence(
        channel=Channel.LINK,
        detail=t("evaluation.evidence_confirm_link", issued=local_minute(claim.issued_at)),
        policy="token in link",
    )
    outcome = service.confirm(session, claim.address, evidence)
    subscriber = service.get(session, claim.address)
    if outcome is not ConfirmOutcome.ACTIVATED or subscriber is None:
        return outcome, None
    return outcome, Requester(subscriber.email, subscriber.name).answer(AnswerKind.WELCOME)


def unsubscribe(
    session: Session,
    requester: Requester,
    evidence: Evidence,
    *,
    goodbye: bool = True,
    cache: SubscriberCache | None = None,
) -> tuple[UnsubscribeOutcome, Answer | None]:
    """Take the address off the list; a goodbye when it was on it and ``goodbye`` (not to a robot)."""
    outcome = service.unsubscribe(session, requester.address, evidence, cache=cache)
    if outcome is not UnsubscribeOutcome.UNSUBSCRIBED or not goodbye:
        return outcome, None
    return outcome, requester.answer(AnswerKind.GOODBYE)


def unsubscribe_by_mail(
    session: Session,
    requester: Requester,
    evidence: Evidence,
    *,
    proven: bool,
    goodbye: bool = True,
    cache: SubscriberCache | None = None,
) -> tuple[UnsubscribeOutcome, Answer | None]:
    """An "Avsluta" mail: at once with ``proven`` (our signed token, a DMARC pass from the trusted server,
    or the policy says so); otherwise a subscribed address is asked to confirm by replying, as for joining.
    Anyone can write "Avsluta" with a member's address as From; only the member can answer our mail."""
    if proven:
        return unsubscribe(session, requester, evidence, goodbye=goodbye, cache=cache)
    subscriber = service.get(session, requester.address, cache=cache)
    if subscriber is None or subscriber.status not in {Status.ACTIVE, Status.PENDING}:
        return UnsubscribeOutcome.NOT_SUBSCRIBED, None
    service.append_event(
        session, subscriber, "unsubscribe_requested", subscriber.status, subscriber.status, evidence
    )
    answer = requester.answer(AnswerKind.CONFIRM_UNSUBSCRIBE) if goodbye else None
    return UnsubscribeOutcome.CONFIRMATION_NEEDED, answer


def unsubscribe_by_link(session: Session, claim: TokenClaim, *, one_click: bool) -> UnsubscribeOutcome:
    """The unsubscribe page's button, or an RFC 8058 one-click POST from the mail program.

    No goodbye mail, unlike an "Avsluta" email: in the spirit of RFC 8058 one click is the whole
    exchange, and the page itself already says it is done.
    """
    how = t("evaluation.evidence_one_click") if one_click else t("evaluation.evidence_unsubscribe_button")
    # The signed link is the evidence; the visitor's IP address and user agent are not kept.
    evidence = Evidence(
        channel=Channel.LIST_UNSUBSCRIBE if one_click else Channel.LINK,
        detail=t("evaluation.evidence_unsubscribe_link", how=how, issued=local_minute(claim.issued_at)),
    )
    outcome, _none = unsubscribe(session, Requester(claim.address), evidence, goodbye=False)
    return outcome
