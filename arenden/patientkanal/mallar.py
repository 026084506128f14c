"""Region templates for the patient's confirmations: plain text with `{platshållare}`, rendered safely.

Rendering is a simple substitution, not a template engine: the text and every value are HTML-escaped, only the
names in PLATSHALLARE are replaced, and anything else – `{okänd}`, `{enhet.__class__}`, `{enhet:>99}`, a lone
brace – is refused when a region saves the template (`granska`) and left as escaped text if it is ever met when
rendering. So a hostile template can neither run code nor inject markup.
"""

import string

from django.core.exceptions import ValidationError
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from arenden.patientkanal.models import Meddelandetyp

PLATSHALLARE = {
    "arende": "ärendenumret (VF-…)",
    "region": "hemregionens namn",
    "telefon": "vårdförmedlingens telefonnummer",
    "kontakt": "regionens kontaktuppgifter",
    "resor": "regionens regler för resor",
    "enhet": "den mottagande enhetens namn",
    "enhet_adress": "enhetens adress",
    "enhet_telefon": "enhetens telefonnummer",
    "planerat_datum": "planerat datum för vården",
    "vantetid": "förväntad väntetid på enheten, till exempel ”ungefär 3 veckor”",
    "vardgaranti": "en mening om vårdgarantins datum som stämmer med det planerade datumet",
    "utfort_datum": "datum då vården utfördes",
}
OKAND_PLATSHALLARE = "Platshållaren {{{namn}}} finns inte. Använd någon av: {namn_lista}."
FEL_KLAMMER = "Texten har en ensam klammerparentes ({{ eller }}). Skriv platshållare som {{enhet}}."
FEL_FORMAT = "Platshållaren {{{namn}}} får inte ha tillägg efter namnet. Skriv bara {{{bas}}}."

STANDARD: dict[str, tuple[str, str]] = {
    Meddelandetyp.REMISSBEKRAFTELSE: (
        "Remissbekräftelse – din remiss har kommit fram",
        "Hej!\n\n"
        "Din remiss har kommit fram till {enhet}. Mottagningen har tagit emot den och planerar din vård.\n\n"
        "Planerat datum: {planerat_datum}. Väntetiden är {vantetid}. {vardgaranti}\n\n"
        "Ditt ärendenummer är {arende}. Uppge det när du kontaktar oss.\n\n"
        "Så här går det till nu:\n"
        "1. Mottagningen skickar en kallelse till dig med tid och plats.\n"
        "2. Resan: {resor}\n"
        "3. Du får vården. Sedan skickas uppgifterna tillbaka till din vanliga mottagning.\n\n"
        "Vården kostar dig inget extra. Du betalar samma patientavgift som i din egen region.\n\n"
        "Vill du inte längre ha vården, eller har du frågor? {kontakt}\n\n"
        "Mottagningens adress: {enhet}, {enhet_adress}.",
    ),
    Meddelandetyp.BEHANDLINGSBEKRAFTELSE: (
        "Behandlingsbekräftelse – din vård är utförd",
        "Hej!\n\n"
        "Din vård hos {enhet} är utförd {utfort_datum}.\n\n"
        "Ditt ärendenummer är {arende}.\n\n"
        "Så här går det till nu:\n"
        "1. Uppgifterna skickas tillbaka till din vanliga mottagning.\n"
        "2. Vi hör av oss och frågar hur det gick.\n\n"
        "Resor och kostnader: {resor}\n\n"
        "Har du frågor eller besvär efter vården? {kontakt}",
    ),
}


def granska(text: str) -> None:
    """Refuses (Swedish message naming the placeholder) a template with an unknown or decorated placeholder."""
    try:
        delar = list(string.Formatter().parse(text))
    except ValueError as exc:
        raise ValidationError(FEL_KLAMMER) from exc
    for _, namn, spec, konvertering in delar:
        if namn is None:
            continue
        if namn not in PLATSHALLARE:
            bas = namn.split(".")[0].split("[")[0]
            if bas in PLATSHALLARE:
                raise ValidationError(FEL_FORMAT.format(namn=namn, bas=bas))
            raise ValidationError(
                OKAND_PLATSHALLARE.format(namn=namn, namn_lista=", ".join(f"{{{n}}}" for n in PLATSHALLARE))
            )
        if spec or konvertering:
            raise ValidationError(FEL_FORMAT.format(namn=namn + (f"!{konvertering}" if konvertering else ""), bas=namn))


def _ersatt(text: str, varden: dict[str, str]) -> str:
    """Escaped text with the known placeholders replaced by their escaped values (newlines kept)."""
    try:
        delar = list(string.Formatter().parse(text))
    except ValueError:
        return escape(text)
    ut = []
    for bokstavligt, namn, spec, konvertering in delar:
        ut.append(escape(bokstavligt))
        if namn is None:
            continue
        if namn in PLATSHALLARE and not spec and not konvertering:
            ut.append(escape(varden.get(namn, "")))
        else:  # never evaluated: shown as written
            rest = f"!{konvertering}" if konvertering else ""
            rest += f":{spec}" if spec else ""
            ut.append(escape(f"{{{namn}{rest}}}"))
    return "".join(ut)


def rendera(text: str, varden: dict[str, str]) -> SafeString:
    """The template as HTML paragraphs (blank line → new paragraph, newline → <br>), everything escaped."""
    html = _ersatt(text.replace("\r\n", "\n"), varden)
    stycken = [s.strip() for s in html.split("\n\n") if s.strip()]
    return mark_safe("".join(f"<p>{s.replace(chr(10), '<br>')}</p>" for s in stycken))  # noqa: S308 – escaped above


def rendera_rubrik(text: str, varden: dict[str, str]) -> str:
    """The heading as plain text (autoescaped wherever it is shown)."""
    try:
        delar = list(string.Formatter().parse(text))
    except ValueError:
        return text
    ut = []
    for bokstavligt, namn, spec, konvertering in delar:
        ut.append(bokstavligt)
        if namn is not None:
            ut.append(varden.get(namn, "") if namn in PLATSHALLARE and not spec and not konvertering else f"{{{namn}}}")
    return "".join(ut)
