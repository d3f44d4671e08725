"""Every text notify sends, in Norwegian bokmål, in one place so they can be reviewed as text.

Rules for these texts (domain-rules.md, "Notifications"): short and friendly, and never a health detail:
no medicine name, no consultation text, no reason for a visit, no diagnosis. "Du har fått svar i
ePortalen" is enough; the patient reads the rest after logging in. A template may use only the fields
in `FIELDS` (when, the online cancel deadline, money, dates, the giro's KID and, for the login code alone,
the code); `render` refuses anything else, so an event's other fields can never reach a message.

A message never promises what the clinic's rules refuse: a booking or reminder tells the patient they may
cancel online only while the deadline (24 working-day hours before) is still ahead, and says until when.
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from typing import Final


@dataclass(frozen=True)
class Template:
    label: str          # what staff see in the delivery list
    sms: str
    subject: str        # e-mail
    email: str


# The placeholders a template may use. None of them can carry a health detail.
FIELDS: Final = frozenset({"tid", "frist", "beløp", "forfall", "kid", "kode"})

_SIGNATURE = "\n\nVennlig hilsen\nLegekontoret\n\nDenne e-posten kan ikke besvares."

TEMPLATES: Final[dict[str, Template]] = {
    "login_code": Template(
        label="Engangskode for innlogging",
        sms="Engangskoden din til ePortalen: {kode} (gyldig i 5 minutter). Ikke del koden med noen.",
        subject="", email=""),  # SMS only
    "appointment_booked": Template(
        label="Timebekreftelse",
        sms="Timen din hos legekontoret er bestilt: {tid}. Avbestill i ePortalen på en virkedag, senest {frist}.",
        subject="Timen din er bestilt",
        email="Hei!\n\nTimen din hos legekontoret er bestilt: {tid}.\n\n"
              "Du kan se timen i ePortalen, og avbestille den der på en virkedag, senest {frist}." + _SIGNATURE),
    "appointment_booked_too_late_to_cancel_online": Template(
        label="Timebekreftelse (for sent å avbestille på nett)",
        sms="Timen din hos legekontoret er bestilt: {tid}. Den kan ikke avbestilles på nett; får du ikke kommet, "
            "ring oss.",
        subject="Timen din er bestilt",
        email="Hei!\n\nTimen din hos legekontoret er bestilt: {tid}.\n\n"
              "Det er for sent å avbestille den på nett. Får du ikke kommet, ring legekontoret." + _SIGNATURE),
    "appointment_cancelled_by_patient": Template(
        label="Avbestilling bekreftet",
        sms="Timen din hos legekontoret {tid} er avbestilt.",
        subject="Timen din er avbestilt",
        email="Hei!\n\nTimen din hos legekontoret {tid} er avbestilt." + _SIGNATURE),
    "appointment_cancelled_by_clinic": Template(
        label="Time avlyst av legekontoret",
        sms="Legekontoret har dessverre måttet avlyse timen din {tid}. Bestill ny time i ePortalen "
            "eller ring oss.",
        subject="Timen din er avlyst",
        email="Hei!\n\nLegekontoret har dessverre måttet avlyse timen din {tid}.\n\n"
              "Du kan bestille ny time i ePortalen eller ringe oss." + _SIGNATURE),
    "appointment_reminder": Template(
        label="Påminnelse om time",
        sms="Påminnelse: Du har time hos legekontoret {tid}. Får du ikke kommet, avbestill i ePortalen senest "
            "{frist}.",
        subject="Påminnelse om time",
        email="Hei!\n\nPåminnelse: Du har time hos legekontoret {tid}.\n\n"
              "Får du ikke kommet, avbestill timen i ePortalen senest {frist}." + _SIGNATURE),
    "appointment_reminder_too_late_to_cancel_online": Template(
        label="Påminnelse om time (for sent å avbestille på nett)",
        sms="Påminnelse: Du har time hos legekontoret {tid}. Får du ikke kommet, ring legekontoret.",
        subject="Påminnelse om time",
        email="Hei!\n\nPåminnelse: Du har time hos legekontoret {tid}.\n\n"
              "Får du ikke kommet, ring legekontoret." + _SIGNATURE),
    "gp_changed": Template(
        label="Ny fastlege",
        sms="Du har fått ny fastlege ved legekontoret. Første gang må du ringe oss; deretter kan du bruke ePortalen. "
            "Bestilte timer står som før.",
        subject="Du har fått ny fastlege",
        email="Hei!\n\nDu har fått ny fastlege ved legekontoret. Første gang med ny fastlege må du ringe "
              "legekontoret; deretter kan du bruke ePortalen som før.\n\nTimer du har bestilt, står som før."
              + _SIGNATURE),
    "prescription_sent": Template(
        label="Resept sendt",
        sms="Resepten din er klar og kan hentes på et hvilket som helst apotek. Se ePortalen for detaljer.",
        subject="Resepten din er klar",
        email="Hei!\n\nResepten din er klar og kan hentes på et hvilket som helst apotek.\n\n"
              "Du finner detaljene i ePortalen." + _SIGNATURE),
    "renewal_rejected": Template(
        label="Svar på reseptfornyelse",
        sms="Legen har svart på forespørselen din om resept. Logg inn i ePortalen for å se svaret.",
        subject="Du har fått svar i ePortalen",
        email="Hei!\n\nLegen har svart på forespørselen din om resept.\n\n"
              "Logg inn i ePortalen for å se svaret." + _SIGNATURE),
    "econsult_answered": Template(
        label="Svar på e-konsultasjon",
        sms="Du har fått svar fra legen i ePortalen.",
        subject="Du har fått svar i ePortalen",
        email="Hei!\n\nDu har fått svar fra legen. Logg inn i ePortalen for å lese det." + _SIGNATURE),
    "econsult_declined": Template(
        label="E-konsultasjon besvart med råd om time",
        sms="Legen har sett på henvendelsen din og ber deg bestille time. Les mer i ePortalen.",
        subject="Du har fått svar i ePortalen",
        email="Hei!\n\nLegen har sett på henvendelsen din og ber deg bestille time.\n\n"
              "Logg inn i ePortalen for å lese mer." + _SIGNATURE),
    "invoice_issued": Template(
        label="Faktura",
        sms="Du har fått en faktura fra legekontoret på {beløp} med forfall {forfall}. "
            "Giroen finner du i ePortalen.",
        subject="Faktura fra legekontoret",
        email="Hei!\n\nVedlagt er en faktura fra legekontoret på {beløp} med forfall {forfall}.\n\n"
              "Betal med KID {kid}. Giroen finner du også i ePortalen." + _SIGNATURE),
    "invoice_overdue": Template(
        label="Purring på faktura",
        sms="Fakturaen fra legekontoret med forfall {forfall} er ikke betalt. Utestående: {beløp}. "
            "Se ePortalen.",
        subject="Påminnelse: ubetalt faktura",
        email="Hei!\n\nFakturaen fra legekontoret med forfall {forfall} er ikke betalt. "
              "Utestående beløp: {beløp}.\n\nBetal med KID {kid}. Giroen finner du i ePortalen. "
              "Har du betalt nylig, kan du se bort fra denne påminnelsen." + _SIGNATURE),
}

SMS_ONLY: Final = frozenset({"login_code"})


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def render(text: str, facts: dict[str, str]) -> str:
    """Fill `text` with `facts`; refuse a placeholder outside FIELDS or facts outside FIELDS."""
    unknown = (placeholders(text) | set(facts)) - FIELDS
    if unknown:
        raise ValueError(f"not a field a message may carry: {sorted(unknown)}")
    return text.format(**facts)


def _check_templates() -> None:
    # At import: a template using a field it may not use stops the service at start, not at 03:00.
    for kind, template in TEMPLATES.items():
        used = placeholders(template.sms) | placeholders(template.subject) | placeholders(template.email)
        if used - FIELDS:
            raise ValueError(f"template {kind} uses fields a message may not carry: {sorted(used - FIELDS)}")
        if "kode" in used and kind != "login_code":
            raise ValueError(f"template {kind}: only the login code's SMS carries a code")


_check_templates()
