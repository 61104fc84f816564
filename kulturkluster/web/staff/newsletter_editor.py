"""The newsletter block editor's form: blocks from the posted fields, and the add/move/remove buttons.

The form names each field ``b<number>.<field>`` (``b3.label``) with ``b<number>.type`` for the kind,
numbered from 1 in page order. ``editor.js`` renumbers the fields as blocks move, so a post is always the
page as the staff member sees it. Without script the add, move and remove buttons post the form with
``atgard`` (``ny-text``, ``upp-3``, ``ner-3``, ``bort-3``) and the page comes back changed, unsaved.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from kulturkluster.texts import SV, t
from kulturkluster.texts.editor import SCRIPT_KEYS
from mailer.block_source import FLAGS, Draft, EditorBlock, source_from_draft
from mailer.blocks import FIELDS, KINDS, kind_label
from mailer.newsletter_render import available_templates

from .base import StaffRequest

MAX_BLOCKS = 150
MAX_CONTENT_CHARS = 200_000
SAVE = "spara"
_ACTION = re.compile(r"(upp|ner|bort)-(\d+)|ny-([a-z]+)")
_BLOCK_TYPE = re.compile(r"b(\d+)\.type")


@dataclass(frozen=True, slots=True)
class Edited:
    """A changed draft and what to say about it (for the live region) and where focus goes."""

    draft: Draft
    notice: str
    focus: int  # the block number to focus, 0 for the add buttons


def has_blocks(req: StaffRequest) -> bool:
    """True when the post came from the block editor (not the plain text form)."""
    return req.form is not None and "amne" in req.form


def draft_from_form(req: StaffRequest) -> Draft:
    numbers = sorted(
        int(match.group(1))
        for key in (req.form.keys() if req.form is not None else ())
        if (match := _BLOCK_TYPE.fullmatch(key))
    )
    blocks = []
    for number in numbers[:MAX_BLOCKS]:
        kind = req.field(f"b{number}.type")
        if kind in KINDS:
            values = {name: req.field(f"b{number}.{name}").replace("\r\n", "\n") for name in FIELDS[kind]}
            values.update({flag: "ja" for flag in FLAGS if values.get(flag)})
            blocks.append(EditorBlock(kind, {k: v for k, v in values.items() if v}))
    return Draft(req.field("amne"), req.field("preheader"), tuple(blocks))


def apply(draft: Draft, action: str) -> Edited | None:
    """The draft after an add, move or remove button; None for an action that is not one of them."""
    match = _ACTION.fullmatch(action)
    if match is None:
        return None
    blocks = list(draft.blocks)
    if match.group(3):
        kind = match.group(3)
        if kind not in KINDS or len(blocks) >= MAX_BLOCKS:
            return None
        blocks.append(EditorBlock(kind))
        notice = t("editor.added", number=len(blocks), kind=kind_label(kind))
        return Edited(replace(draft, blocks=tuple(blocks)), notice, len(blocks))
    verb, index = match.group(1), int(match.group(2)) - 1
    if not 0 <= index < len(blocks):
        return None
    block = blocks[index]
    if verb == "bort":
        del blocks[index]
        notice = t("editor.removed", number=index + 1, kind=kind_label(block.kind), count=len(blocks))
        return Edited(replace(draft, blocks=tuple(blocks)), notice, min(index + 1, len(blocks)))
    target = index - 1 if verb == "upp" else index + 1
    if not 0 <= target < len(blocks):
        return Edited(draft, t("editor.first" if verb == "upp" else "editor.last"), index + 1)
    blocks[index], blocks[target] = blocks[target], blocks[index]
    notice = t("editor.moved", number=target + 1, kind=kind_label(block.kind).capitalize(), count=len(blocks))
    return Edited(replace(draft, blocks=tuple(blocks)), notice, target + 1)


def script_texts() -> dict[str, str]:
    """The Swedish texts ``editor.js`` says, from the catalogue (the page hands them over as JSON)."""
    return {key.removeprefix("editor."): SV[key] for key in SCRIPT_KEYS}


def template_choice(req: StaffRequest) -> tuple[str, str | None]:
    template = req.field("mall").strip()
    templates = available_templates(req.services.renderer)
    if template not in templates:
        return template, t("newsletter.unknown_template", name=template, available=", ".join(templates))
    return template, None


def posted_source(req: StaffRequest) -> tuple[str, str, str | None]:
    """The posted template and content file (from the blocks, or the plain text form), and what is wrong."""
    template, error = template_choice(req)
    if has_blocks(req):
        draft = draft_from_form(req)
        source = source_from_draft(draft)
        if error is None and not draft.subject.strip():
            error = t("editor.missing_subject")
    else:
        source = req.field("innehall").replace("\r\n", "\n")
    if error is None and len(source) > MAX_CONTENT_CHARS:
        error = t("web.newsletters.too_long", kb=MAX_CONTENT_CHARS // 1000)
    return template, source, error
