"""The MOD11 check digit of Norwegian numbers (national identity numbers, the demo's synthetic ones): the
weighted sum of the digits, 11 minus its remainder mod 11, 11 counting as 0."""

from __future__ import annotations

from collections.abc import Sequence

# A national identity number's two check digits: k1 over the first nine digits, k2 over the first ten.
NATIONAL_ID_K1_WEIGHTS = (3, 7, 6, 1, 8, 9, 4, 5, 2)
NATIONAL_ID_K2_WEIGHTS = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)


def mod11_check_digit(digits: str, weights: Sequence[int]) -> int | None:
    """The check digit for the decimal `digits` under `weights` (paired from the left), or None where none exists
    (remainder 1, check digit 10): such numbers are never issued."""
    total = sum(int(d) * w for d, w in zip(digits, weights, strict=True))
    k = 11 - total % 11
    return 0 if k == 11 else (None if k == 10 else k)
