"""kit's small mechanisms: the one exponential backoff and the one MOD11 check digit."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum.no import fodselsnummer

from kit.backoff import exponential_backoff
from kit.mod11 import NATIONAL_ID_K1_WEIGHTS, NATIONAL_ID_K2_WEIGHTS, mod11_check_digit


def test_backoff_doubles_from_the_first_wait_up_to_the_cap() -> None:
    assert [exponential_backoff(5, n, most=60) for n in range(6)] == [5, 10, 20, 40, 60, 60]
    assert [exponential_backoff(0.2, n) for n in range(4)] == pytest.approx([0.2, 0.4, 0.8, 1.6])
    assert exponential_backoff(1, -1) == 1  # before the first retry: the first wait


@given(st.from_regex(r"[0-9]{9}", fullmatch=True))
def test_mod11_agrees_with_stdnum_on_both_national_id_check_digits(first_nine: str) -> None:
    k1 = mod11_check_digit(first_nine, NATIONAL_ID_K1_WEIGHTS)
    assert (str(k1) if k1 is not None else "10") == fodselsnummer.calc_check_digit1(first_nine)
    if k1 is not None:
        k2 = mod11_check_digit(first_nine + str(k1), NATIONAL_ID_K2_WEIGHTS)
        assert (str(k2) if k2 is not None else "10") == fodselsnummer.calc_check_digit2(first_nine + str(k1))


def test_mod11_pairs_every_digit_with_a_weight() -> None:
    with pytest.raises(ValueError, match="zip"):
        mod11_check_digit("123", (1, 2))
