"""Catalogue part: The evaluation report, case context and search."""

from __future__ import annotations

SV: dict[str, str] = {
    # The evaluation report (cases.report_tables)
    "evaluation.by_channel": "Ärenden per månad och kanal",
    "evaluation.by_municipality": "Ärenden per månad och kommun",
    "evaluation.channel.epost": "e-post",
    "evaluation.channel.telefon": "telefon",
    "evaluation.channel.besok": "besök",
    "evaluation.channel.mote": "möte",
    "evaluation.channel.evenemang": "evenemang",
    "evaluation.repeat_actors": "Återkommande aktörer: {count} med mer än ett ärende",
    "evaluation.col_actor": "aktör",
    "evaluation.col_cases": "ärenden",
    "evaluation.list_per_month": "Nyhetsbrevets lista per månad",
    "evaluation.col_list_size": "aktiva vid månadens slut",
    "evaluation.col_new": "nya",
    "evaluation.col_unsubscribed": "avslutade",
    "evaluation.col_bounced": "studsade",
    "evaluation.list_changes": "Nya, avslutade och studsade prenumeranter per månad",
    "evaluation.issues": "Utskick av nyhetsbrevet",
    "evaluation.col_issue": "utskick",
    "evaluation.col_started": "startade",
    "evaluation.col_recipients": "mottagare",
    "evaluation.col_delivered": "levererade",
    "evaluation.col_failed": "misslyckade",
    "evaluation.col_unsubscribed_7": "avslutade inom 7 dagar",
    # The Ärenden list's count says which statuses it covers (kulturkluster/web/staff/cases.py)
    "evaluation.count_open_one": "öppet ärende (ny, pågående eller väntar)",
    "evaluation.count_open_many": "öppna ärenden (ny, pågående eller väntar)",
    "evaluation.count_all_one": "ärende med alla statusar",
    "evaluation.count_all_many": "ärenden med alla statusar, även avslutade",
    "evaluation.count_status_one": "ärende med status {status}",
    "evaluation.count_status_many": "ärenden med status {status}",
    # Consent evidence, as the consent log shows it (Swedish, times in Swedish time)
    "evaluation.evidence_confirm_link": "knappen på bekräftelsesidan; signerad länk utfärdad {issued} (svensk tid)",
    "evaluation.evidence_one_click": "avanmälan med ett klick (RFC 8058) från e-postprogrammet",
    "evaluation.evidence_unsubscribe_button": "knappen på avanmälningssidan",
    "evaluation.evidence_unsubscribe_link": "{how}; signerad avanmälningslänk utfärdad {issued} (svensk tid)",
    "evaluation.evidence_no_auth": "utan Authentication-Results",
    "evaluation.evidence_mail": "{rule} Från: {sender}. Teknisk detalj: {reason}. {trail}",
}
