"""Spotting a renewal request written as an eConsultation question.

Renewals are free and have their own form; an eConsultation is billed. The clinic asks patients not to
write renewals as eConsultation text, so a question that looks like one gets a hint (never a refusal:
"bivirkninger av resepten min" is a fair question).

It looks like one when it mentions prescriptions or renewing (resept, e-resept, fornye, fornyelse...) or
names a medicine on the patient's list, when the caller knows those names (econsult keeps no medicine
list of its own: prescription's events carry ids, never names).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

# "resept..." but not "reseptor" (a receptor); "forny..." covers fornye, fornyet, fornyelse, fornya.
_RENEWAL_WORDS = re.compile(r"\b(?:e-?)?resept(?!or)\w*|\breseptfornye\w*|\bforny\w*", re.IGNORECASE)

MESSAGE = ("Det ser ut som du ber om å fornye en resept. Reseptfornyelse er gratis og har sitt eget skjema "
           "(Fornye resept). En eKonsultasjon koster egenandel.")


@dataclass(frozen=True)
class RenewalHint:
    code: str = "econsult.renewal_hint"
    message: str = MESSAGE

    def as_json(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message}


def _medicine_word(name: str) -> str:
    # "Zopiklon 7,5 mg tabletter" is asked about as "zopiklon": the first word of the name.
    words = name.split()
    return words[0].casefold() if words else ""


def renewal_hint(text: str, medicine_names: Iterable[str] = ()) -> RenewalHint | None:
    if _RENEWAL_WORDS.search(text):
        return RenewalHint()
    words = set(re.findall(r"\w+", text.casefold()))
    if any((w := _medicine_word(name)) and w in words for name in medicine_names):
        return RenewalHint()
    return None
