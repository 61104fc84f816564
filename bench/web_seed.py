"""Seed a migrated database for ``bench/web.py`` with INSERT … SELECT over a number series (no Python rows).

The same statements run on PostgreSQL (``generate_series``) and SQLite (a recursive CTE); only the series,
the timestamps and the search columns differ. Every figure is a deterministic function of the row number,
so two runs seed the same data.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.engine import Connection

RAW = "'Subject: bench'"
DAYS = 730  # the data spans two years back from now
DOMAINS = ("example.se", "post.test", "kultur.test", "foreningen.test", "mail.test")
FIRST_NAMES = ("anna", "erik", "maria", "lars", "karin", "johan", "eva", "per", "sara", "nils")
NAMES = tuple(name.capitalize() for name in FIRST_NAMES)
LAST_NAMES = ("Andersson", "Johansson", "Karlsson", "Nilsson", "Eriksson", "Larsson", "Olsson", "Persson")
WORDS = [
    "bidrag",
    "ansökan",
    "festival",
    "Eskilstuna",
    "teater",
    "musik",
    "utställning",
    "förening",
    "kommun",
    "stöd",
    "projekt",
    "scen",
    "konstnär",
    "biljett",
    "lokal",
    "Nyköping",
    "Strängnäs",
    "workshop",
    "kurs",
    "dans",
    "film",
    "litteratur",
    "hantverk",
]


@dataclass(frozen=True)
class Scale:
    subscribers: int = 1_000_000
    extra_events: int = 100_000  # consent events beyond one "added" per subscriber
    cases: int = 100_000
    messages_per_case: int = 3
    contacts: int = 20_000
    deliveries: int = 1_000_000
    sent_newsletters: int = 24

    def scaled(self, factor: float) -> Scale:
        def f(n: int) -> int:
            return max(10, int(n * factor))

        return Scale(
            f(self.subscribers),
            f(self.extra_events),
            f(self.cases),
            self.messages_per_case,
            f(self.contacts),
            f(self.deliveries),
            self.sent_newsletters,
        )


class Dialect:
    """The few SQL snippets that differ between the backends."""

    def __init__(self, name: str) -> None:
        self.name = name

    def series(self, n: int) -> str:
        """A FROM clause giving ``i`` = 1..n."""
        if self.name == "postgresql":
            return f"generate_series(1::bigint, {n}) AS g(i)"
        return f"(WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < {n}) SELECT i FROM s) g"

    def ago(self, minutes: str) -> str:
        """A timestamp ``minutes`` (an SQL expression) before now."""
        if self.name == "postgresql":
            return f"(now() - make_interval(mins => ({minutes})::int))"
        return f"strftime('%Y-%m-%d %H:%M:%S', 'now', '-' || ({minutes}) || ' minutes')"

    def pick(self, expr: str, values: tuple[str, ...]) -> str:
        whens = " ".join(f"WHEN {k} THEN '{v}'" for k, v in enumerate(values))
        return f"(CASE ({expr}) % {len(values)} {whens} END)"

    def pad4(self, expr: str) -> str:
        if self.name == "postgresql":
            return f"lpad(({expr})::text, 4, '0')"
        return f"substr('0000' || ({expr}), -4)"

    def raw(self, expr: str) -> str:
        return f"convert_to({expr}, 'UTF8')" if self.name == "postgresql" else f"CAST({expr} AS BLOB)"


def _spread(i: str) -> str:
    """Minutes back in time for row ``i``, spread over DAYS (a multiplicative hash, deterministic)."""
    return f"(({i}) * 7919) % {DAYS * 1440}"


def statements(d: Dialect, s: Scale) -> list[tuple[str, str]]:
    status = (
        "(CASE WHEN i % 100 < 90 THEN 'active' WHEN i % 100 < 94 THEN 'unsubscribed' "
        "WHEN i % 100 < 97 THEN 'bounced' WHEN i % 100 < 99 THEN 'pending' ELSE 'complained' END)"
    )

    def word(k: int) -> str:
        return d.pick(f"i * {k} + i / 7", tuple(WORDS))

    text_expr = " || ' ' || ".join(word(k) for k in (3, 5, 11, 13, 17, 19, 23, 29))
    cases_n, msgs = s.cases, s.cases * s.messages_per_case
    return [
        (
            "subscribers",
            "INSERT INTO subscribers (id, email, name, status, created_at, updated_at, subscribed_at, "
            "bounce_score) SELECT i, "
            f"{d.pick('i', FIRST_NAMES)} || '.' || i || '@' || {d.pick('i / 10', DOMAINS)}, "
            f"{d.pick('i', NAMES)} || ' ' || {d.pick('i / 3', LAST_NAMES)}, {status}, "
            f"{d.ago(_spread('i'))}, {d.ago(_spread('i'))}, "
            f"CASE WHEN i % 100 < 90 THEN {d.ago(_spread('i'))} END, 0 FROM {d.series(s.subscribers)}",
        ),
        (
            "consent_events (added)",
            "INSERT INTO consent_events (subscriber_id, at, action, old_status, new_status, channel, evidence, "
            f"actor) SELECT i, {d.ago(_spread('i'))}, 'added', NULL, 'active', 'import', 'bench seed', "
            f"'bench' FROM {d.series(s.subscribers)}",
        ),
        (
            "consent_events (changes)",
            "INSERT INTO consent_events (subscriber_id, at, action, old_status, new_status, channel, evidence, "
            f"actor) SELECT (i * 10) % {s.subscribers} + 1, {d.ago(f'(i * 31) % {60 * 1440}')}, "
            f"{d.pick('i', ('unsubscribed', 'bounced', 'complained', 'confirmed'))}, 'active', "
            f"{d.pick('i', ('unsubscribed', 'bounced', 'complained', 'active'))}, 'email', 'bench', "
            f"'system' FROM {d.series(s.extra_events)}",
        ),
        (
            "contacts",
            "INSERT INTO contacts (id, email, name, organisation, municipality, created_at) SELECT i, "
            f"'kontakt' || i || '@' || {d.pick('i', DOMAINS)}, {d.pick('i', NAMES)} || ' ' || "
            f"{d.pick('i', LAST_NAMES)}, '', '', {d.ago(_spread('i'))} FROM {d.series(s.contacts)}",
        ),
        (
            "cases",
            "INSERT INTO cases (id, reference, contact_id, subject, status, focus_area, actor_type, received_at, "
            "updated_at, channel) SELECT i, 'KK-' || (2000 + i / 10000) || '-' || "
            f"{d.pad4('i % 10000')}, "
            f"i % {s.contacts} + 1, 'Fråga om ' || {word(3)} || ' och ' || {word(7)}, "
            f"{d.pick('i', ('avslutad', 'avslutad', 'avslutad', 'ny', 'pågående', 'väntar', 'avslutad'))}, "
            f"{d.pick('i', ('stöd', 'kunskap', 'kontakt'))}, {d.pick('i', ('förening', 'kommun', 'amatör'))}, "
            f"{d.ago(_spread('i'))}, {d.ago(_spread('i'))}, 'epost' FROM {d.series(cases_n)}",
        ),
        (
            "inbound_messages",
            "INSERT INTO inbound_messages (id, sha256, body_sha256, message_id, source, received_at, "
            "processed_at, from_address, from_name, subject, route, rule, reason, size, raw) SELECT i, "
            "'s' || i, 'b' || i, '<m' || i || '@bench.test>', 'imap', "
            f"{d.ago(_spread('i'))}, {d.ago(_spread('i'))}, 'kontakt' || (i % {s.contacts} + 1) || '@bench.test', "
            f"'Avsändare', 'Fråga ' || i, {d.pick('i', ('new_case', 'new_case', 'subscribe', 'bounce'))}, "
            f"'bench', 'bench', 100, {d.raw(RAW)} FROM {d.series(cases_n)}",
        ),
        (
            "case_messages",
            "INSERT INTO case_messages (id, case_id, direction, message_id, from_address, subject, text, "
            f"created_at, search_text) SELECT i, (i - 1) / {s.messages_per_case} + 1, "
            f"{d.pick('i', ('in', 'out', 'in'))}, '<cm' || i || '@bench.test>', 'kontakt@bench.test', "
            f"'Fråga ' || i, {text_expr}, {d.ago(_spread('i'))}, "
            + ("NULL" if d.name == "postgresql" else f"lower({text_expr})")
            + f" FROM {d.series(msgs)}",
        ),
        (
            "newsletters",
            "INSERT INTO newsletters (id, template, subject, preheader, content, status, created_by, created_at, "
            "updated_at, started_at, finished_at, html, text, forced, total) SELECT i, 'default', "
            "'Nyhetsbrev ' || i, '', '# Nyhetsbrev', CASE WHEN i = 1 THEN 'sending' ELSE 'sent' END, 'bench', "
            f"{d.ago('i * 43200')}, {d.ago('i * 43200')}, {d.ago('i * 43200')}, "
            f"CASE WHEN i = 1 THEN NULL ELSE {d.ago('i * 43200 - 600')} END, '<p>Hej</p>', 'Hej', false, "
            f"CASE WHEN i = 1 THEN {s.deliveries} ELSE 0 END FROM {d.series(s.sent_newsletters + 1)}",
        ),
        (
            "deliveries",
            "INSERT INTO deliveries (newsletter_id, subscriber_id, email, name, status, attempts, "
            "next_attempt_at, attempted_at, sent_at, smtp_code) SELECT 1, "
            f"(i - 1) % {s.subscribers} + 1, 'd' || i || '@example.se', '', "
            "CASE WHEN i % 100 < 60 THEN 'sent' WHEN i % 100 < 62 THEN 'failed' ELSE 'queued' END, "
            f"CASE WHEN i % 100 < 62 THEN 1 ELSE 0 END, {d.ago('0')}, "
            f"CASE WHEN i % 100 < 62 THEN {d.ago('i % 120')} END, "
            f"CASE WHEN i % 100 < 60 THEN {d.ago('i % 120')} END, "
            f"CASE WHEN i % 100 < 60 THEN 250 END FROM {d.series(s.deliveries)}",
        ),
        ("newsletter counters", "UPDATE newsletters SET " + ", ".join(_COUNTERS)),
    ]


# Each newsletter's delivery counters (mailer.delivery_counts), as the sender would have kept them.
_COUNTERS = [
    f"{column} = (SELECT count(*) FROM deliveries WHERE newsletter_id = newsletters.id AND status IN {states})"
    for column, states in (
        ("remaining_count", "('queued', 'sending')"),
        ("sent_count", "('sent')"),
        ("failed_count", "('failed')"),
        ("skipped_count", "('skipped')"),
        ("cancelled_count", "('cancelled')"),
    )
]


def seed(conn: Connection, scale: Scale, say: Callable[[str], None] = print) -> None:
    d = Dialect(conn.dialect.name)
    for name, sql in statements(d, scale):
        started = time.perf_counter()
        conn.execute(text(sql))
        say(f"  seeded {name} in {time.perf_counter() - started:.1f} s")
    if d.name == "postgresql":
        for table in ("subscribers", "consent_events", "contacts", "cases", "inbound_messages",
                      "case_messages", "newsletters", "deliveries"):  # fmt: skip
            conn.execute(
                text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), max(id)) FROM {table}")
            )
        conn.commit()
        started = time.perf_counter()
        conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("VACUUM ANALYZE"))
        say(f"  VACUUM ANALYZE in {time.perf_counter() - started:.1f} s")
    else:
        conn.commit()
        conn.execute(text("ANALYZE"))
        conn.commit()
