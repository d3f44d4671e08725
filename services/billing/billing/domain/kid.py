"""KID (kundeidentifikasjon): the number the payer types on the giro and the bank reports back in the
OCR file. Ours end in a MOD10 (Luhn) check digit, so the payer's bank refuses a mistyped KID."""

from __future__ import annotations

KID_BODY_DIGITS = 9  # room for a billion invoices; with the check digit a KID is 10 digits


def mod10_check_digit(digits: str) -> int:
    """Nets' MOD10 (Luhn): weights 2, 1, 2, 1 ... from the rightmost digit, digit sums of the products."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        product = int(char) * (2 if position % 2 == 0 else 1)
        total += product - 9 if product > 9 else product
    return (10 - total % 10) % 10


def kid_for(serial: int) -> str:
    """The KID of the invoice with this serial number (from a database sequence, so never reused)."""
    if not 0 < serial < 10**KID_BODY_DIGITS:
        raise ValueError("KID serial out of range")
    body = f"{serial:0{KID_BODY_DIGITS}d}"
    return f"{body}{mod10_check_digit(body)}"


def is_valid_kid(kid: str) -> bool:
    """A KID of 2 to 25 digits whose last digit is the MOD10 check digit of the others."""
    if not (2 <= len(kid) <= 25 and kid.isascii() and kid.isdigit()):  # isdigit alone takes any script's digits
        return False
    return mod10_check_digit(kid[:-1]) == int(kid[-1])
