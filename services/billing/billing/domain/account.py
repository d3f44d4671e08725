"""The clinic's bank account number: 11 digits, the last a MOD11 check digit (weights 5,4,3,2,7,6,5,4,3,2)."""

from __future__ import annotations

_WEIGHTS = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)


def mod11_check_digit(first_ten: str) -> int | None:
    """None where no check digit exists (remainder 1): such numbers are never issued."""
    k = 11 - sum(int(d) * w for d, w in zip(first_ten, _WEIGHTS, strict=True)) % 11
    return 0 if k == 11 else (None if k == 10 else k)


def is_valid_account_number(number: str) -> bool:
    if len(number) != 11 or not (number.isascii() and number.isdigit()):
        return False
    return mod11_check_digit(number[:10]) == int(number[10])


def format_account_number(number: str) -> str:
    """1234.56.78903, as printed on a giro."""
    return f"{number[:4]}.{number[4:6]}.{number[6:]}"
