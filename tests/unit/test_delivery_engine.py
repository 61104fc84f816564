"""The delivery engine with a store and transports of its own: what it keeps while results wait."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Connection

from kulturkluster.db import Database
from mailer.delivery import Claimed, DeliveryEngine, Outgoing
from mailer.retry import RetryPolicy
from mailer.transport import DeliveryError, RelayRefused, TemporaryFailure

BIG = 200_000  # bytes a message


class Journal:
    def __init__(self, notes: list[str]) -> None:
        self.notes = notes

    def note(self, claim: int, mail: Outgoing) -> None:
        self.notes.append(mail.message_id)

    def committed(self) -> None:
        pass

    def close(self, *, clean: bool) -> None:
        assert clean


class Store:
    """Rows 0..n-1; each message ``BIG`` bytes; records what ``sent`` was given."""

    def __init__(self, count: int) -> None:
        self.count = count
        self.recorded: list[tuple[int, Outgoing]] = []
        self.notes: list[str] = []

    def claim(self, limit: int) -> Claimed[int]:
        return Claimed(rows=list(range(min(limit, self.count))))

    def attempts(self, claim: int) -> int:
        return 0

    def build(self, claim: int) -> Outgoing:
        return Outgoing(b"x" * BIG, "org@example.se", f"p{claim}@example.se", f"m{claim}@example.se")

    def sent(self, conn: Connection, done: Sequence[tuple[int, Outgoing]]) -> None:
        self.recorded.extend(done)

    def journal(self) -> Journal:
        return Journal(self.notes)

    def deferred(
        self, conn: Connection, claim: int, error: TemporaryFailure, attempts: int, retry_at: datetime
    ) -> None:
        raise AssertionError("nothing is deferred")

    def failed(
        self, conn: Connection, claim: int, error: DeliveryError, attempts: int, mail: Outgoing
    ) -> None:
        raise AssertionError("nothing fails")

    def release(self, conn: Connection, claims: Sequence[int]) -> None:
        assert not claims

    def relay_refused(
        self, conn: Connection, claim: int, error: RelayRefused, attempts: int, retry_at: datetime
    ) -> bool:
        raise AssertionError("nothing is refused")


class Relay:
    def __init__(self) -> None:
        self.sizes: list[int] = []

    def send(self, raw: bytes, sender: str, recipients: Sequence[str]) -> None:
        self.sizes.append(len(raw))

    def close(self) -> None:
        pass


def test_results_waiting_for_their_batch_keep_no_message_bytes() -> None:
    store, relays = Store(12), [Relay(), Relay()]
    engine = DeliveryEngine(Database("sqlite://"), store, relays, RetryPolicy(3), batch=5)
    try:
        tally = engine.run(100)
    finally:
        engine.close()

    assert (
        tally.sent == 12 and sorted(relays[0].sizes + relays[1].sizes) == [BIG] * 12
    )  # the relay got it all
    assert sorted(claim for claim, _ in store.recorded) == list(range(12))
    assert {mail.raw for _, mail in store.recorded} == {b""}  # ... and nothing held it after
    assert all(mail.message_id == f"m{claim}@example.se" for claim, mail in store.recorded)
    assert all(mail.recipient == f"p{claim}@example.se" for claim, mail in store.recorded)
    assert sorted(store.notes) == sorted(f"m{n}@example.se" for n in range(12))
