"""Sörmland's nine municipalities, the fixed list the case page offers and the reports count by.

``contacts.municipality`` was free text; ``official`` maps the spellings people typed ("flen",
"Flen kommun", "Nyköping", "Strangnas") to the official name, and anything else to ``OTHER``.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

OFFICIAL: tuple[str, ...] = (
    "Eskilstuna kommun",
    "Flens kommun",
    "Gnesta kommun",
    "Katrineholms kommun",
    "Nyköpings kommun",
    "Oxelösunds kommun",
    "Strängnäs kommun",
    "Trosa kommun",
    "Vingåkers kommun",
)
OTHER = "annan"
CHOICES: tuple[str, ...] = (*OFFICIAL, OTHER)

_FILLER = re.compile(r"\b(kommun|kommuns|municipality|stad)\b")


def _folded(text: str) -> str:
    """Lower case, without accents, punctuation and the word "kommun": "Nyköpings kommun" -> "nykopings"."""
    plain = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(ch for ch in plain if not unicodedata.combining(ch))
    plain = _FILLER.sub(" ", re.sub(r"[^\w\s]", " ", plain))
    return " ".join(plain.split())


def _stem(name: str) -> str:
    """The place name of an official name: "Katrineholms kommun" -> "katrineholm"."""
    place = _folded(name)
    return place[:-1] if place.endswith("s") and place != "strangnas" else place


# Every place name, with and without the genitive s ("flen", "flens"), folded.
_KNOWN: dict[str, str] = {}
for _name in OFFICIAL:
    _place = _stem(_name)
    _KNOWN[_place] = _name
    _KNOWN[_place + "s"] = _name


@lru_cache(maxsize=4096)
def official(text: str | None) -> str:
    """The official name for what was typed; ``""`` for nothing typed, ``OTHER`` for anything else."""
    folded = _folded(text or "")
    if not folded:
        return ""
    return _KNOWN.get(folded, OTHER)
