"""What the patient must see before sending an eConsultation, from the clinic's page (bokmål).

One place for this text, so the clinic can review it; the gateway adds the price from billing.
"""

from __future__ import annotations

from typing import Any

from econsult.domain.text import QUESTION_MAX_CHARS

ANSWER_TIME = "eKonsultasjoner besvares innen 1–5 arbeidsdager."
NOT_ACUTE = ("eKonsultasjon er IKKE egnet for akutte eller komplekse spørsmål. Ved akutt sykdom: ring "
             "legekontoret, legevakt 116 117, eller 113 ved livstruende situasjoner. Ellers: bestill en vanlig time.")
PURPOSE = ("eKonsultasjon er kun for KORTE henvendelser om kjente problemstillinger mellom deg og fastlegen din. "
           f"Antall tegn er derfor begrenset til {QUESTION_MAX_CHARS}.")
RENEWALS = ("Fornyelse av resepter er gratis: bestill det under «Fornye resept», ikke som tekst i en "
            "eKonsultasjon.")
BILLING = ("Det betales egenandel for eKonsultasjon, som for en vanlig konsultasjon, pluss fakturagebyr. "
           "Giro sendes når legen har svart. Egenandelen teller mot frikort; med frikort og for barn under 16 år "
           "er det gratis.")

MAY_ASK = (
    "Spørsmål om behov for vaksinering eller oppfriskning av vaksiner før reiser.",
    "Oppfølgende spørsmål om medisiner, for eksempel bivirkninger og manglende eller svak effekt.",
    "Råd ved langvarig forløp, og når du eventuelt bør oppsøke lege på nytt.",
    "Nye symptomer som er lite plagsomme, men som skaper engstelse.",
)

MAY_NOT_ASK = (
    "Normalt ikke fornyelse av sykmelding.",
    "Normalt ikke problemstillinger som krever annet helsepersonell, f.eks. hjemmetjeneste, hjelpemiddelsentral, "
    "eldresenter eller transporttjeneste.",
    "Ikke oppstart av A- eller B-preparater.",
    "Ikke vurdering av akutte forverringer (øyeblikkelig hjelp-time eller legevakt).",
    "Ikke plager etter en legeundersøkelse som krever ny undersøkelse, f.eks. nye smerter etter fallskade, blod i "
    "urinen etter magesmerter, eller alvorligere bivirkninger etter oppstart av en medisin.",
    "Ikke forverringer som krever klinisk undersøkelse, f.eks. plagsomme utslett og sår, skader som ikke avtar, "
    "eller økende eller uforklarlige smerter.",
    "Ikke psykiske problemstillinger som krever samtaler.",
    "Ikke sammensatte problemstillinger som krever omfattende tiltak, f.eks. forverret kronisk sykdom med behov "
    "for større medisinendring, eller flere symptomer der bildet er uklart.",
    "Ikke problemstillinger som er forsøkt løst i tidligere eKonsultasjoner uten hell.",
)


def guidance() -> dict[str, Any]:
    return {
        "purpose": PURPOSE,
        "may_ask": list(MAY_ASK),
        "may_not_ask": list(MAY_NOT_ASK),
        "not_acute": NOT_ACUTE,
        "answer_time": ANSWER_TIME,
        "answer_working_days": {"min": 1, "max": 5},
        "max_chars": QUESTION_MAX_CHARS,
        "renewals": RENEWALS,
        "billing": BILLING,
    }
