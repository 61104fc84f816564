"""Catalogue part: The newsletter block editor and its templates."""

from __future__ import annotations

SV: dict[str, str] = {
    # The kinds of block, as the editor names them
    "editor.kind.heading": "rubrik",
    "editor.kind.text": "text",
    "editor.kind.image": "bild",
    "editor.kind.button": "knapp",
    "editor.kind.event": "kalenderpost",
    "editor.kind.divider": "avdelare",
    "editor.calendar_heading": "Kalendarium",
    # What is wrong with a block: "Block 3 (knapp): länken saknas."
    "editor.block.where": "Block {number} ({kind})",
    "editor.block.where_inside": " i block {number} ({kind})",
    "editor.block.missing": "{where}: {what}.",
    "editor.missing.heading.text": "rubriken saknas",
    "editor.missing.text.text": "texten är tom",
    "editor.missing.image.src": "bilden saknas: ladda upp en bild",
    "editor.missing.image.alt": "alt-texten saknas: beskriv vad bilden visar, eller kryssa i Dekorativ",
    "editor.missing.button.label": "knapptexten saknas",
    "editor.missing.button.url": "länken saknas",
    "editor.missing.event.title": "titeln saknas",
    "editor.missing.event.date": "datumet saknas",
    "editor.missing.event.place": "platsen saknas",
    "editor.block.bad_url": "{where}: adressen {value} går inte att använda. Skriv en hel adress som börjar "
    "med https://.",
    "editor.block.bad_time": "{where}: tiden {value} går inte att läsa. Välj en tid som 08:30.",
    "editor.block.time_without_date": "{where}: en tid behöver ett datum. Välj datumet i kalendern.",
    "editor.block.decorative_link": "{where}: en bild med länk behöver en alt-text som säger vart länken "
    "går. Ta bort krysset i Dekorativ och skriv alt-texten.",
    "editor.block.not_text": "{where}: fältet {field} ska vara text, men är {kind}.",
    "editor.block.not_mapping": "Block {number} har inga fält. Ta bort det och lägg till det igen.",
    "editor.block.unknown_kind": "Block {number} är av en okänd sort ({kind}). Sorterna är: {kinds}.",
    "editor.block.unknown_field": "{where}: okänt fält {field}.",
    "editor.blocks_and_old_form": "Innehållet är skrivet både som block och som intro, sections eller "
    "events. Använd bara blocken.",
    "editor.no_blocks": "Nyhetsbrevet har inget innehåll ännu. Lägg till minst ett block.",
    "editor.missing_subject": "Ämnesraden saknas. Skriv den överst.",
    "editor.too_many_blocks": "Nyhetsbrevet har fler än {limit} block. Dela upp det i två nummer.",
    # Notices in the editor's live region (said by editor.js, or by the page after a button without script)
    "editor.added": "Block {number} ({kind}) har lagts till sist.",
    "editor.moved": "{kind} är nu block {number} av {count}.",
    "editor.removed": "Block {number} ({kind}) har tagits bort. Nu finns {count} block.",
    "editor.first": "Blocket är redan först.",
    "editor.last": "Blocket är redan sist.",
    "editor.block_number": "Block {number}",
    "editor.block_ref": " block {number}",
    "editor.placeholder.bold": "fetstil",
    "editor.placeholder.italic": "kursiv",
    "editor.placeholder.link": "länktext",
    "editor.uploading": "Laddar upp {name} …",
    "editor.uploaded": "Bilden är uppladdad ({width} × {height} pixlar). Skriv en alt-text som beskriver den.",
    "editor.upload_failed": "Bilden gick inte att ladda upp. Försök igen.",
    "editor.upload_offline": "Bilden gick inte att ladda upp: ingen kontakt med servern. Försök igen.",
}

# The texts editor.js needs, handed to it in the page (placeholders in {braces} are filled in by the script).
SCRIPT_KEYS = (
    "editor.added", "editor.moved", "editor.removed", "editor.first", "editor.last", "editor.block_number",
    "editor.block_ref", "editor.placeholder.bold", "editor.placeholder.italic", "editor.placeholder.link",
    "editor.uploading", "editor.uploaded", "editor.upload_failed", "editor.upload_offline",
)  # fmt: skip
