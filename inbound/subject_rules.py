"""Reading list commands out of a subject line.

A subject is a list command only when every word in it belongs to the command's vocabulary: a core word
("nyhetsbrev", "avsluta", ...) plus filler ("tack", "på", "jag vill", ...). One word outside the vocabulary
("Fråga om nyhetsbrevet i april") makes it a question, which becomes a case. The vocabularies are data;
the README and ``tests/unit/test_subject_rules.py`` show the table of examples.
"""

from __future__ import annotations

import re
import unicodedata
from enum import StrEnum

from kulturkluster.subjects import strip_prefixes

# Our own signed tokens (``kku-…``, ``kkc-…``) may ride along in a subject; they are not words.
_TOKEN = re.compile(r"\bkk[a-z]-[A-Za-z0-9_.\-]{8,}")
_NON_WORD = re.compile(r"[^\w]+")

NEWSLETTER_WORDS = frozenset(
    {"nyhetsbrev", "nyhetsbrevet", "nyhetsbreven", "nyhetsbrevs", "newsletter", "newsletters", "nyhetsmejl"}
)
SUBSCRIBE_WORDS = frozenset(
    {"prenumerera", "prenumererar", "prenumeration", "prenumerationen", "subscribe", "subscription", "signup"}
)
# Words that ask for the newsletter only beside a newsletter or subscribe word: "Anmälan" alone is more
# likely a sign-up for an event than for the list.
WEAK_SUBSCRIBE_WORDS = frozenset(
    {
        "anmälan",
        "anmäl",
        "anmäla",
        "registrera",
        "registrering",
        "bekräfta",
        "bekräftar",
        "confirm",
    }
)
UNSUBSCRIBE_WORDS = frozenset(
    {
        "avsluta",
        "avslutar",
        "avslut",
        "avprenumerera",
        "avprenumeration",
        "avregistrera",
        "avregistrering",
        "avanmäl",
        "avanmäla",
        "avanmälan",
        "avbeställ",
        "avbeställa",
        "unsubscribe",
        "unsubscription",
        "sluta",
    }
)
FILLER_WORDS = frozenset(
    {
        # Swedish
        "tack",
        "på",
        "till",
        "för",
        "av",
        "ert",
        "era",
        "er",
        "ditt",
        "din",
        "vårt",
        "mitt",
        "min",
        "mig",
        "jag",
        "vi",
        "oss",
        "vill",
        "gärna",
        "hej",
        "hallå",
        "lägg",
        "lägga",
        "läggas",
        "ta",
        "bort",
        "från",
        "och",
        "som",
        "ja",
        "tacksam",
        "önskar",
        "vänligen",
        "snälla",
        "in",
        "upp",
        "med",
        "här",
        "nu",
        "kulturkluster",
        "kulturklustret",
        "kulturklustrets",
        "sörmland",
        "sörmlands",
        "mejl",
        "mail",
        "epost",
        "e",
        "post",
        "utskick",
        "utskicket",
        "sändlista",
        "sändlistan",
        "listan",
        "adress",
        "adressen",
        "ha",
        "få",
        "emot",
        "skicka",
        "skickas",
        "prenumerant",
        # English
        "please",
        "the",
        "to",
        "your",
        "me",
        "my",
        "add",
        "sign",
        "up",
        "from",
        "remove",
        "thanks",
        "thank",
        "you",
        "list",
        "mailing",
        "of",
        "i",
        "want",
        "would",
        "like",
        "hi",
        "hello",
        "yes",
        "get",
        "receive",
        "send",
    }
)
_MAX_WORDS = 10


class SubjectCommand(StrEnum):
    SUBSCRIBE = "subscribe"
    UNSUBSCRIBE = "unsubscribe"


def words(subject: str) -> list[str]:
    """The subject as case-folded words, without prefixes, tokens, punctuation or accents of other scripts."""
    text = unicodedata.normalize("NFKC", subject)
    text = _TOKEN.sub(" ", strip_prefixes(text))
    return [word for word in _NON_WORD.split(text.casefold()) if word and word != "_"]


def subject_command(subject: str) -> tuple[SubjectCommand | None, str]:
    """The list command a subject asks for, if any, and a reason that says why (stored with the mail)."""
    found = words(subject)
    if not found:
        return None, "empty subject"
    if len(found) > _MAX_WORDS:
        return None, f"subject has {len(found)} words, more than a command has"
    joined = "".join(found)
    if joined in NEWSLETTER_WORDS and len(found) > 1:  # "Nyhets brev"
        found = [joined]
    stray = [word for word in found if word not in _VOCABULARY]
    if stray:
        return None, f"subject has words beyond a list command: {' '.join(stray[:3])}"
    unsubscribe = [word for word in found if word in UNSUBSCRIBE_WORDS]
    if unsubscribe:
        return SubjectCommand.UNSUBSCRIBE, f"subject is an unsubscribe command ({unsubscribe[0]!r})"
    if _asks_removal(found):
        return SubjectCommand.UNSUBSCRIBE, "subject asks to be removed from the list"
    core_words = [word for word in found if word in NEWSLETTER_WORDS or word in SUBSCRIBE_WORDS]
    if core_words:
        return SubjectCommand.SUBSCRIBE, f"subject is a subscribe command ({core_words[0]!r})"
    return None, "subject has no newsletter or subscribe word"


def _asks_removal(found: list[str]) -> bool:
    return ("ta" in found and "bort" in found) or "remove" in found


_VOCABULARY = NEWSLETTER_WORDS | SUBSCRIBE_WORDS | WEAK_SUBSCRIBE_WORDS | UNSUBSCRIBE_WORDS | FILLER_WORDS
