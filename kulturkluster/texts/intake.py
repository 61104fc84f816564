"""Catalogue part: Cases recorded by hand and replies sent from outside the app."""

from __future__ import annotations

SV: dict[str, str] = {
    "intake.channel.epost": "E-post",
    "intake.channel.telefon": "Telefon",
    "intake.channel.besok": "Besök",
    "intake.channel.mote": "Möte",
    "intake.channel.evenemang": "Evenemang",
    "intake.bad_address": "”{value}” är ingen användbar e-postadress: {why}",
    "intake.bad_at": "”{value}” är ingen tidpunkt. Skriv datum och tid som 2026-11-28 14:30.",
    "intake.future_at": "Tidpunkten {value} ligger i framtiden. Ange när vägledningen skedde.",
    "intake.bad_channel": "”{value}” är ingen kanal. Välj en av: {allowed}.",
    "intake.no_requester": "Ange vem som frågade: ett namn, en e-postadress eller båda.",
    "intake.no_subject": "Ärendet behöver en rubrik.",
    "intake.no_body": "Skriv vad frågan eller vägledningen gällde.",
    "intake.created": "Ärendet {reference} är skapat.",
    "intake.no_address": "(ingen e-postadress)",
    "rule.staff_reply": "Ett svar från personalen till den som frågade, skickat från ett eget e-postprogram.",
    "rule.staff_mail": "E-post från personalen som inte svarar någon som frågat: inget ärende, inget kvitto.",
    "intake.requester_without_address": (
        "Den som frågade i {reference} gav ingen e-postadress, så det går inte att skicka e-post. "
        "Lägg till adressen eller skriv en anteckning."
    ),
}
