"""The message catalogue: every Swedish sentence that staff see outside the templates.

Mail texts live in ``templates/``; errors, CLI output and web notices take their words from here, so
wording is reviewed in one place. Keys are English; placeholders use ``str.format`` names. The catalogue is
kept in one module per area (``mail``, ``newsletter``, ``web``, ``operations`` and one per feature area); ``SV`` is all of them, and a
key may be in only one.
"""

from __future__ import annotations

from . import answering, archive, editor, evaluation, intake, mail, newsletter, notify, operations, web

_PARTS = (
    mail.SV,
    newsletter.SV,
    operations.SV,
    web.SV,
    notify.SV,
    intake.SV,
    answering.SV,
    evaluation.SV,
    editor.SV,
    archive.SV,
)
SV: dict[str, str] = {key: text for part in _PARTS for key, text in part.items()}
if len(SV) != sum(len(part) for part in _PARTS):  # a key in two areas would shadow one of them
    raise RuntimeError("a message key is defined in more than one part of the catalogue")


def t(key: str, **values: object) -> str:
    """The Swedish text for ``key`` with ``values`` filled in."""
    return SV[key].format(**values)
