"""Facts about one mail that need the database or the settings, gathered once, when the mail is routed.

The classifier decides on them, and the handlers act on the same facts (``Incoming.context``): the case a
mail threads into is looked up here and nowhere else.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from cases import store as case_store
from cases.thread_match import CaseMatch, SiblingMatch
from kulturkluster.answers import OUR_MARKER_HEADER, OUR_SEAL_HEADER
from subscribers.tokens import Purpose, TokenSigner

from . import staff_mail
from .classify import ClassifyContext
from .handlers import HandlerConfig
from .message import ParsedMail

# Where a bounce to our VERP return path names its subscriber.
DELIVERY_HEADERS = ("to", "delivered-to", "x-original-to", "envelope-to", "x-envelope-to")


def gather(
    session: Session,
    mail: ParsedMail,
    batch_case_ids: set[str],
    *,
    tokens: TokenSigner,
    own_addresses: frozenset[str],
    handlers: HandlerConfig,
) -> ClassifyContext:
    """Our tokens in the mail, the subscribers its delivery address names, and the case it threads into.

    ``batch_case_ids``: Message-IDs of mail routed to cases earlier in the same batch (not handled yet,
    so not in the case store): a mail that answers one of them joins that mail's case.
    """
    claims = tokens.find(list(mail.thread_ids))
    confirm = next((c.address for c in claims if c.purpose is Purpose.CONFIRM), None)
    # The List-Unsubscribe mailto puts the token in the subject; a reply to our "confirm that you want to
    # leave" request brings it back in In-Reply-To.
    unsubscribe = next(
        (c.address for c in [*tokens.find([mail.subject]), *claims] if c.purpose is Purpose.UNSUBSCRIBE),
        None,
    )
    case_references = tuple(c.address for c in claims if c.purpose is Purpose.CASE)
    return_paths = handlers.return_paths
    delivered_to = " ".join(mail.headers.get(h, "") for h in DELIVERY_HEADERS)
    return ClassifyContext(
        return_path_ids=tuple(return_paths.find(delivered_to)) if return_paths else (),
        own_addresses=own_addresses,
        confirm_address=confirm,
        unsubscribe_address=unsubscribe,
        case_match=case_match(session, mail, case_references, batch_case_ids, handlers),
        case_references=case_references,
        our_marker_sealed=marker_sealed(mail, tokens),
        staff_mail=staff_mail.detect(
            session, mail, case_references=case_references, own_addresses=own_addresses
        ),
    )


def marker_sealed(mail: ParsedMail, tokens: TokenSigner) -> bool:
    """Whether the mail's marker header carries our seal for its kind and this mail's Message-ID."""
    kind, seal = mail.header(OUR_MARKER_HEADER), mail.header(OUR_SEAL_HEADER)
    if kind is None or seal is None or not mail.message_id:
        return False
    return tokens.seal_ok(kind, mail.message_id, seal)


def case_match(
    session: Session,
    mail: ParsedMail,
    case_references: tuple[str, ...],
    batch_case_ids: set[str],
    handlers: HandlerConfig,
) -> CaseMatch | None:
    """The case in the store (``cases.thread_match``), unless the mail answers a sibling in the batch."""
    if not mail.from_address:
        return None
    stored = case_store.match_for(
        session,
        sender=mail.from_address,
        token_references=case_references,
        thread_ids=mail.thread_ids,
        subject=mail.subject,
        reopen_window=handlers.reopen_window,
    )
    sibling = next((tid for tid in mail.thread_ids if tid in batch_case_ids), None)
    if sibling is None or (stored is not None and case_references):
        return stored  # our signed token names its case first, as in cases.thread_match
    # The newest message of the thread is in this batch: its case is the one to join.
    return SiblingMatch(sibling, otherwise=stored)
