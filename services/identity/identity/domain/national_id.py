"""Norwegian national identity numbers: fødselsnummer, D-nummer and synthetic test numbers.

11 digits: DDMMYY, a 3-digit individual number, two check digits. k2 is unchanged through the ages;
k1 is either the classic 11 - (sum mod 11), or, for numbers issued from 2032, any k1 that makes the
weighted sum of the first ten digits mod 11 equal 0, 1, 2 or 3. Both are accepted. Such numbers carry
no reliable century or gender, so a birth date is never derived from one when the registry has it.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from enum import StrEnum

from kit.mod11 import NATIONAL_ID_K1_WEIGHTS, NATIONAL_ID_K2_WEIGHTS, mod11_check_digit


class IdKind(StrEnum):
    FODSELSNUMMER = "fødselsnummer"
    D_NUMMER = "d-nummer"
    SYNTHETIC_NAV = "syntetisk (NAV)"
    SYNTHETIC_SKATTEETATEN = "syntetisk (Test-Norge)"


class InvalidNationalId(ValueError):
    """Not a valid national ID. Never carries the number itself: it must not reach a log or a client."""


@dataclass(frozen=True)
class NationalId:
    value: str
    kind: IdKind

    def __repr__(self) -> str:  # keep the number out of tracebacks and logs
        return f"NationalId(kind={self.kind.value!r}, value='***********')"

    __str__ = __repr__

    @property
    def is_synthetic(self) -> bool:
        return self.kind in (IdKind.SYNTHETIC_NAV, IdKind.SYNTHETIC_SKATTEETATEN)


def check_digits_valid(number: str) -> bool:
    k2 = mod11_check_digit(number[:10], NATIONAL_ID_K2_WEIGHTS)
    if k2 is None or k2 != int(number[10]):
        return False
    classic_k1 = mod11_check_digit(number[:9], NATIONAL_ID_K1_WEIGHTS)
    if classic_k1 is not None and classic_k1 == int(number[9]):
        return True
    # The 2032 rule: the weighted sum over the first ten digits (k1 included, weight 1) mod 11 is 0-3.
    weighted = sum(int(d) * w for d, w in zip(number[:10], (*NATIONAL_ID_K1_WEIGHTS, 1), strict=True))
    return weighted % 11 in (0, 1, 2, 3)


def parse_national_id(raw: str, *, allow_test_identities: bool) -> NationalId:
    number = raw.strip().replace(" ", "")
    if len(number) != 11 or not number.isascii() or not number.isdigit():
        raise InvalidNationalId("et fødselsnummer har 11 siffer")
    day, month = int(number[0:2]), int(number[2:4])
    kind = IdKind.FODSELSNUMMER
    if day > 40:  # D-nummer: 4 added to the first digit
        kind, day = IdKind.D_NUMMER, day - 40
    if month > 80:
        kind, month = IdKind.SYNTHETIC_SKATTEETATEN, month - 80
    elif month > 40:
        kind, month = IdKind.SYNTHETIC_NAV, month - 40
    if kind in (IdKind.SYNTHETIC_NAV, IdKind.SYNTHETIC_SKATTEETATEN) and not allow_test_identities:
        raise InvalidNationalId("syntetiske testnummer godtas ikke her")
    # Any year: 29 February must exist in some century, so allow it (leap year 2000 covers 00).
    if not (1 <= month <= 12 and 1 <= day <= calendar.monthrange(2000, month)[1]):
        raise InvalidNationalId("ugyldig dato i fødselsnummeret")
    if not check_digits_valid(number):
        raise InvalidNationalId("kontrollsifrene stemmer ikke")
    return NationalId(number, kind)
