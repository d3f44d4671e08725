"""Every text notify sends, in bokmål, nynorsk and English (the patient's language, from their profile), in
one place so they can be reviewed as text. Every message exists in all three languages (checked at import).

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

from contracts.events import LANGUAGES, Language


@dataclass(frozen=True)
class Template:
    label: str          # what staff see in the delivery list
    sms: str
    subject: str        # e-mail
    email: str


# The placeholders a template may use. None of them can carry a health detail.
FIELDS: Final = frozenset({"tid", "frist", "beløp", "forfall", "kid", "kode"})

_SIGNATURE = "\n\nVennlig hilsen\nLegekontoret\n\nDenne e-posten kan ikke besvares."

# Bokmål: the clinic's own language, the default, and the labels staff see.
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

_SIGNATURE_NN = "\n\nVennleg helsing\nLegekontoret\n\nDenne e-posten kan ikkje svarast på."

NYNORSK: Final[dict[str, Template]] = {
    "login_code": Template(
        label="Eingongskode for innlogging",
        sms="Eingongskoden din til ePortalen: {kode} (gyldig i 5 minutt). Ikkje del koden med nokon.",
        subject="", email=""),
    "appointment_booked": Template(
        label="Stadfesting av time",
        sms="Timen din hos legekontoret er bestilt: {tid}. Avbestill i ePortalen på ein vyrkedag, seinast {frist}.",
        subject="Timen din er bestilt",
        email="Hei!\n\nTimen din hos legekontoret er bestilt: {tid}.\n\n"
              "Du kan sjå timen i ePortalen, og avbestille han der på ein vyrkedag, seinast {frist}." + _SIGNATURE_NN),
    "appointment_booked_too_late_to_cancel_online": Template(
        label="Stadfesting av time (for seint å avbestille på nett)",
        sms="Timen din hos legekontoret er bestilt: {tid}. Han kan ikkje avbestillast på nett; kan du ikkje kome, "
            "ring oss.",
        subject="Timen din er bestilt",
        email="Hei!\n\nTimen din hos legekontoret er bestilt: {tid}.\n\n"
              "Det er for seint å avbestille han på nett. Kan du ikkje kome, ring legekontoret." + _SIGNATURE_NN),
    "appointment_cancelled_by_patient": Template(
        label="Avbestilling stadfesta",
        sms="Timen din hos legekontoret {tid} er avbestilt.",
        subject="Timen din er avbestilt",
        email="Hei!\n\nTimen din hos legekontoret {tid} er avbestilt." + _SIGNATURE_NN),
    "appointment_cancelled_by_clinic": Template(
        label="Time avlyst av legekontoret",
        sms="Legekontoret har dessverre måtta avlyse timen din {tid}. Bestill ny time i ePortalen "
            "eller ring oss.",
        subject="Timen din er avlyst",
        email="Hei!\n\nLegekontoret har dessverre måtta avlyse timen din {tid}.\n\n"
              "Du kan bestille ny time i ePortalen eller ringje oss." + _SIGNATURE_NN),
    "appointment_reminder": Template(
        label="Påminning om time",
        sms="Påminning: Du har time hos legekontoret {tid}. Kan du ikkje kome, avbestill i ePortalen seinast "
            "{frist}.",
        subject="Påminning om time",
        email="Hei!\n\nPåminning: Du har time hos legekontoret {tid}.\n\n"
              "Kan du ikkje kome, avbestill timen i ePortalen seinast {frist}." + _SIGNATURE_NN),
    "appointment_reminder_too_late_to_cancel_online": Template(
        label="Påminning om time (for seint å avbestille på nett)",
        sms="Påminning: Du har time hos legekontoret {tid}. Kan du ikkje kome, ring legekontoret.",
        subject="Påminning om time",
        email="Hei!\n\nPåminning: Du har time hos legekontoret {tid}.\n\n"
              "Kan du ikkje kome, ring legekontoret." + _SIGNATURE_NN),
    "gp_changed": Template(
        label="Ny fastlege",
        sms="Du har fått ny fastlege ved legekontoret. Første gongen må du ringje oss; deretter kan du bruke "
            "ePortalen. Bestilte timar står som før.",
        subject="Du har fått ny fastlege",
        email="Hei!\n\nDu har fått ny fastlege ved legekontoret. Første gongen med ny fastlege må du ringje "
              "legekontoret; deretter kan du bruke ePortalen som før.\n\nTimar du har bestilt, står som før."
              + _SIGNATURE_NN),
    "prescription_sent": Template(
        label="Resept send",
        sms="Resepten din er klar og kan hentast på kva apotek som helst. Sjå ePortalen for detaljar.",
        subject="Resepten din er klar",
        email="Hei!\n\nResepten din er klar og kan hentast på kva apotek som helst.\n\n"
              "Du finn detaljane i ePortalen." + _SIGNATURE_NN),
    "renewal_rejected": Template(
        label="Svar på reseptfornying",
        sms="Legen har svart på førespurnaden din om resept. Logg inn i ePortalen for å sjå svaret.",
        subject="Du har fått svar i ePortalen",
        email="Hei!\n\nLegen har svart på førespurnaden din om resept.\n\n"
              "Logg inn i ePortalen for å sjå svaret." + _SIGNATURE_NN),
    "econsult_answered": Template(
        label="Svar på e-konsultasjon",
        sms="Du har fått svar frå legen i ePortalen.",
        subject="Du har fått svar i ePortalen",
        email="Hei!\n\nDu har fått svar frå legen. Logg inn i ePortalen for å lese det." + _SIGNATURE_NN),
    "econsult_declined": Template(
        label="E-konsultasjon svara med råd om time",
        sms="Legen har sett på førespurnaden din og ber deg bestille time. Les meir i ePortalen.",
        subject="Du har fått svar i ePortalen",
        email="Hei!\n\nLegen har sett på førespurnaden din og ber deg bestille time.\n\n"
              "Logg inn i ePortalen for å lese meir." + _SIGNATURE_NN),
    "invoice_issued": Template(
        label="Faktura",
        sms="Du har fått ein faktura frå legekontoret på {beløp} med forfall {forfall}. "
            "Giroen finn du i ePortalen.",
        subject="Faktura frå legekontoret",
        email="Hei!\n\nVedlagt er ein faktura frå legekontoret på {beløp} med forfall {forfall}.\n\n"
              "Betal med KID {kid}. Giroen finn du òg i ePortalen." + _SIGNATURE_NN),
    "invoice_overdue": Template(
        label="Purring på faktura",
        sms="Fakturaen frå legekontoret med forfall {forfall} er ikkje betalt. Uteståande: {beløp}. "
            "Sjå ePortalen.",
        subject="Påminning: ubetalt faktura",
        email="Hei!\n\nFakturaen frå legekontoret med forfall {forfall} er ikkje betalt. "
              "Uteståande beløp: {beløp}.\n\nBetal med KID {kid}. Giroen finn du i ePortalen. "
              "Har du betalt nyleg, kan du sjå bort frå denne påminninga." + _SIGNATURE_NN),
}

_SIGNATURE_EN = "\n\nKind regards\nThe GP clinic (Legekontoret)\n\nPlease do not reply to this e-mail."

ENGLISH: Final[dict[str, Template]] = {
    "login_code": Template(
        label="Login code",
        sms="Your ePortal login code: {kode} (valid for 5 minutes). Do not share this code with anyone.",
        subject="", email=""),
    "appointment_booked": Template(
        label="Appointment confirmation",
        sms="Your appointment at the GP clinic is booked for {tid}. Cancel in the ePortal on a working day by "
            "{frist}.",
        subject="Your appointment is booked",
        email="Hello,\n\nYour appointment at the GP clinic is booked for {tid}.\n\n"
              "You can view it in the ePortal and cancel it there on a working day, by {frist} at the latest."
              + _SIGNATURE_EN),
    "appointment_booked_too_late_to_cancel_online": Template(
        label="Appointment confirmation (too late to cancel online)",
        sms="Your appointment at the GP clinic is booked for {tid}. It can no longer be cancelled online; if you "
            "cannot come, please call us.",
        subject="Your appointment is booked",
        email="Hello,\n\nYour appointment at the GP clinic is booked for {tid}.\n\n"
              "It is too late to cancel it online. If you cannot come, please call the GP clinic." + _SIGNATURE_EN),
    "appointment_cancelled_by_patient": Template(
        label="Cancellation confirmed",
        sms="Your appointment at the GP clinic on {tid} has been cancelled.",
        subject="Your appointment has been cancelled",
        email="Hello,\n\nYour appointment at the GP clinic on {tid} has been cancelled." + _SIGNATURE_EN),
    "appointment_cancelled_by_clinic": Template(
        label="Appointment cancelled by the clinic",
        sms="We are sorry: the GP clinic has had to cancel your appointment on {tid}. Book a new one in the "
            "ePortal or call us.",
        subject="Your appointment has been cancelled",
        email="Hello,\n\nWe are sorry, but the GP clinic has had to cancel your appointment on {tid}.\n\n"
              "You can book a new appointment in the ePortal or call us." + _SIGNATURE_EN),
    "appointment_reminder": Template(
        label="Appointment reminder",
        sms="Reminder: you have an appointment at the GP clinic on {tid}. If you cannot come, cancel it in the "
            "ePortal by {frist}.",
        subject="Appointment reminder",
        email="Hello,\n\nThis is a reminder that you have an appointment at the GP clinic on {tid}.\n\n"
              "If you cannot come, please cancel it in the ePortal by {frist}." + _SIGNATURE_EN),
    "appointment_reminder_too_late_to_cancel_online": Template(
        label="Appointment reminder (too late to cancel online)",
        sms="Reminder: you have an appointment at the GP clinic on {tid}. If you cannot come, please call the "
            "GP clinic.",
        subject="Appointment reminder",
        email="Hello,\n\nThis is a reminder that you have an appointment at the GP clinic on {tid}.\n\n"
              "If you cannot come, please call the GP clinic." + _SIGNATURE_EN),
    "gp_changed": Template(
        label="New regular GP",
        sms="You have a new regular GP at the clinic. The first time, please call us; after that you can use the "
            "ePortal. Appointments you have booked stay as they are.",
        subject="You have a new regular GP",
        email="Hello,\n\nYou have a new regular GP at the clinic. The first time with your new GP, please call "
              "the GP clinic; after that you can use the ePortal as before.\n\nAppointments you have booked "
              "stay as they are." + _SIGNATURE_EN),
    "prescription_sent": Template(
        label="Prescription sent",
        sms="Your prescription is ready to collect at any pharmacy. See the ePortal for details.",
        subject="Your prescription is ready",
        email="Hello,\n\nYour prescription is ready to collect at any pharmacy.\n\n"
              "You will find the details in the ePortal." + _SIGNATURE_EN),
    "renewal_rejected": Template(
        label="Reply to prescription request",
        sms="Your doctor has replied to your prescription request. Log in to the ePortal to read the reply.",
        subject="You have a reply in the ePortal",
        email="Hello,\n\nYour doctor has replied to your prescription request.\n\n"
              "Log in to the ePortal to read the reply." + _SIGNATURE_EN),
    "econsult_answered": Template(
        label="Reply to e-consultation",
        sms="You have a reply from your doctor in the ePortal.",
        subject="You have a reply in the ePortal",
        email="Hello,\n\nYou have a reply from your doctor. Log in to the ePortal to read it." + _SIGNATURE_EN),
    "econsult_declined": Template(
        label="E-consultation answered with advice to book",
        sms="Your doctor has read your enquiry and asks you to book an appointment. Read more in the ePortal.",
        subject="You have a reply in the ePortal",
        email="Hello,\n\nYour doctor has read your enquiry and asks you to book an appointment.\n\n"
              "Log in to the ePortal to read more." + _SIGNATURE_EN),
    "invoice_issued": Template(
        label="Invoice",
        sms="You have an invoice from the GP clinic for {beløp}, due {forfall}. The payment slip is in the "
            "ePortal.",
        subject="Invoice from the GP clinic",
        email="Hello,\n\nPlease find attached an invoice from the GP clinic for {beløp}, due {forfall}.\n\n"
              "Pay using KID {kid}. You will also find the payment slip in the ePortal." + _SIGNATURE_EN),
    "invoice_overdue": Template(
        label="Payment reminder",
        sms="Your invoice from the GP clinic due {forfall} is unpaid. Outstanding: {beløp}. See the ePortal.",
        subject="Reminder: unpaid invoice",
        email="Hello,\n\nYour invoice from the GP clinic due {forfall} has not been paid. "
              "Amount outstanding: {beløp}.\n\nPay using KID {kid}. The payment slip is in the ePortal. "
              "If you have paid recently, please disregard this reminder." + _SIGNATURE_EN),
}

TEMPLATES_BY_LANGUAGE: Final[dict[Language, dict[str, Template]]] = {"nb": TEMPLATES, "nn": NYNORSK,
                                                                     "en": ENGLISH}

SMS_ONLY: Final = frozenset({"login_code"})

# Before an SMS to a guardian about a request they made for a child: whom it is about, by the child's first
# name (never the full name; the message itself carries no health detail, as every message).
FOR_CHILD: Final[dict[Language, str]] = {"nb": "Gjelder {child}: ", "nn": "Gjeld {child}: ", "en": "About {child}: "}


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def render(text: str, facts: dict[str, str]) -> str:
    """Fill `text` with `facts`; refuse a placeholder outside FIELDS or facts outside FIELDS."""
    unknown = (placeholders(text) | set(facts)) - FIELDS
    if unknown:
        raise ValueError(f"not a field a message may carry: {sorted(unknown)}")
    return text.format(**facts)


def _check_templates() -> None:
    # At import: a template using a field it may not use, or missing in a language, stops the service at
    # start, not at 03:00.
    for language in LANGUAGES:
        templates = TEMPLATES_BY_LANGUAGE[language]
        if set(templates) != set(TEMPLATES):
            raise ValueError(f"{language}: not the same messages as bokmål: {sorted(set(templates) ^ set(TEMPLATES))}")
        for kind, template in templates.items():
            used = placeholders(template.sms) | placeholders(template.subject) | placeholders(template.email)
            if used - FIELDS:
                raise ValueError(f"template {kind} uses fields a message may not carry: {sorted(used - FIELDS)}")
            if "kode" in used and kind != "login_code":
                raise ValueError(f"template {kind}: only the login code's SMS carries a code")


_check_templates()
