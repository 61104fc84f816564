"""Catalogue part: Answering a case: canned answers, signatures, attachments and quoting."""

from __future__ import annotations

SV: dict[str, str] = {
    # Canned answers (svarsmallar)
    "answering.unknown_placeholder": "Mallen innehåller den okända platshållaren {{{name}}}. "
    "Du kan använda {known}.",
    "answering.name_missing": "Ge mallen ett namn.",
    "answering.name_too_long": "Mallens namn får vara högst {limit} tecken.",
    "answering.body_missing": "Skriv mallens text.",
    "answering.body_too_long": "Mallens text får vara högst {limit} tecken.",
    "answering.not_found": "Det finns ingen svarsmall ”{name}”.",
    "answering.duplicate": "Det finns redan en svarsmall som heter ”{name}”.",
    "answering.added": "Svarsmallen ”{name}” är sparad.",
    "answering.saved": "Ändringarna i svarsmallen ”{name}” är sparade.",
    "answering.removed": "Svarsmallen ”{name}” är borttagen.",
    "answering.filled": "Texten kommer från svarsmallen ”{name}”. Läs igenom och ändra innan du skickar.",
    # The quote below a reply, and the files with it
    "answering.quote_intro": "Den {when} skrev {who}:",
    "answering.quote_someone": "avsändaren",
    "answering.unnamed_file": "bilaga",
    "answering.files_too_large": "Bilagorna är för stora: {size} tillsammans. Ett svar kan ha högst {limit} "
    "bilagor sammanlagt. Skicka stora filer som en länk i stället.",
    "answering.too_many_files": "Ett svar kan ha högst {limit} bilagor.",
    "answering.file_missing": "Filen {path} finns inte eller går inte att läsa.",
    # The CLI
    "answering.cli_body_or_template": "Ange svarets text med --body-file eller en svarsmall med --template "
    "(inte båda).",
    "answering.cli_added": "Svarsmallen ”{name}” är sparad.",
    "answering.cli_removed": "Svarsmallen ”{name}” är borttagen.",
}
