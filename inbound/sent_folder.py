"""Replies sent as the shared mailbox from Outlook, read from its Sent folder and recorded in their cases.

The inbound runner calls ``SentFolderReader.read`` after each round of the inbox. Each mail in Sent that
threads into a case and goes to its requester is recorded as a reply (``inbound.staff_mail`` decides and
records, as for such mail in the inbox), with the name it was sent under (the organisation's, or a staff
member's when it came from their address) as author. Everything else there (mail to anyone else, and our
own replies, which Microsoft 365 also saves in Sent: they carry our sealed marker and their Message-ID is
already in the case) is passed over and never stored.

Exactly once: the folder's UIDVALIDITY and the highest UID read are remembered (``SentFolderState``), in
the same transaction as the replies they recorded; and a Message-ID already in a case is never recorded
again, so a renumbered folder read anew adds nothing twice.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from sqlalchemy.orm import Session

from cases.attachments import AttachmentStore
from kulturkluster.db import Database
from subscribers.tokens import Purpose, TokenSigner

from . import staff_mail
from .context import marker_sealed
from .message import ParsedMail
from .models import SentFolderState
from .sources.base import SourceUnavailable
from .sources.imap_sent import SentMailbox

log = logging.getLogger(__name__)

Parse = Callable[[bytes], tuple[ParsedMail | None, str | None]]
_BATCH = 100


class SentFolderReader:
    """Reads new mail in the Sent folder and records the replies among it; see the module docstring."""

    def __init__(
        self,
        mailbox: SentMailbox,
        db: Database,
        *,
        parse: Parse,
        tokens: TokenSigner,
        attachments: AttachmentStore,
        own_addresses: frozenset[str],
    ) -> None:
        self.mailbox = mailbox
        self.db = db
        self.parse = parse
        self.tokens = tokens
        self.attachments = attachments
        self.own_addresses = own_addresses

    def read(self) -> int:
        """Record the replies that came into Sent since the last read; returns how many. A mailbox that
        cannot be read now is logged and tried again next round (the inbox goes on regardless). The
        connection is closed after each read: a round comes at most every IDLE period or inbox batch."""
        try:
            return self._read()
        except SourceUnavailable as exc:
            log.warning("sent folder not read", extra={"error": str(exc)})
            return 0
        finally:
            self.mailbox.close()

    def _read(self) -> int:
        folder, uidvalidity = self.mailbox.open()
        with self.db.unit_of_work() as session:
            state = session.get(SentFolderState, folder)
            last = state.last_uid if state is not None and state.uidvalidity == uidvalidity else 0
        uids = self.mailbox.uids_after(last)
        recorded = 0
        for start in range(0, len(uids), _BATCH):
            chunk = uids[start : start + _BATCH]
            raws = self.mailbox.fetch(chunk)
            with self.db.unit_of_work() as session:
                for uid in chunk:
                    if uid in raws and self._record(session, raws[uid]):
                        recorded += 1
                _remember(session, folder, uidvalidity, chunk[-1])
        if recorded:
            log.info("replies recorded from the sent folder", extra={"folder": folder, "replies": recorded})
        return recorded

    def _record(self, session: Session, raw: bytes) -> bool:
        mail, _failure = self.parse(raw)
        if mail is None or marker_sealed(mail, self.tokens):
            return False  # unreadable, or a mail the app sent itself
        claims = self.tokens.find(list(mail.thread_ids))
        references = tuple(c.address for c in claims if c.purpose is Purpose.CASE)
        found = staff_mail.detect(session, mail, case_references=references, own_addresses=self.own_addresses)
        if found is None or found.case_id is None:
            return False
        staff_mail.record(session, found, mail, self.attachments)
        session.flush()  # the next mail of the batch sees this one's Message-ID in the case
        return True


def _remember(session: Session, folder: str, uidvalidity: int, last_uid: int) -> None:
    state = session.get(SentFolderState, folder)
    if state is None:
        session.add(SentFolderState(folder=folder, uidvalidity=uidvalidity, last_uid=last_uid))
    else:
        state.uidvalidity, state.last_uid = uidvalidity, last_uid
