"""Catalogue: the staff web app and staff accounts."""

from __future__ import annotations

SV: dict[str, str] = {
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
    "web.cases.filter_page": "sida",
    "web.charts.empty": "Inga ärenden i perioden.",
    "web.charts.span": "{first} till {last}",
    "web.charts.description": "Staplat stapeldiagram, en stapel per månad {span}, uppdelad på {series} "
    "kategorier. Samma siffror finns i tabellen nedan.",
    "web.barrier.subject": "Tillgänglighet: {text}",
    "web.barrier.note_intro": "Anmälan om brist i tillgängligheten, via formuläret på /tillganglighet.",
    "web.barrier.note_where": "Var: {where}",
    "web.overview.fetch_failed": "Senaste försöket att hämta post misslyckades.",
    "web.overview.never_fetched": "Ingen lyckad hämtning ännu.",
    "web.overview.fetch_stale": "Ingen lyckad hämtning på {ago}.",
    "web.overview.minute": "{n} minut",
    "web.overview.minutes": "{n} minuter",
    "web.overview.hour": "{n} timme",
    "web.overview.hours": "{n} timmar",
    "web.overview.days": "{n} dagar",
    "web.cases.bad_assignee": "{value!r} är ingen av användarna; välj handläggare i listan.",
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
    "web.subscribers.reenabled": "{email} får nyhetsbrevet igen; studspoängen är nollställd.",
    "web.subscribers.not_bounced": "{email} är inte spärrad efter studsar, så det finns inget att aktivera.",
    "web.subscribers.reenable_evidence": "aktiverad igen i appen efter studsar",
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
}
