"""Catalogue: addresses and CSV, mail in (sources, rules), mail out (SMTP, OAuth, DKIM), settings."""

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
    "attachments.store_failed": "Bilagan kunde inte sparas i {root} ({error}): disken är troligen full. Frigör "
    "utrymme (eller öka kvoten) och kör sedan kulturkluster inbound reprocess, så hanteras mejlet igen.",
    "inbound.path_missing": "Hittar inte {path}. Ange en .eml-fil, en Maildir-mapp eller en mbox-fil.",
    "inbound.path_unknown": "{path} är varken en .eml-fil, en Maildir-mapp eller en mbox-fil.",
    "inbound.no_message": "Det finns inget inkommande meddelande med id {id}.",
    "imap.login_failed": "Inloggningen till IMAP-servern {host} misslyckades för {user}. Kontrollera "
    "KK_IMAP__USERNAME och KK_IMAP__PASSWORD.",
    "imap.oauth_failed": "Kunde inte hämta en OAuth-token från Microsoft: {error}",
    "oauth.failed": "Kunde inte hämta en OAuth-token från Microsoft: {error}. {hint}",
    "oauth.missing": "OAuth (xoauth2) behöver inställningarna {settings}.",
    "oauth.unreachable": "Kunde inte nå Microsofts inloggningstjänst {authority}: {error}. Kontrollera "
    "KK_OAUTH__AUTHORITY, tenant-id och nätverket (brandvägg, proxy).",
    "oauth.hint_secret": "Klienthemligheten stämmer inte: kontrollera KK_{group}__OAUTH_CLIENT_SECRET (värdet, "
    "inte hemlighetens id) under Certificates & secrets i appregistreringen.",
    "oauth.hint_secret_expired": "Klienthemligheten har gått ut: skapa en ny under Certificates & secrets och "
    "sätt KK_{group}__OAUTH_CLIENT_SECRET.",
    "oauth.hint_client_id": "Appen finns inte i katalogen: kontrollera KK_{group}__OAUTH_CLIENT_ID "
    "(Application (client) ID) och KK_{group}__OAUTH_TENANT.",
    "oauth.hint_tenant": "Katalogen finns inte: kontrollera KK_{group}__OAUTH_TENANT (Directory (tenant) ID) och "
    "KK_OAUTH__AUTHORITY.",
    "oauth.hint_scope": "Appen saknar behörighet för Exchange Online: lägg till API-behörigheterna "
    "IMAP.AccessAsApp och SMTP.SendAsApp (Office 365 Exchange Online) och ge administratörsmedgivande.",
    "oauth.hint_consent": "Administratörsmedgivande saknas: Grant admin consent för IMAP.AccessAsApp och "
    "SMTP.SendAsApp i appregistreringen.",
    "oauth.hint_disabled": "Appen är inaktiverad i Entra ID: aktivera den eller byt KK_{group}__OAUTH_CLIENT_ID.",
    "smtp.oauth_refused": "SMTP-servern {host} godtog inte OAuth-token för {user} ({error}). Kontrollera att "
    "appen har SMTP.SendAsApp med administratörsmedgivande, att Exchange-administratören har kört "
    "New-ServicePrincipal och Add-MailboxPermission för brevlådan, och att SMTP AUTH är påslaget för den "
    "(Set-CASMailbox -SmtpClientAuthenticationDisabled $false).",
    "imap.oauth_refused": "IMAP-servern {host} godtog inte OAuth-token för {user}. Kontrollera att appen har "
    "IMAP.AccessAsApp med administratörsmedgivande och att Exchange-administratören har kört "
    "New-ServicePrincipal och Add-MailboxPermission för brevlådan.",
    "smtp.unreachable": "SMTP-servern {host}:{port} svarar inte: {error}",
    "smtp.auth_failed": "Inloggningen till SMTP-servern {host} misslyckades. Kontrollera KK_SMTP__USERNAME "
    "och KK_SMTP__PASSWORD.",
    "db.not_current": "Databasen har inte den senaste strukturen. Kör först: kulturkluster db upgrade",
    "smtp.no_relay": "Varken en SMTP-server (KK_SMTP__HOST) eller en utkorg (KK_SMTP__OUTBOX) är inställd, "
    "så utgående post kan inte skickas.",
    "settings.path_missing": "Inställningen {setting} saknar en mapp.",
    "settings.imap_incomplete": "KK_INBOUND__SOURCE=imap behöver KK_IMAP__HOST och KK_IMAP__USERNAME.",
    "settings.secret_required": "Sätt KK_SECRET_KEY till ett långt slumpvärde (t.ex. från `openssl rand -hex 32`) "
    "innan tjänsten läser en riktig brevlåda: länkar och svar signeras med den.",
    "subscribers.already_on_list": "{email} finns redan i listan; se `kulturkluster subscribers show {email}`.",
    "mailer.progress_note": "{status}, {failed} misslyckade",
    "mailer.stopped": "Utskicket har stannat; nästa `kulturkluster mailer run` fortsätter där det slutade.",
    "dkim.key_unreadable": "Kan inte läsa DKIM-nyckeln {path}: {error}. Kontrollera KK_DKIM__PRIVATE_KEY_FILE.",
    "dkim.key_invalid": "DKIM-nyckeln i {path} går inte att använda: {error}. Den ska vara en RSA-nyckel i "
    "PEM-format eller en Ed25519-nyckel från dknewkey.",
    # staff app: Inkommande, Rapporter (and `inbound reroute`, `report cases`)
    "inbound.reroute_bad_target": "Det går inte att dirigera om till {route!r}. Välj en av: {routes}.",
    "inbound.reroute_same": "Meddelandet är redan dirigerat som {route}.",
    "inbound.reroute_unreadable": "Meddelandet går inte att läsa som e-post och kan därför inte bli {route}. "
    "Låt det ligga i karantän.",
    "inbound.reroute_no_sender": "Meddelandet saknar avsändaradress och kan därför inte bli {route}.",
    "inbound.reroute_own_address": "Meddelandet kommer från vår egen adress {address} och kan inte bli ett "
    "ärende eller en prenumeration.",
    "inbound.reroute_case_in_use": "Meddelandet hör till ärende {reference}, som också har andra meddelanden, "
    "svar eller anteckningar. Hantera det i ärendet i stället.",
    "inbound.reroute_case_deleted": "Ärende {reference}, som meddelandet hade öppnat, är borttaget.",
    "inbound.reroute_list_changed_since": "Listan ändrades inte för {email}: adressen har ändrats senare.",
    "inbound.reroute_unsubscribed": "{email} är borttagen från listan igen (den kom dit genom det här "
    "meddelandet).",
    "inbound.reroute_restored": "{email} har fått tillbaka sin tidigare status ({status}).",
    "inbound.no_address": "Meddelandet dirigerades som {route} men saknar en adress att ändra i listan.",
    "inbound.reroute_no_reason": "ingen motivering angiven",
    "inbound.rerouted": "Omdirigerad för hand från {old} till {new} av {actor}: {reason}",
    "inbound.rerun_not_quarantined": "Bara meddelanden i karantän kan köras igen. Använd ”Dirigera om” för "
    "att flytta meddelande {id} till en annan väg.",
    "subscribers.unknown_actor": "okänd",
    # subscribers and users by hand (CLI and web app)
    "subscribers.evidence_required": 'Skriv hur personen bad om det, till exempel "anmälde sig på Kulturfrukost '
    '12/11"; det sparas i samtyckesloggen.',
    "csv.unreadable_line": "Rad {line} i filen går inte att läsa som CSV ({error}). Kontrollera att filen är en "
    "CSV-fil sparad som text.",
    "csv.spreadsheet": "Filen är ett kalkylark (Excel eller LibreOffice), inte en CSV-fil. Spara den som "
    '"CSV (UTF-8)" i kalkylprogrammet och försök igen.',
    # Why a mail went where it went, per classifier rule (staff see this; the stored reason adds detail)
    "rule.our_marker": "Ett mejl vi själva skickat som kommit tillbaka.",
    "rule.from_ourselves": "Avsändaren är den gemensamma brevlådan själv.",
    "rule.spam_complaint": "En skräppostanmälan från en e-postleverantör.",
    "rule.bounce_detected": "En studsrapport: mejlet kunde inte levereras.",
    "rule.delivery_report": "En leveransrapport från en e-postserver.",
    "rule.mailer_daemon": "Ett felmeddelande från en e-postserver (MAILER-DAEMON).",
    "rule.failure_subject": "Ämnesraden säger att ett mejl inte kunde levereras.",
    "rule.unsubscribe_token": "Avregistrering via länken i nyhetsbrevet.",
    "rule.auto_submitted": "Ett automatiskt mejl (märkt Auto-Submitted).",
    "rule.autoreply_header": "Ett automatiskt svar (märkt som autosvar).",
    "rule.auto_response_suppress": "Ett automatiskt mejl från Exchange/Outlook.",
    "rule.precedence": "Ett massutskick eller autosvar (Precedence).",
    "rule.out_of_office": "Ett frånvaromeddelande.",
    "rule.read_receipt": "Ett läskvitto (automatiskt).",
    "rule.auto_generated_subject": "Ämnesraden säger att mejlet skapats automatiskt.",
    "rule.verp_return_path": "Skickat till ett nyhetsbrevs returadress: en studs.",
    "rule.null_sender": "Ett automatiskt mejl utan returadress.",
    "rule.no_sender": "Mejlet saknar en användbar avsändaradress.",
    "rule.confirm_token": "Ett svar på en bekräftelsefråga om prenumeration.",
    "rule.case_thread": "Ett svar i ett befintligt ärende.",
    "rule.follows_closed_case": "Ett svar på ett ärende som avslutades för länge sedan: nytt uppföljande ärende.",
    "rule.unsubscribe_subject": "Ämnesraden ber om avregistrering.",
    "rule.subscribe_subject": "Ämnesraden ber om en prenumeration.",
    "rule.new_case": "En fråga från en person: blir ett ärende.",
    "rule.unreadable": "Mejlet gick inte att läsa.",
    "rule.handler_failed": "Mejlet kunde inte hanteras (tekniskt fel).",
    "rule.manual": "Omdirigerat för hand.",
}
