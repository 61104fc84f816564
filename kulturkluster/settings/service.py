"""Settings of the service's own work: the organisation, the list, cases, answers, sending, the web app."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

from pydantic import BaseModel, Field, SecretStr, field_validator

DEFAULT_DATA_DIR = Path("var")


# The service's own accessibility statement (kulturkluster.web.accessibility serves it).
ACCESSIBILITY_PATH = "/tillganglighet"


DEFAULT_SECRET = "change-me-insecure-default"  # noqa: S105 - the placeholder that `check_secret` refuses


class ConfirmPolicy(StrEnum):
    """Double opt-in policy for subscriptions by email."""

    AUTO = "auto"
    ALWAYS = "always"
    NEVER = "never"


class UnsubscribeConfirm(StrEnum):
    """Whether an "Avsluta" mail without proof is confirmed by a reply first."""

    AUTO = "auto"
    NEVER = "never"


class OrgSettings(BaseModel):
    name: str = Field("Kulturkluster Sörmland", description="The organisation's name, shown in every mail.")
    address: str = Field(
        "kulturkluster@localhost",
        description="The shared mailbox's address: From of every mail we send, and the address people write to.",
    )
    postal_address: str = Field(
        "Region Sörmland, 611 88 Nyköping", description="Postal address shown in the footer of mails."
    )
    accessibility_url: str = Field(
        "",
        description="The organisation's own accessibility statement (tillgänglighetsredogörelse), linked from "
        "the public pages and the footer of every mail. Empty: the service's own page `/tillganglighet`.",
    )

    @field_validator("address")
    @classmethod
    def _lower_domain(cls, value: str) -> str:
        local, _, domain = value.strip().rpartition("@")
        if not local or not domain:
            raise ValueError(f"not an email address: {value!r}")
        return f"{local}@{domain.lower()}"

    @property
    def domain(self) -> str:
        return self.address.rpartition("@")[2]

    def statement_url(self, public_url: str) -> str:
        """Where the accessibility statement is: the organisation's own page, or the one this service serves."""
        return self.accessibility_url or f"{public_url.rstrip('/')}{ACCESSIBILITY_PATH}"


class SubscribeSettings(BaseModel):
    confirm: ConfirmPolicy = Field(
        ConfirmPolicy.AUTO,
        description="`always` asks every new subscriber to confirm; `never` activates at once; `auto` "
        "activates at once when the trusted server's Authentication-Results show dmarc=pass for the "
        "sender's domain, and asks for confirmation otherwise.",
    )
    trusted_authserv_id: str = Field(
        "",
        description="authserv-id of the receiving server whose Authentication-Results header is believed "
        "(e.g. `mx.example.se`). Empty: no header is believed, so `auto` always asks for confirmation.",
    )
    confirm_max_age_days: int = Field(14, ge=1, description="How long a confirmation request stays valid.")
    bounce_threshold: float = Field(
        3.0,
        gt=0,
        description="Bounce score at which an address gets no more newsletters (permanent failure +1, "
        "temporary +0.5 at most once a day, reset after a quiet week).",
    )


class UnsubscribeSettings(BaseModel):
    confirm: UnsubscribeConfirm = Field(
        UnsubscribeConfirm.AUTO,
        description='`auto`: an "Avsluta" mail unsubscribes at once only with our signed token (the '
        "List-Unsubscribe mailto) or dmarc=pass from the trusted server; otherwise the person confirms by "
        'replying. `never`: every "Avsluta" mail unsubscribes at once. Links and one-click are always immediate.',
    )


class CaseSettings(BaseModel):
    reopen_days: int = Field(
        30,
        ge=0,
        description="A reply to a case closed at most this many days ago reopens it; later, a new case follows it.",
    )
    new_per_sender_per_day: int = Field(
        3,
        ge=1,
        description="New cases one sender opens per 24 h; later mail joins the newest of them still open "
        "(an autoresponder that changes its subject every time opens no more).",
    )
    attachments_dir: Path | None = Field(
        None,
        description="Where attachment files are kept (content-addressed). Default `<data_dir>/attachments`.",
    )
    max_attachment_bytes: int = Field(
        30 * 1024 * 1024,
        description="Larger attachments are not kept as files (the raw message still has them).",
    )
    max_reply_attachment_bytes: int = Field(
        10 * 1024 * 1024,
        ge=0,
        description="The files sent with one reply to a case may weigh this much together, at most.",
    )
    retention_months: int = Field(
        0,
        ge=0,
        description="`kulturkluster maintenance run` anonymises cases closed more than this many months ago "
        "(their numbers stay in the reports). 0 keeps everything.",
    )


class AutoAnswerSettings(BaseModel):
    per_address_per_day: int = Field(
        3, ge=0, description="Automatic answers (welcome, confirmation, ...) one address can get per 24 h."
    )
    per_hour: int = Field(
        200,
        ge=0,
        description="Automatic answers to people (receipts, welcomes, ...) per hour, at most; more wait for "
        "the next hour, none is dropped.",
    )
    confirm_per_hour: int = Field(
        100,
        ge=0,
        description="Confirmation requests (join or leave) per hour, at most; a pool of its own, so a forged "
        "sign-up flood never holds back a receipt. More are kept as suppressed.",
    )


class MailerSettings(BaseModel):
    """The newsletter sender and the relay's limits (Microsoft 365 allows 30 a minute, 10,000 a day)."""

    per_minute: int = Field(
        30, ge=0, description="Messages handed to the relay per minute, at most (all workers). 0: no limit."
    )
    per_day: int = Field(
        10000,
        ge=0,
        description="Recipients per rolling 24 hours, at most (all workers, answers included). 0: no limit.",
    )
    concurrency: int = Field(
        2, ge=1, le=32, description="SMTP connections one `mailer run` process uses at once."
    )
    batch_size: int = Field(100, ge=1, description="Deliveries one worker claims at a time.")
    result_batch: int = Field(
        50,
        ge=1,
        description="Sent messages (newsletters and the outbox's answers) recorded per database commit; "
        "each is noted in a journal file under `<data_dir>/mailer-journal/` or `outbox-journal/` first, so "
        "a killed worker's are never sent twice. 1: commit each.",
    )
    lease_seconds: int = Field(
        300, ge=1, description="A claimed batch that is not finished by then (a dead worker) is taken over."
    )
    max_attempts: int = Field(
        10,
        ge=1,
        description="Temporary refusals (4xx) of one recipient before the delivery counts as failed "
        "(a relay that is away costs no attempts).",
    )
    poll_interval: float = Field(
        10.0, gt=0, description="Seconds `mailer run` waits when there is nothing to send."
    )
    relay_pause_after: int = Field(
        5,
        ge=1,
        description="Refusals about us (sender, policy, size: not the recipient) in a row that pause a "
        "campaign with the relay's reply as the reason; most of the last 50 do too.",
    )
    verp: bool = Field(
        False,
        description="Use a per-recipient return path (`local+b…@domain`, plus addressing) so a bounce names "
        "its recipient. The mailbox must accept plus addresses.",
    )
    list_id: str = Field("", description="List-Id header value. Default `nyhetsbrev.<org domain>`.")


class WebSettings(BaseModel):
    """The staff app."""

    session_max_age_hours: float = Field(
        12.0,
        gt=0,
        description="A staff login lasts this many hours from the moment of login, used or not; then "
        "the person logs in again.",
    )
    metrics_token: SecretStr = Field(
        SecretStr(""),
        description="Bearer token that `/metrics` (Prometheus) asks for. Empty: there is no `/metrics`.",
    )
