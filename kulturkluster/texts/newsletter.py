"""Catalogue: newsletters (content, check, campaigns, sending) and the spam check."""

from __future__ import annotations

SV: dict[str, str] = {
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
    "newsletter.relay_paused": "Pausat av sig självt: e-postservern vägrar ta emot våra brev (inte mottagarnas fel). "
    "Serverns svar: {reply}. Rätta avsändaren eller kontot hos e-postservern och tryck Fortsätt.",
    "newsletter.paused": "Nyhetsbrev {id} är pausat. `kulturkluster newsletter resume {id}` fortsätter.",
    "newsletter.resumed": "Nyhetsbrev {id} fortsätter där det stannade.",
    "newsletter.cancelled": "Nyhetsbrev {id} är avbrutet; {left} mottagare får det inte.",
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
}
