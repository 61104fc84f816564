"""A case that was really a newsletter sign-up: staff say so, the sender joins the list, the case closes."""

from __future__ import annotations

from sqlalchemy.orm import Session

from kulturkluster.answers import Responder
from kulturkluster.errors import ErrorKind, KulturklusterError
from kulturkluster.settings import ConfirmPolicy
from kulturkluster.texts import t
from subscribers import requests
from subscribers.models import Channel
from subscribers.service import Evidence, SubscribeOutcome

from . import service
from .by_hand import RequesterWithoutAddress
from .models import SUBSCRIPTION_TAG, Case, CaseStatus, Direction


class AlreadySubscription(KulturklusterError):
    """The case is already marked as a sign-up."""

    kind = ErrorKind.CONFLICT

    def __init__(self, reference: str) -> None:
        super().__init__(t("cases.already_subscription", reference=reference))
        self.reference = reference


def mark_subscription(
    session: Session, case: Case, actor: str, *, policy: ConfirmPolicy, answers: Responder
) -> SubscribeOutcome:
    """Staff judged the case a newsletter sign-up, not a question: subscribe the sender and close the case.

    The consent log names the staff member and the case, with the sender's mail as evidence; the staff
    judgement counts as a verified sender under the list's ``policy``. The case is closed and tagged
    ``SUBSCRIPTION_TAG``; the reports leave such cases out (they are not guidance work). The sender gets
    the same answer as a sign-up by mail, queued through ``answers`` in the caller's transaction.
    """
    if any(tag.tag == SUBSCRIPTION_TAG for tag in case.tags):
        raise AlreadySubscription(case.reference)
    first_in = next((m for m in case.messages if m.direction == Direction.IN), None)
    address = (first_in.from_address if first_in else None) or case.contact.email
    if address is None:
        raise RequesterWithoutAddress(case.reference)  # a phone case (cases.by_hand)
    thread = tuple(m.message_id for m in case.messages if m.direction != Direction.NOTE and m.message_id)
    requester = requests.Requester(
        address=address,
        name=case.contact.name,
        in_reply_to=first_in.message_id if first_in else None,
        references=thread[-20:],
        inbound_message_id=first_in.inbound_message_id if first_in else None,
    )
    evidence = Evidence(
        channel=Channel.STAFF,
        message_id=first_in.message_id if first_in else None,
        detail=f"{actor} judged case {case.reference} to be a request to join the newsletter"[:2000],
        actor=actor,
    )
    outcome, answer = requests.subscribe_by_request(
        session, requester, evidence, policy, verified=True, verified_how="staff judgement"
    )
    answers.answer(session, answer)
    service.set_fields(case, tags=[*(tag.tag for tag in case.tags), SUBSCRIPTION_TAG])
    service.add_note(session, case, t("cases.subscription_note", address=address), actor)
    service.set_status(case, CaseStatus.CLOSED)
    return outcome
