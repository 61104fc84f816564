"""Reading a sender out of a broken header block, the way a person (or Zammad) would.

Used only when the plain parse finds no usable From: a separator line before the headers ("---- Original
email message ----"), a header line continued without leading whitespace (the rest of the block is then
lost to the body), RFC 2822's obsolete syntax with whitespace before the colon (``From  : John Doe``), and
an address written without angle brackets after a name (``From: Big Bug bb@bug.com``).
"""

from __future__ import annotations

import re

_HEADER_LINE = re.compile(rb"^[!-9;-~]+[ \t]*:")
_OBSOLETE_NAME = re.compile(rb"^([!-9;-~]+)[ \t]+:", re.MULTILINE)
# Names that only start a header, never a body line; one of them after a stray line shows the header block
# goes on.
_CORE_HEADER = re.compile(
    rb"^(from|to|cc|subject|date|message-id|received|return-path|mime-version|content-type|reply-to|sender)"
    rb"[ \t]*:",
    re.IGNORECASE,
)
_LOOSE_ADDRESS = re.compile(r"[\w.!#$%&'*+/=?^`{|}~-]+@[\w-]+(?:\.[\w-]+)+")
_SEPARATOR_LINES = 3  # stray lines skipped before the first header


def repair_header_block(raw: bytes) -> bytes:
    """``raw`` with its header block made parseable: leading stray lines dropped, stray lines inside the
    block turned into continuations, whitespace before a header's colon removed. The body is unchanged."""
    lines = raw.splitlines(keepends=True)
    start = 0
    while start < min(len(lines), _SEPARATOR_LINES) and not _HEADER_LINE.match(lines[start]):
        start += 1
    if start == min(len(lines), _SEPARATOR_LINES):
        start = 0  # no header in sight: leave it for the parser to refuse
    end = next((i for i in range(start, len(lines)) if not lines[i].strip()), len(lines))
    # core_after[i]: a core header comes at i or later inside the block (one backward pass, not a scan
    # per stray line).
    core_after = [False] * (end - start + 1)
    for i in range(end - 1, start - 1, -1):
        core_after[i - start] = core_after[i - start + 1] or bool(_CORE_HEADER.match(lines[i]))
    block: list[bytes] = []
    index = start
    while index < end:
        line = lines[index]
        if line[:1] in b" \t" or _HEADER_LINE.match(line):
            block.append(line)
        elif core_after[index - start + 1]:
            block.append(b" " + line)  # a continuation written without its leading whitespace
        else:
            break  # no blank line between headers and body: the body starts here
        index += 1
    head = _OBSOLETE_NAME.sub(rb"\1:", b"".join(block))
    return head + b"".join(lines[index:])


def loose_address(value: str) -> str | None:
    """The first address-looking word in a header value without angle brackets (``Big Bug bb@bug.com``)."""
    if "<" in value:
        return None  # bracketed but unusable (spaces, no domain): not ours to guess a part of
    found = _LOOSE_ADDRESS.search(value)
    return found.group(0) if found else None
