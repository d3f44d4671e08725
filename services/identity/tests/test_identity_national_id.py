"""National ID validation: python-stdnum as the oracle for the classic rule, plus what it does not know
(the 2032 rule for k1, synthetic test numbers that only test deployments accept)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum.no import fodselsnummer

from identity.domain.national_id import IdKind, InvalidNationalId, check_digits_valid, parse_national_id

K1 = (3, 7, 6, 1, 8, 9, 4, 5, 2)
K2 = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)


def weighted(digits: str, weights: tuple[int, ...]) -> int:
    return sum(int(d) * w for d, w in zip(digits, weights, strict=False))


def with_k2(first_ten: str) -> str | None:
    k = 11 - weighted(first_ten, K2) % 11
    k = 0 if k == 11 else k
    return None if k == 10 else f"{first_ten}{k}"


def classic(base: str) -> str | None:
    k = 11 - weighted(base, K1) % 11
    k = 0 if k == 11 else k
    return None if k == 10 else with_k2(f"{base}{k}")


def base_for(born: date, individual: int, day_offset: int = 0, month_offset: int = 0) -> str:
    return f"{born.day + day_offset:02d}{born.month + month_offset:02d}{born.year % 100:02d}{individual:03d}"


birth_dates = st.dates(min_value=date(1900, 1, 1), max_value=date(2039, 12, 31))


@settings(max_examples=3000, deadline=None)
@given(birth_dates, st.integers(0, 999), st.sampled_from([0, 40]), st.sampled_from([0, 40]))
def test_every_number_stdnum_accepts_is_accepted(born: date, individual: int, day_offset: int,
                                                 month_offset: int) -> None:
    number = classic(base_for(born, individual, day_offset, month_offset))
    if number is None or not fodselsnummer.is_valid(number):
        return
    assert parse_national_id(number, allow_test_identities=True).value == number
    if month_offset == 0:  # not a synthetic number: production accepts it as well
        kind = parse_national_id(number, allow_test_identities=False).kind
        assert kind == (IdKind.D_NUMMER if day_offset else IdKind.FODSELSNUMMER)


@settings(max_examples=3000, deadline=None)
@given(st.text(alphabet="0123456789", min_size=11, max_size=11))
def test_any_eleven_digits_stdnum_accepts_are_accepted(number: str) -> None:
    if fodselsnummer.is_valid(number):
        parse_national_id(number, allow_test_identities=True)


@settings(max_examples=1000, deadline=None)
@given(birth_dates, st.integers(0, 999), st.integers(0, 10), st.integers(1, 9))
def test_one_wrong_digit_is_always_caught(born: date, individual: int, position: int, change: int) -> None:
    number = classic(base_for(born, individual))
    if number is None:
        return
    wrong = f"{number[:position]}{(int(number[position]) + change) % 10}{number[position + 1:]}"
    assert not check_digits_valid(wrong)


def numbers_2032(born: date) -> list[str]:
    """Numbers valid only under the 2032 rule: k1 other than the classic one, weighted sum mod 11 in 0-3."""
    found = []
    for individual in range(1000):
        base = base_for(born, individual)
        classic_k1 = (11 - weighted(base, K1) % 11) % 11
        for k1 in range(10):
            if k1 != classic_k1 and weighted(f"{base}{k1}", (*K1, 1)) % 11 in (0, 1, 2, 3):
                number = with_k2(f"{base}{k1}")
                if number:
                    found.append(number)
        if len(found) > 20:
            return found
    return found


def test_numbers_under_the_2032_rule_are_accepted_though_stdnum_refuses_them() -> None:
    numbers = numbers_2032(date(2032, 3, 14))
    assert numbers
    for number in numbers:
        assert not fodselsnummer.is_valid(number)
        assert parse_national_id(number, allow_test_identities=False).kind == IdKind.FODSELSNUMMER


def test_a_k1_outside_both_rules_is_refused() -> None:
    base = base_for(date(1985, 8, 12), 123)
    classic_k1 = (11 - weighted(base, K1) % 11) % 11
    for k1 in range(10):
        if k1 == classic_k1 or weighted(f"{base}{k1}", (*K1, 1)) % 11 in (0, 1, 2, 3):
            continue
        number = with_k2(f"{base}{k1}")
        if number:
            with pytest.raises(InvalidNationalId):
                parse_national_id(number, allow_test_identities=True)


def test_a_d_number_is_accepted_as_a_d_number() -> None:
    number = next(n for i in range(1000) if (n := classic(base_for(date(1990, 5, 17), i, day_offset=40))))
    assert number.startswith("57")
    assert fodselsnummer.is_valid(number)
    assert parse_national_id(number, allow_test_identities=False).kind == IdKind.D_NUMMER


@pytest.mark.parametrize(("month_offset", "kind"), [(40, IdKind.SYNTHETIC_NAV), (80, IdKind.SYNTHETIC_SKATTEETATEN)])
def test_synthetic_numbers_only_where_test_identities_are_allowed(month_offset: int, kind: IdKind) -> None:
    number = next(n for i in range(1000) if (n := classic(base_for(date(1985, 8, 12), i, month_offset=month_offset))))
    assert parse_national_id(number, allow_test_identities=True).kind == kind
    with pytest.raises(InvalidNationalId):
        parse_national_id(number, allow_test_identities=False)


@pytest.mark.parametrize("raw", ["", "1234567890", "123456789012", "1208855001a", "١٢٠٨٨٥٥٠٠١٢"])
def test_not_eleven_ascii_digits_is_refused(raw: str) -> None:
    with pytest.raises(InvalidNationalId):
        parse_national_id(raw, allow_test_identities=True)


def test_an_impossible_date_is_refused_even_with_right_check_digits() -> None:
    for base in ("310485123", "300285123", "001085123", "121385123"):
        number = next(n for i in range(1000) if (n := classic(f"{base[:6]}{i:03d}")))
        with pytest.raises(InvalidNationalId):
            parse_national_id(number, allow_test_identities=True)


def test_29_february_is_a_date() -> None:
    number = next(n for i in range(1000) if (n := classic(base_for(date(2000, 2, 29), i))))
    parse_national_id(number, allow_test_identities=False)


def test_the_number_never_shows_in_its_repr() -> None:
    number = classic(base_for(date.today() - timedelta(days=9000), 500)) or classic(base_for(date(1990, 1, 1), 501))
    assert number
    nid = parse_national_id(number, allow_test_identities=False)
    assert number not in repr(nid)
    assert number not in str(nid)
