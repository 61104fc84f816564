"""Catalogue part: Newsletter images and the public archive."""

from __future__ import annotations

SV: dict[str, str] = {
    # uploads
    "archive.image.too_large": "Bilden är för stor. Den får vara högst {mb} MB; spara den i mindre storlek och "
    "försök igen.",
    "archive.image.not_image": "Filen är ingen bild som kan användas. Ladda upp en JPEG-, PNG-, WebP- eller "
    "GIF-bild.",
    "archive.image.broken": "Bilden kunde inte läsas; filen verkar vara skadad. Spara om den i ett bildprogram "
    "och försök igen.",
    "archive.image.foreign": "Filen innehåller något mer än en bild och tas inte emot. Spara om bilden i ett "
    "bildprogram och försök igen.",
    "archive.image.bomb": "Bilden har för många bildpunkter för att kunna tas emot. Spara den i mindre storlek "
    "och försök igen.",
    "archive.image.no_file": "Ingen fil kom med. Välj en bild och försök igen.",
    "archive.image.bad_form": "Uppladdningen kunde inte läsas. Försök igen.",
    "archive.image.login": "Du behöver logga in igen innan du kan ladda upp bilder.",
    "archive.image.csrf": "Sidan är för gammal för att ladda upp bilder. Ladda om sidan och försök igen.",
    "archive.image.not_found": "Filen {path} finns inte.",
    "archive.image.added": "Bilden är sparad ({width} × {height} bildpunkter, {size}). Lägg den i ett avsnitt "
    "med raden nedan och skriv en alt-text som säger vad bilden visar.",
    "archive.image.alt_placeholder": "Beskriv vad bilden visar",
    # content
    "archive.image.alt_missing": "Fältet alt saknas{where}. Beskriv kort vad bilden visar, eller markera "
    "bilden som dekorativ med decorative: true om den inte tillför något.",
    "archive.image.decorative_not_bool": "Fältet decorative{where} ska vara true eller false.",
    # pre-send check
    "archive.check.images_heavy": "Bilderna i nyhetsbrevet väger tillsammans {size}. Över 1 MB tar brevet lång "
    "tid att öppna i mobilen; ta bort en bild eller använd mindre bilder.",
    "archive.check.images_http": "Bilderna hämtas från {url}, som inte använder https. Många e-postprogram "
    "visar inte sådana bilder; ställ in KK_PUBLIC_URL med https.",
    "archive.check.alt_file_name": "Alt-texten {alt!r} är ett filnamn. Beskriv i stället kort vad bilden visar.",
    "archive.check.alt_generic": "Alt-texten {alt!r} säger inte vad bilden visar. Beskriv kort vad den visar, "
    "eller markera bilden som dekorativ.",
    "archive.check.alt_long": "Alt-texten till bilden {src} har {n} tecken. Håll den under 150 tecken; längre "
    "förklaringar passar bättre i texten.",
    # archive pages
    "archive.title": "Nyhetsbrevsarkiv",
    "archive.feed_title": "{org}: nyhetsbrev",
    "archive.hidden": "Nyhetsbrevet visas inte längre i det öppna arkivet.",
    "archive.shown": "Nyhetsbrevet visas i det öppna arkivet.",
    "archive.not_archivable": "Bara nyhetsbrev som har skickats finns i arkivet.",
}
