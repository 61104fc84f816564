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
    # backup and restore
    "backup.target_not_empty": "{path} finns redan och är inte tom: välj en ny mapp för säkerhetskopian.",
    "backup.not_a_backup": "{path} är ingen säkerhetskopia från `kulturkluster backup` (manifest.json saknas).",
    "backup.wrong_kind": "Säkerhetskopian i {path} är från {kind}, men KK_DATABASE_URL pekar på {here}.",
    "backup.target_exists": "Databasen {path} finns redan. Återställ till en ny KK_DATA_DIR, eller ange --force "
    "för att ersätta den.",
    "backup.memory_database": "En databas i minnet kan inte säkerhetskopieras; sätt KK_DATABASE_URL till en fil.",
    "backup.no_database": "Databasen {path} finns inte.",
    "backup.pg_tool_missing": "{tool} saknas. Installera PostgreSQL-klienten (Debian: apt install "
    "postgresql-client) eller kör själv: {command}",
    "backup.pg_failed": "{tool} misslyckades: {error}",
    "cli.backup_done": "Säkerhetskopian finns i {path} (databasen och {files} bifogade filer).",
    "cli.restore_done": "Säkerhetskopian från {created} är återställd från {path}.",
    # kulturkluster doctor
    "doctor.summary_ok": "Inget behöver åtgärdas.",
    "doctor.summary_fail": "Åtgärda det som är markerat med ✗ och kör `kulturkluster doctor` igen.",
    "doctor.db_unreachable": "Databasen går inte att nå: {error}",
    "doctor.db_hint": "Kontrollera KK_DATABASE_URL och att databasservern är igång.",
    "doctor.db_old": "Databasen har inte den senaste strukturen.",
    "doctor.db_ok": "Databasen ({dialect}) svarar och har den senaste strukturen.",
    "doctor.maildir_ok": "Inkorgsmappen {path} går att använda.",
    "doctor.maildir_bad": "Inkorgsmappen {path} finns inte som skrivbar mapp. Kontrollera KK_INBOUND__MAILDIR.",
    "doctor.imap_ok": "Inloggad som {user} på {host}; mappen {folder} går att öppna.",
    "doctor.imap_hint": "Kontrollera KK_IMAP__HOST, KK_IMAP__PORT, KK_IMAP__SECURITY och inloggningsuppgifterna.",
    "doctor.imap_no_idle": "Servern kan inte IDLE: ny post hämtas var {seconds:g}:e sekund.",
    "doctor.imap_folders_missing": "Mapparna {folders} finns inte än; tjänsten skapar dem när den första posten "
    "sorteras.",
    "doctor.lmtp_answers": "LMTP-servern på {where} svarar.",
    "doctor.lmtp_bad": "Det som lyssnar på {where} svarar inte som en LMTP-server (kod {code}).",
    "doctor.lmtp_not_running": "Ingen LMTP-server lyssnar på {where} just nu; adressen är ledig.",
    "doctor.lmtp_hint": "Starta tjänsten (kulturkluster serve) så att Postfix kan lämna posten.",
    "doctor.lmtp_cannot_listen": "Tjänsten kan inte lyssna på {where}. Kontrollera KK_LMTP__HOST, KK_LMTP__PORT "
    "eller KK_LMTP__SOCKET.",
    "doctor.smtp_outbox": "Ingen SMTP-server: utgående post skrivs till {path}.",
    "doctor.smtp_ok": "SMTP-servern {host}:{port} svarar; skydd {security}, inloggning {auth} godtas.",
    "doctor.smtp_hint": "Kontrollera KK_SMTP__HOST, KK_SMTP__PORT, KK_SMTP__SECURITY och KK_SMTP__AUTH.",
    "doctor.smtp_plain_hint": "Förbindelsen är okrypterad: sätt KK_SMTP__SECURITY till starttls eller tls.",
    "doctor.oauth_ok": "Microsoft lämnar ut en åtkomsttoken till appen {client_id}.",
    "doctor.url_not_https": "KK_PUBLIC_URL är {url}, inte https.",
    "doctor.url_https_hint": "Länkar i mejl (avregistrering, bekräftelse) ska gå över https; Gmail och Yahoo kräver "
    "det för avregistrering med ett klick.",
    "doctor.url_unreachable": "{url} går inte att nå: {error}",
    "doctor.url_error": "{url} svarar med fel {status}.",
    "doctor.url_ok": "{url} svarar över https.",
    "doctor.dns_unavailable": "Ingen namnserver svarar: {error}",
    "doctor.dns_local": "{domain} är ingen offentlig domän (KK_ORG__ADDRESS): DNS kontrolleras inte.",
    "doctor.dns_hint": "Kontrollera nätverket eller KK_DNS__NAMESERVER.",
    "doctor.mx_missing": "{domain} har ingen MX-post: svar och studsar till oss kommer inte fram.",
    "doctor.mx_hint": "Lägg in en MX-post för domänen (hos Microsoft 365: <domän>.mail.protection.outlook.com).",
    "doctor.mx_ok": "Post till {domain} tas emot av {hosts}.",
    "doctor.spf_missing": "{domain} har ingen SPF-post.",
    "doctor.spf_hint": "Lägg in en enda TXT-post som börjar med v=spf1 och tillåter SMTP-servern, t.ex. "
    '"v=spf1 include:spf.protection.outlook.com -all".',
    "doctor.spf_broken": "SPF-posten för {domain} går inte att tolka: {error}.",
    "doctor.spf_present": "SPF-posten finns: {record}",
    "doctor.spf_relay_missing": "SPF-posten för {domain} tillåter inte SMTP-servern {relay}: {record}",
    "doctor.spf_relay_hint": "Lägg till {missing} i SPF-posten.",
    "doctor.spf_all": "SPF-posten tillåter vem som helst att skicka: {record}",
    "doctor.spf_all_hint": "Avsluta posten med -all eller ~all i stället.",
    "doctor.spf_ok": "SPF-posten tillåter SMTP-servern {relay}: {record}",
    "doctor.dkim_off": "Utgående post DKIM-signeras inte.",
    "doctor.dkim_off_hint": "Gmail och Yahoo kräver DKIM för massutskick: sätt KK_DKIM__SELECTOR, "
    "KK_DKIM__DOMAIN och KK_DKIM__PRIVATE_KEY_FILE (eller låt SMTP-servern signera).",
    "doctor.dkim_missing": "Det finns ingen DKIM-nyckel i DNS på {name}.",
    "doctor.dkim_revoked": "DKIM-nyckeln på {name} är återkallad (tom p=).",
    "doctor.dkim_mismatch": "DKIM-nyckeln på {name} hör inte ihop med KK_DKIM__PRIVATE_KEY_FILE.",
    "doctor.dkim_key_unreadable": "DKIM-nyckelfilen går inte att läsa: {error}",
    "doctor.dkim_publish_hint": "Publicera den publika nyckeln som TXT-post (dkimpy: dknewkey skriver den till en "
    ".dns-fil).",
    "doctor.dkim_ok": "DKIM-nyckeln på {name} hör ihop med vår nyckel.",
    "doctor.dmarc_missing": "Det finns ingen giltig DMARC-post på {name}.",
    "doctor.dmarc_hint": 'Lägg in en TXT-post "v=DMARC1; p=none; rua=mailto:..."; Gmail och Yahoo kräver en '
    "för massutskick.",
    "doctor.dmarc_ok": "DMARC-posten på {name} har policyn {policy}.",
    "doctor.dmarc_rua_hint": "Lägg till rua=mailto:... för att få rapporter om vem som skickar i domänens namn.",
    "doctor.bulk_missing": "Gmails och Yahoos krav på massutskick uppfylls inte: {missing}.",
    "doctor.bulk_hint": "Från 5 000 mejl om dagen kräver de SPF, DKIM med samma domän som From, en DMARC-post, "
    "avregistrering med ett klick och en klagofrekvens under 0,3 %.",
    "doctor.bulk_ok": "Gmails och Yahoos krav på massutskick uppfylls (SPF, DKIM med From-domänen, DMARC, "
    "avregistrering med ett klick).",
    "imap.oauth_refused": "IMAP-servern {host} godtog inte OAuth-token för {user}. Kontrollera att appen har "
    "IMAP.AccessAsApp med administratörsmedgivande och att Exchange-administratören har kört "
    "New-ServicePrincipal och Add-MailboxPermission för brevlådan.",
    "smtp.unreachable": "SMTP-servern {host}:{port} svarar inte: {error}",
    "smtp.auth_failed": "Inloggningen till SMTP-servern {host} misslyckades. Kontrollera KK_SMTP__USERNAME "
    "och KK_SMTP__PASSWORD.",
    "db.not_current": "Databasen har inte den senaste strukturen. Kör först: kulturkluster db upgrade",
    "smtp.no_relay": "Varken en SMTP-server (KK_SMTP__HOST) eller en utkorg (KK_SMTP__OUTBOX) är inställd, "
    "så utgående post kan inte skickas.",
    "settings.imap_incomplete": "KK_INBOUND__SOURCE=imap behöver KK_IMAP__HOST och KK_IMAP__USERNAME.",
    "settings.secret_required": "Sätt KK_SECRET_KEY till ett långt slumpvärde (t.ex. från `openssl rand -hex 32`) "
    "innan tjänsten läser en riktig brevlåda: länkar och svar signeras med den.",
    "cases.invalid_field": "{value!r} går inte som {field}; välj något av: {allowed}",
    "cases.not_found": "Hittar inget ärende {reference}.",
    "cases.no_subject": "(inget ämne)",
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
    # newsletters: content files (mailer.content)
    "newsletter.no_front_matter": "Nyhetsbrevet ska börja med en rad med bara --- följd av inställningarna "
    "(subject, preheader, sections, events) och en rad med bara --- efter dem. Se templates/newsletter/exempel.md.",
    "newsletter.front_matter_unclosed": "Inställningarna överst avslutas aldrig: lägg till en rad med bara --- "
    "efter dem.",
    "newsletter.yaml_error": "Inställningarna överst går inte att läsa på rad {line}: {problem}. Kontrollera "
    "indrag och kolon; sätt text med kolon eller # inom citattecken.",
    "newsletter.yaml_error_noline": "Inställningarna överst går inte att läsa: {problem}.",
    "newsletter.not_mapping": "Inställningarna överst ska vara fält på formen namn: värde, "
    "till exempel subject: Nyhetsbrev mars.",
    "newsletter.unknown_field": "Okänt fält {field!r}{where}. Tillåtna fält: {allowed}.",
    "newsletter.missing_field": "Fältet {field} saknas{where}.",
    "newsletter.empty_field": "Fältet {field}{where} är tomt.",
    "newsletter.not_text": "Fältet {field}{where} ska vara text, men är {kind}. Sätt värdet inom citattecken.",
    "newsletter.not_list": "Fältet {field} ska vara en lista: en rad som börjar med - för varje punkt.",
    "newsletter.item_not_mapping": "Punkt {number} under {field} (rad {line}) ska ha fält på formen namn: värde "
    "på egna, indragna rader.",
    "newsletter.nested_not_mapping": "Fältet {field}{where} ska ha fälten {keys} på egna, indragna rader.",
    "newsletter.intro_twice": "Inledningen står både i fältet intro och som text efter inställningarna. "
    "Behåll den ena.",
    "newsletter.empty": "Nyhetsbrevet har ingen text: skriv en inledning eller minst ett avsnitt under sections.",
    "newsletter.markdown_image": "Bilder i Markdown-texten{where} kan inte visas. Lägg bilden i fältet image "
    "i ett avsnitt (med src och alt) i stället.",
    "newsletter.bad_url": "Fältet {field}{where} ska vara en fullständig adress som börjar med https://, "
    "inte {value!r}.",
    "newsletter.where_section": " i avsnitt {number} under sections (rad {line})",
    "newsletter.where_event": " i evenemang {number} under events (rad {line})",
    "newsletter.where_nested": " i {field}{where}",
    "newsletter.where_intro": " i inledningen",
    "newsletter.kind.bool": "ett ja/nej-värde",
    "newsletter.kind.number": "ett tal",
    "newsletter.kind.date": "ett datum",
    "newsletter.kind.list": "en lista",
    "newsletter.kind.mapping": "en grupp av fält",
    "newsletter.kind.other": "något annat",
    "newsletter.weekdays": "måndag tisdag onsdag torsdag fredag lördag söndag",
    "newsletter.months": "januari februari mars april maj juni juli augusti september oktober november december",
    "newsletter.date": "{weekday} {day} {month} {year}",
    "newsletter.time": " kl. {hour}.{minute:02d}",
    # newsletters: rendering (mailer.newsletter_render)
    "newsletter.unknown_template": "Det finns ingen nyhetsbrevsmall som heter {name!r}. Mallar som finns: "
    "{available}.",
    "newsletter.mjml_broken": "Mallen {name!r} gav MJML som inte går att göra om till HTML ({error}). "
    "Kontrollera att alla taggar i mallen stängs.",
    "newsletter.mjml.unknown": "rad {line}: <{tag}> är ingen MJML-tagg och visas inte.",
    "newsletter.mjml.misplaced": "rad {line}: <{tag}> står i <{parent}> men får bara stå i {allowed}.",
    "newsletter.mjml.inside_ending": "rad {line}: <{tag}> står inuti <{parent}>, där bara HTML visas.",
    "newsletter.mjml.html_outside_text": "rad {line}: HTML-taggen <{tag}> står direkt i <{parent}>; "
    "lägg den i en <mj-text>.",
    "newsletter.mjml.text_outside_text": "rad {line}: texten {text!r} står direkt i <{parent}> och visas inte "
    "som tänkt; lägg den i en <mj-text>.",
    "newsletter.mjml.image_alt": "rad {line}: <mj-image> saknar alt-text.",
    "newsletter.mjml.stray_end": "rad {line}: </{tag}> stänger en tagg som aldrig öppnades.",
    "newsletter.mjml.unclosed": "<{tag}> stängs aldrig.",
    "newsletter.mjml.in_output": "<{tag}> finns kvar i den färdiga HTML-koden: MJML förstod inte taggen där "
    "den står.",
    # newsletters: the pre-send check (mailer.check)
    "newsletter.check.size_error": "HTML-delen är {kb} kB. Gmail klipper brev över 102 kB och döljer resten, "
    "också avregistreringslänken. Korta texten eller dela upp nyhetsbrevet.",
    "newsletter.check.size_warning": "HTML-delen är {kb} kB, nära gränsen där Gmail klipper brevet (102 kB).",
    "newsletter.check.subject_empty": "Ämnesraden är tom.",
    "newsletter.check.subject_long": "Ämnesraden är {n} tecken; många e-postprogram visar bara de första "
    "70–80. Lägg det viktigaste först.",
    "newsletter.check.subject_too_long": "Ämnesraden är {n} tecken lång. Korta den till högst 150, helst under 80.",
    "newsletter.check.unsubscribe_html": "Länken för att avsluta prenumerationen saknas i HTML-delen. "
    "Mallen måste länka till {{{{ links.unsubscribe }}}}.",
    "newsletter.check.unsubscribe_text": "Länken för att avsluta prenumerationen syns inte i textversionen.",
    "newsletter.check.text_missing": "Textversionen av brevet är tom.",
    "newsletter.check.preheader_missing": "Förhandstext (preheader) saknas: e-postprogrammen visar då "
    "brevets första ord bredvid ämnesraden.",
    "newsletter.check.mjml": "MJML: {warning}",
    "newsletter.check.link_empty": "En länk saknar adress.",
    "newsletter.check.link_anchor": "Länken {url!r} pekar inte ut ur brevet; ange en fullständig https-adress.",
    "newsletter.check.link_http": "Länken {url} använder http; byt till https.",
    "newsletter.check.link_not_https": "Länken {url!r} är ingen https-adress; ange hela adressen med https://.",
    "newsletter.check.link_malformed": "Länken {url!r} går inte att tolka som en adress.",
    "newsletter.check.image_alt": "Bilden {src} saknar alt-text. Beskriv kort vad den visar för den som inte "
    "ser bilder.",
    "newsletter.check.image_src": "Bilden {src!r} har ingen giltig https-adress.",
    "newsletter.check.link_broken": "Länken {url} svarar med fel {status}.",
    "newsletter.check.link_unreachable": "Länken {url} går inte att nå: {why}",
    # newsletters: campaign commands
    "newsletter.not_found": "Det finns inget nyhetsbrev med nummer {id} (se `kulturkluster newsletter list`).",
    "newsletter.not_started": "Nyhetsbrev {id} har inte börjat skickas, så det finns ingen fryst version av det än.",
    "newsletter.check_failed": "Kontrollen hittade fel i nyhetsbrev {id}, så det skickas inte. Rätta felen "
    "(`kulturkluster newsletter edit {id} --content FIL.md`) eller skicka ändå med --force.",
    "newsletter.wrong_state": "Nyhetsbrev {id} är {status}; det går bara när det är {allowed}.",
    "newsletter.status.draft": "utkast",
    "newsletter.status.scheduled": "schemalagt",
    "newsletter.status.sending": "under utskick",
    "newsletter.status.paused": "pausat",
    "newsletter.status.sent": "skickat",
    "newsletter.status.cancelled": "avbrutet",
    "newsletter.content_unreadable": "Kan inte läsa innehållsfilen {path}: {error}. Den ska vara en "
    "UTF-8-textfil med Markdown.",
    "newsletter.updated": "Nyhetsbrev {id} har fått nytt innehåll.",
    "newsletter.preview_address": "mottagare@exempel.se",
    "newsletter.preview_written": "Förhandsvisningen är sparad i {path} ({size} kB).",
    "newsletter.test_sent": "Ett testexemplar ({size} kB) är skickat till {to}.",
    "newsletter.check_clean": "Kontrollen hittade inga problem.",
    "newsletter.check_title": "Kontroll före utskick",
    "newsletter.bad_time": "Tiden {value!r} går inte att läsa. Skriv till exempel 2026-12-01T08:00.",
    "newsletter.scheduled": "Nyhetsbrev {id} skickas {at}. Mottagarna är de som prenumererar då.",
    "newsletter.started": "Nyhetsbrev {id} skickas nu till {total} mottagare. `kulturkluster mailer run` "
    "sköter utskicket; `kulturkluster newsletter status {id}` visar hur långt det har kommit.",
    "newsletter.status_title": "Utskick",
    "newsletter.paused": "Nyhetsbrev {id} är pausat. `kulturkluster newsletter resume {id}` fortsätter.",
    "newsletter.resumed": "Nyhetsbrev {id} fortsätter där det stannade.",
    "newsletter.cancelled": "Nyhetsbrev {id} är avbrutet; {left} mottagare får det inte.",
    "mailer.progress_note": "{status}, {failed} misslyckade",
    "mailer.stopped": "Utskicket har stannat; nästa `kulturkluster mailer run` fortsätter där det slutade.",
    "dkim.key_unreadable": "Kan inte läsa DKIM-nyckeln {path}: {error}. Kontrollera KK_DKIM__PRIVATE_KEY_FILE.",
    "dkim.key_invalid": "DKIM-nyckeln i {path} går inte att använda: {error}. Den ska vara en RSA-nyckel i "
    "PEM-format eller en Ed25519-nyckel från dknewkey.",
    # spam score (SpamAssassin, run locally)
    "spam.unavailable": "SpamAssassin är inte installerat, så brevets spampoäng kan inte räknas ut. "
    "Installera det med `apt install spamassassin` och försök igen.",
    "spam.timeout": "SpamAssassin blev inte klart på {seconds} sekunder, så brevets spampoäng är okänd. "
    "Försök igen; händer det igen, kontrollera att `spamassassin --lint` fungerar.",
    "spam.failed": "SpamAssassin avslutades med fel {code}: {error}. Kontrollera installationen med "
    "`spamassassin --lint`.",
    "spam.unreadable": "SpamAssassin svarade med något som inte går att tolka som en spampoäng. Kontrollera "
    "installationen med `spamassassin --lint`.",
    "spam.high_score": "SpamAssassin ger brevet {points:.1f} poäng; vi vill hålla oss under {limit:.1f}. "
    "Regler som drar upp: {rules}.",
    "spam.is_spam": "SpamAssassin bedömer brevet som spam: {points:.1f} poäng, gränsen är {threshold:.1f}. "
    "Regler som drar upp: {rules}.",
    "newsletter.check.public_url_local": "Länkarna till våra egna sidor går till {url}, som bara fungerar på "
    "den här datorn. Sätt KK_PUBLIC_URL till webbappens https-adress innan brevet går till riktiga mottagare.",
    "newsletter.check.public_url_http": "Länkarna till våra egna sidor (avsluta, visa i webbläsaren) går till "
    "{url} utan https. Sätt KK_PUBLIC_URL till en https-adress.",
    "newsletter.spam_score": "SpamAssassin (utan nätverkstester): {points} poäng. Målet är under 1,0; "
    "från 5,0 räknas brevet som spam.",
    # staff accounts
    "accounts.password_short": "Lösenordet är för kort: minst {n} tecken (en mening går bra).",
    "accounts.unknown": "Det finns inget konto som heter {username!r} (se `kulturkluster users list`).",
    "accounts.bad_username": "Användarnamnet {username!r} går inte: använd små bokstäver a–z, siffror, punkt, "
    "bindestreck eller understreck, 2–63 tecken.",
    "accounts.exists": "Det finns redan ett konto som heter {username!r}.",
    "accounts.prompt": "Lösenord: ",
    "accounts.prompt_again": "Samma lösenord igen: ",
    "accounts.mismatch": "Lösenorden var inte lika; inget har ändrats.",
    "accounts.added": "Kontot {username} ({role}) är skapat.",
    "accounts.password_set": "{username} har fått nytt lösenord; gamla inloggningar är avslutade.",
    "accounts.disabled": "{username} kan inte längre logga in; öppna inloggningar är avslutade.",
    "accounts.enabled": "{username} kan logga in igen.",
    # the staff web app
    "web.login_needed": "Logga in först.",
    "web.csrf_failed": "Formuläret hade gått ut eller kom inte från den här sidan. Ladda om sidan och försök igen.",
    "web.login_failed": "Fel användarnamn eller lösenord.",
    "web.login_throttled": "För många misslyckade försök. Vänta en kvart och försök igen, eller be en "
    "administratör om ett nytt lösenord.",
    # guidance cases: staff actions shared by the CLI and the web app (section Ärenden)
    "cases.empty_note": "Anteckningen är tom; skriv något innan den sparas.",
    "cases.already_subscription": "Ärendet {reference} är redan markerat som en prenumeration.",
    "cases.subscription_note": "Mejlet var en anmälan till nyhetsbrevet, inte en fråga: {address} fick samma "
    "svar som vid en anmälan per mejl. Ärendet räknas inte i rapporterna.",
    "cases.subscription_activated": "{address} prenumererar nu på nyhetsbrevet och får ett välkomstmejl; "
    "{reference} är avslutat.",
    "cases.subscription_confirmation_needed": "{address} får ett mejl för att bekräfta prenumerationen; "
    "{reference} är avslutat.",
    "cases.subscription_already_active": "{address} prenumererade redan på nyhetsbrevet; {reference} är avslutat.",
    "web.cases.replied": "Svaret i {reference} är skickat.",
    "web.cases.reply_queued": "Svaret i {reference} är sparat, men e-postservern tog inte emot det just nu. "
    "Det skickas automatiskt så snart det går.",
    "web.cases.noted": "Anteckningen sparades i {reference}.",
    "web.cases.updated": "{reference} är uppdaterat.",
    "web.cases.merged": "{source} är ihopslaget med {target}.",
    "web.cases.merged_away": "{source} är ihopslaget med {target}; här är {target}.",
    "web.cases.merge_unconfirmed": "Kryssa i rutan för att bekräfta att ärendena ska slås ihop.",
    "web.cases.merge_target_missing": "Skriv referensen till det ärende som det här ska slås ihop med, "
    "till exempel KK-2026-0042.",
    "web.cases.bad_filter": "Filtret {name} har ett okänt värde ({value!r}) och används inte.",
    "web.cases.bad_assignee": "{value!r} är ingen av användarna; välj handläggare i listan.",
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
    "cli.rerouted": "Meddelande {id} är omdirigerat från {old} till {new}.",
    "cli.rerouted_case": "Ärende: {reference}",
    "reports.bad_date": "{value!r} är inget datum. Skriv datum som ÅÅÅÅ-MM-DD, t.ex. 2026-03-31.",
    "reports.bad_period": "Perioden slutar ({last}) innan den börjar ({first}).",
    "reports.period_too_long": "Perioden är för lång: välj högst {years} år.",
    "reports.unknown_table": "Det finns ingen tabell som heter {name!r}. Välj en av: {names}.",
    "web.inbound.rerun_done": "Meddelandet kördes igen och gick till {route}.",
    "web.inbound.rerun_none": "Meddelandet ligger inte i karantän längre; inget kördes.",
    "web.inbound.rerouted": "Meddelandet är omdirigerat från {old} till {new}.",
    # staff web app: Nyhetsbrev
    "web.newsletters.not_found": "Det finns inget nyhetsbrev med nummer {id}.",
    "web.newsletters.created": "Nyhetsbrev {id} är sparat som utkast. Kontrollera det och skicka ett test "
    "till dig själv innan det går till alla.",
    "web.newsletters.updated": "Ändringarna är sparade.",
    "web.newsletters.locked": "Nyhetsbrev {id} är {status} och kan inte längre ändras: innehållet frystes när "
    "utskicket började. Skapa ett nytt nyhetsbrev om något behöver rättas.",
    "web.newsletters.too_long": "Texten är för lång: högst {kb} kB. Korta den eller dela upp den på två nummer.",
    "web.newsletters.preview_gone": "Förhandsvisningen finns inte längre. Ändra något i texten så görs en ny.",
    "web.newsletters.test_no_address": "Ditt konto har ingen e-postadress. Skriv vart testexemplaret ska.",
    "web.newsletters.bad_when": "Välj om nyhetsbrevet ska skickas nu eller vid en viss tid.",
    "web.newsletters.time_missing": "Fyll i datum och tid för utskicket.",
    "web.newsletters.time_past": "Tiden {at} har redan passerat. Välj en senare tid, eller Skicka nu.",
    "web.newsletters.force_admin_only": "Bara en administratör kan skicka trots fel i kontrollen. Rätta felen "
    "i nyhetsbrevet, eller be en administratör.",
    "web.newsletters.already_sent": "Nyhetsbrevet är redan {status}; det kan bara skickas en gång.",
    "web.newsletters.started": "Utskicket har börjat: {total} mottagare. Breven går i den takt gränserna för "
    "utskick tillåter; följ förloppet här.",
    "web.newsletters.scheduled": "Nyhetsbrevet skickas {at} (svensk tid). Mottagarna är de som prenumererar då.",
    "web.newsletters.paused": "Utskicket är pausat. Inga fler brev går i väg förrän du trycker Fortsätt.",
    "web.newsletters.resumed": "Utskicket fortsätter där det stannade.",
    "web.newsletters.resumed_waiting": "Nyhetsbrevet väntar åter på sin tid och skickas då.",
    "web.newsletters.cancel_unconfirmed": "Kryssa i rutan för att bekräfta att utskicket ska avbrytas.",
    "web.newsletters.cancelled": "Utskicket är avbrutet; {left} mottagare får inte nyhetsbrevet.",
    # subscribers and users by hand (CLI and web app)
    "subscribers.evidence_required": 'Skriv hur personen bad om det, till exempel "anmälde sig på Kulturfrukost '
    '12/11"; det sparas i samtyckesloggen.',
    "csv.unreadable_line": "Rad {line} i filen går inte att läsa som CSV ({error}). Kontrollera att filen är en "
    "CSV-fil sparad som text.",
    "csv.spreadsheet": "Filen är ett kalkylark (Excel eller LibreOffice), inte en CSV-fil. Spara den som "
    '"CSV (UTF-8)" i kalkylprogrammet och försök igen.',
    "accounts.bad_role": "Rollen {role!r} finns inte; välj admin eller staff.",
    "accounts.bad_email": "{email!r} är ingen giltig e-postadress: {why}.",
    "accounts.last_admin": "{username} är den sista aktiva administratören. Gör först någon annan till "
    "administratör.",
    "accounts.disable_self": "Du kan inte inaktivera ditt eget konto; be en annan administratör.",
    "accounts.demote_self": "Du kan inte ta bort din egen administratörsroll; be en annan administratör.",
    "accounts.unknown_id": "Det finns inget konto med id {id}.",
    "accounts.password_long": "Lösenordet är för långt: högst {n} tecken.",
    # the staff web app: Prenumeranter
    "web.subscribers.status.pending": "väntar på bekräftelse",
    "web.subscribers.status.active": "aktiv",
    "web.subscribers.status.unsubscribed": "avslutad",
    "web.subscribers.status.bounced": "spärrad (studsar)",
    "web.subscribers.status.complained": "spärrad (spamanmälan)",
    "web.subscribers.bad_status": "Okänd status {status!r}; välj en av: {allowed}.",
    "web.subscribers.bad_page": "Sidan {page!r} finns inte; ange ett sidnummer från 1.",
    "web.subscribers.not_found": "Det finns ingen prenumerant med id {id}; den kan ha raderats.",
    "web.subscribers.already_on_list": "{email} finns redan i listan (status: {status}); inget ändrades. En "
    "adress som har avslutat läggs inte tillbaka för hand: personen anmäler sig själv igen.",
    "web.subscribers.erase_mismatch": "Skriv adressen {email} i rutan för att bekräfta. Inget har raderats.",
    "web.subscribers.import_no_file": "Välj en CSV-fil att importera.",
    "web.subscribers.import_too_large": "Filen är för stor: högst {limit} MB åt gången. Dela upp listan i "
    "flera filer.",
    "web.subscribers.import_expired": "Förhandsgranskningen finns inte längre (den gäller en timme och kan "
    "bara bekräftas en gång). Ladda upp filen igen.",
    # the staff web app: Användare
    "web.users.own_password_set": "Ditt lösenord är bytt; dina andra inloggningar är avslutade.",
    "web.users.role_set": "{username} har nu rollen {role}; kontots inloggningar är avslutade.",
    "web.inbound.bad_route": "Det finns ingen väg som heter {route!r}; alla meddelanden visas.",
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


def t(key: str, **values: object) -> str:
    """The Swedish text for ``key`` with ``values`` filled in."""
    return SV[key].format(**values)
