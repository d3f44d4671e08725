"""A patient's contact details. The login code goes to the registered mobile and nowhere else, so only a
Norwegian mobile number (+47, mobile series 4xx or 9xx) will do."""

from __future__ import annotations

import phonenumbers
from phonenumbers import PhoneNumberType


class InvalidMobile(ValueError):
    pass


def normalise_mobile(raw: str) -> str:
    """E.164 form of a Norwegian mobile number, e.g. '+4791234567'."""
    try:
        number = phonenumbers.parse(raw, "NO")
    except phonenumbers.NumberParseException as exc:
        raise InvalidMobile("ikke et telefonnummer") from exc
    if number.country_code != 47 or not phonenumbers.is_valid_number(number):
        raise InvalidMobile("ikke et gyldig norsk nummer")
    national = phonenumbers.national_significant_number(number)
    if phonenumbers.number_type(number) != PhoneNumberType.MOBILE or national[0] not in "49":
        raise InvalidMobile("ikke et norsk mobilnummer (4xx xx xxx eller 9xx xx xxx)")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
