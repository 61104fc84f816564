"""Catalogue part: Staff notifications, daily summaries and follow-up reminders."""

from __future__ import annotations

SV: dict[str, str] = {
    # Daily summary subject parts (singular / plural).
    "notify.count_new_cases.one": "1 nytt ärende",
    "notify.count_new_cases.many": "{n} nya ärenden",
    "notify.count_new_messages.one": "1 nytt meddelande",
    "notify.count_new_messages.many": "{n} nya meddelanden",
    "notify.count_follow_ups.one": "1 att följa upp",
    "notify.count_follow_ups.many": "{n} att följa upp",
    "notify.day": "{day} {month}",
    "notify.due_today": "i dag",
    "notify.due_on": "den {day}",
    "notify.overdue.one": "sedan i går",
    "notify.overdue.many": "sedan {day} ({n} dagar sedan)",
    # The account page (Mitt konto).
    "notify.mode.every": "Ett mejl för varje nytt ärende och meddelande",
    "notify.mode.daily": "En sammanfattning om dagen",
    "notify.mode.none": "Inga mejl",
    "notify.bad_mode": "Välj hur du vill få besked: ett mejl för varje händelse, en sammanfattning om dagen eller inga mejl.",
    "notify.bad_time": "Skriv klockslaget som TT:MM, till exempel 08:00 (inte ”{value}”).",
    "notify.signature_long": "Signaturen får vara högst {n} tecken lång.",
    "notify.saved": "Dina inställningar är sparade.",
    "notify.no_email": "Ditt konto har ingen e-postadress, så du får inga mejl. Be en administratör lägga till den.",
    # Follow-up.
    "notify.bad_follow_up": "Skriv datumet för uppföljning som ÅÅÅÅ-MM-DD, till exempel 2026-12-01 (inte ”{value}”).",
    "notify.follow_up_set": "Ärendet ska följas upp {day}.",
    "notify.follow_up_cleared": "Uppföljningsdatumet är borttaget.",
    # CLI.
    "notify.run_done": "Skickat: {notices}, {summaries}; {reminders}.",
    "notify.cli_notices.one": "1 besked",
    "notify.cli_notices.many": "{n} besked",
    "notify.cli_summaries.one": "1 sammanfattning",
    "notify.cli_summaries.many": "{n} sammanfattningar",
    "notify.cli_reminders.one": "1 ny påminnelse",
    "notify.cli_reminders.many": "{n} nya påminnelser",
}
