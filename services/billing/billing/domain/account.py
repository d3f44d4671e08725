"""The clinic's bank account number: 11 digits, the last a MOD11 check digit (weights 5,4,3,2,7,6,5,4,3,2)."""

from __future__ import annotations

from kit.mod11 import mod11_check_digit

_WEIGHTS = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)


def is_valid_account_number(number: str) -> bool:
    """Ten digits and their check digit; a number whose ten digits have none (remainder 1) is never issued."""
    if len(number) != 11 or not (number.isascii() and number.isdigit()):
        return False
    return mod11_check_digit(number[:10], _WEIGHTS) == int(number[10])


def format_account_number(number: str) -> str:
    """1234.56.78903, as printed on a giro."""
    return f"{number[:4]}.{number[4:6]}.{number[6:]}"
