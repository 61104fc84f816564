"""Bounce detection: flufl.bounce's detectors (RFC 3464 DSN, Postfix, Exim, Qmail, Exchange, GroupWise,
Yahoo, SMTP32, SimpleMatch, SimpleWarning, ...) behind one function.

The detectors scan bodies with many patterns (about 5 ms a message), so they run only on mail that shows
a sign of being a bounce: a null sender, a MAILER-DAEMON-like From, a delivery report, or a failure
subject. Their failures are permanent or temporary (delay warnings).
"""

from __future__ import annotations

import email
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from email import policy
from email.message import Message

from flufl.bounce import all_failures

from subscribers.address import local_part, try_normalize

# flufl.bounce logs a traceback for every detector that trips over an odd message; we handle that here.
logging.getLogger("flufl.bounce").setLevel(logging.CRITICAL)

DAEMON_LOCALS = re.compile(
    r"^(mailer[-_.]?daemon|mail[-_.]?daemon|post[-_.]?master|mdaemon|mail[-_.]delivery[-_.]system|ndr|"
    r"e500_smtp_mail_service|bounces?|mail[-_.]?router|mailadmin|imss|smtp[-_.]?gateway)$",
    re.IGNORECASE,
)
FAILURE_SUBJECT = re.compile(
    r"undeliver|not (?:been )?delivered|delivery (?:status|report|failure|problem|notification|has failed)|"
    r"failure (?:notice|delivery)|failed mail|returned mail|returning (?:message )?to sender|"
    r"mail (?:delivery )?(?:failed|failure|error|system|problem)|non[- ]?delivery|delayed mail|"
    r"mail could not be delivered|could not be delivered|processing error|automatically rejected|"
    r"user unknown|olevererbar|kunde inte levereras|det gick inte att leverera|leveransfel|"
    r"unzustellbar|mail delivery warning|delivery failure|warning: message .* delayed|"
    r"message .* has not yet been delivered",
    re.IGNORECASE,
)


FAILURE_BODY = re.compile(
    r"could not be delivered|undeliverable|user unknown|unknown user|no such user|mailbox unavailable|"
    r"delivery to the following recipients? failed|permanent(?:ly)? (?:error|fatal|failure)|"
    r"message could not be delivered|returned to sender|delivery has failed|recipient address rejected|"
    # "5" first, then the word boundary before it as a lookbehind: a pattern that starts with a literal
    # lets the regex engine skip ahead to the candidates instead of trying every position (5x faster).
    r"5(?<!\w5)\.\d{1,3}\.\d{1,3}\b|5(?<!\w5)50\b|quota exceeded|mailbox (?:is )?full|"
    r"delivery status notification",
    re.IGNORECASE,
)
# The same, for text already in lower case (the patterns are): IGNORECASE makes each alternative a set of
# characters to try at each position, several times slower than lower-casing the text once.
_FAILURE_BODY_LOWER = re.compile(FAILURE_BODY.pattern)


# The mail system's own names: mail from them is a report even without more evidence. Other daemon-like
# senders (postmaster, bounces, ...) are also mailboxes people write from.
SYSTEM_LOCALS = re.compile(
    r"^(mailer[-_.]?daemon|mail[-_.]?daemon|mdaemon|mail[-_.]delivery[-_.]system)$", re.I
)
# What a person reading a report takes as evidence that a delivery failed (besides named failed addresses
# and a returned message).
FAILURE_EVIDENCE = re.compile(
    FAILURE_BODY.pattern + r"|delivery failed|was rejected|were affected|failure reasons?|returned message|"
    r"original message follows|bounce notification|送信できません|配信できません|送信に失敗",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class Failures:
    permanent: frozenset[str] = frozenset()
    temporary: frozenset[str] = frozenset()

    def __bool__(self) -> bool:
        return bool(self.permanent or self.temporary)


def looks_like_bounce(
    sender: str | None, return_path: str | None, subject: str, content_type: str, text: str
) -> bool:
    """Cheap signs that a message may be a bounce (then the detectors run)."""
    return (
        return_path == ""
        or sender is None
        or content_type == "multipart/report"
        or bool(DAEMON_LOCALS.match(local_part(sender)))
        or bool(FAILURE_SUBJECT.search(subject))
        or bool(_FAILURE_BODY_LOWER.search(text[:20000].lower()))
    )


def detect(raw: bytes, parsed: Message | None = None) -> Failures:
    """Permanent and temporary failures flufl.bounce finds; empty when none (or when it cannot tell).

    ``parsed`` is the message as the pipeline's parser read it (compat32, ``inbound.feed``): the same
    tree as parsing ``raw`` again with compat32, so the first try reuses it. The detectors only read it.
    """
    # The detectors expect compat32 messages but trip over raw 8-bit headers there; then try the modern
    # policy, whose header values are plain strings.
    for message_policy in (policy.compat32, policy.default):
        try:
            if parsed is not None and message_policy is policy.compat32:
                message = parsed
            else:
                message = email.message_from_bytes(raw, policy=message_policy)
            temporary, permanent = all_failures(message)
        except Exception:  # noqa: S112 - a detector's bug must not stop the pipeline
            continue
        return Failures(_addresses(permanent), _addresses(temporary))
    return Failures()


def _addresses(found: Iterable[bytes | str]) -> frozenset[str]:
    addresses = set()
    for value in found:
        text = value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
        address = try_normalize(text)
        if address:
            addresses.add(address)
    return frozenset(addresses)
