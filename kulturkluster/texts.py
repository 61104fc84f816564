"""The message catalogue: every Swedish sentence that staff see outside the templates.

Mail texts live in ``templates/``; errors, CLI output and (later) web notices take their words from here,
so wording is reviewed in one place. Keys are English; placeholders use ``str.format`` names.
"""

from __future__ import annotations

SV: dict[str, str] = {
    # addresses and CSV
    "address.invalid": "{value!r} är ingen giltig e-postadress: {why}",
    "address.no_at": "saknar @ eller domän",
    "address.too_long": "för lång",
    "address.bad_local": "otillåtna tecken före @",
    "address.bad_domain": "domänen går inte att tolka",
    "csv.no_email_column": "CSV-filen saknar en kolumn som heter email (eller e-post). Rubrikerna var: {found}",
    "csv.empty": "CSV-filen är tom.",
    "csv.not_text": "CSV-filen går inte att läsa som text (UTF-8 eller Windows-1252).",
    "csv.duplicate": "samma adress som rad {line}",
    "csv.status_not_allowed": "status {status!r} kan inte importeras; välj active, pending eller unsubscribed",
    "import.kept_unsubscribed": "har avslutat sin prenumeration och aktiveras inte igen av en import",
    "import.kept_bounced": "är spärrad efter studsar och aktiveras inte igen av en import",
    # inbound
    "inbound.path_missing": "Hittar inte {path}. Ange en .eml-fil, en Maildir-mapp eller en mbox-fil.",
    "inbound.path_unknown": "{path} är varken en .eml-fil, en Maildir-mapp eller en mbox-fil.",
    "inbound.no_message": "Det finns inget inkommande meddelande med id {id}.",
    "imap.login_failed": "Inloggningen till IMAP-servern {host} misslyckades för {user}. Kontrollera "
    "KK_IMAP__USERNAME och KK_IMAP__PASSWORD.",
    "imap.oauth_failed": "Kunde inte hämta en OAuth-token från Microsoft: {error}",
    "smtp.unreachable": "SMTP-servern {host}:{port} svarar inte: {error}",
    "smtp.auth_failed": "Inloggningen till SMTP-servern {host} misslyckades. Kontrollera KK_SMTP__USERNAME "
    "och KK_SMTP__PASSWORD.",
    "db.not_current": "Databasen har inte den senaste strukturen. Kör först: kulturkluster db upgrade",
    "settings.imap_incomplete": "KK_INBOUND__SOURCE=imap behöver KK_IMAP__HOST och KK_IMAP__USERNAME.",
    "settings.secret_required": "Sätt KK_SECRET_KEY till ett långt slumpvärde (t.ex. från `openssl rand -hex 32`) "
    "innan tjänsten läser en riktig brevlåda: länkar och svar signeras med den.",
    "cases.invalid_field": "{value!r} går inte som {field}; välj något av: {allowed}",
    "cases.not_found": "Hittar inget ärende {reference}.",
    "cases.empty_reply": "Svaret är tomt; skriv något innan det skickas.",
    "cases.merge_self": "Ärendet {reference} kan inte slås ihop med sig självt.",
    "cli.case_replied": "Svaret i {reference} är köat och skickas nu.",
    "cli.case_noted": "Anteckningen sparades i {reference}.",
    "cli.case_updated": "{reference} uppdaterat.",
    "cli.case_merged": "{source} är ihopslaget med {target}.",
    "person.erase_confirm": "All data om {address} tas bort eller anonymiseras. Det går inte att ångra. Fortsätta?",
    "cli.person_erased": "{address}: prenumeration {subscriber}, {cases} ärenden anonymiserade, {inbound} inkomna "
    "och {outgoing} skickade mejl raderade.",
    "cli.retention_done": "{count} ärenden som avslutades för mer än {months} månader sedan anonymiserades.",
    "cli.retention_off": "Ingen gallring: KK_CASES__RETENTION_MONTHS är 0.",
    "subscribers.already_on_list": "{email} finns redan i listan; se `kulturkluster subscribers show {email}`.",
    "cli.subscriber_added": "{email} är tillagd i listan.",
    "cli.subscriber_unsubscribed": "{email} är borttagen ur listan.",
    "cli.subscriber_not_subscribed": "{email} fick inga nyhetsbrev; inget ändrades.",
    # CLI summaries
    "cli.imported": "{total} meddelanden lästa: {summary}",
    "cli.subscribers_imported": "{added} nya, {unchanged} fanns redan, {skipped} hoppades över, "
    "{rejected} rader avvisades.",
    "cli.rejected_row": "rad {line}: {reason}",
    "cli.skipped_row": "rad {line}: {email} {reason}",
    "cli.reprocessed": "{count} meddelanden kördes igen: {summary}",
    "cli.cases_backfilled": "{count} tidigare inkomna mejl fick sina ärenden.",
    "cli.db_upgraded": "Databasen är uppdaterad ({url}).",
}


def t(key: str, **values: object) -> str:
    """The Swedish text for ``key`` with ``values`` filled in."""
    return SV[key].format(**values)
