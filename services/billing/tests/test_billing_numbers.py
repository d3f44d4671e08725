"""KID (MOD10/Luhn), the clinic's account number (MOD11), money shown in kroner."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum import luhn
from stdnum.no import kontonr

from billing.domain.account import format_account_number, is_valid_account_number
from billing.domain.kid import is_valid_kid, kid_for, mod10_check_digit
from billing.domain.money import format_nok
from billing.settings import BillingSettings


def test_the_check_digit_of_a_known_kid() -> None:
    # Nets' worked example for MOD10: 234567 has check digit 6 (weights 2,1,2,... from the right).
    assert mod10_check_digit("234567") == 6
    assert kid_for(1) == "0000000018"


@given(st.integers(min_value=1, max_value=10**9 - 1))
def test_every_kid_passes_the_luhn_check(serial: int) -> None:
    kid = kid_for(serial)
    assert len(kid) == 10
    assert luhn.is_valid(kid)
    assert is_valid_kid(kid)


@given(st.integers(min_value=1, max_value=10**9 - 2))
def test_neighbouring_serials_never_share_a_kid(serial: int) -> None:
    assert kid_for(serial) != kid_for(serial + 1)
    assert kid_for(serial)[:-1] == f"{serial:09d}"  # the serial is the KID's body: distinct serials, distinct KIDs


@given(st.from_regex(r"[0-9]{2,25}", fullmatch=True))  # ASCII digits, as KIDs are printed and paid
def test_kid_validation_agrees_with_luhn(kid: str) -> None:
    assert is_valid_kid(kid) == luhn.is_valid(kid)


def test_a_mistyped_kid_is_caught() -> None:
    kid = kid_for(4711)
    typo = kid[:3] + str((int(kid[3]) + 1) % 10) + kid[4:]
    assert not is_valid_kid(typo)
    swapped = kid[:-3] + kid[-2] + kid[-3] + kid[-1]
    assert swapped == kid or not is_valid_kid(swapped)


@given(st.from_regex(r"[0-9]{11}", fullmatch=True))  # ASCII digits: what a bank file and a form carry
def test_account_numbers_are_checked_with_mod11(number: str) -> None:
    assert is_valid_account_number(number) == kontonr.is_valid(number)


def test_the_clinic_account_must_be_valid() -> None:
    assert is_valid_account_number(BillingSettings.model_fields["clinic_account_number"].default)
    with pytest.raises(ValueError, match="MOD11"):
        BillingSettings(database_url="postgresql://x/y", clinic_account_number="15030540001")
    assert format_account_number("15030540007") == "1503.05.40007"


@pytest.mark.parametrize(("ore", "shown"), [(25900, "259,00 kr"), (0, "0,00 kr"), (5, "0,05 kr"),
                                            (125950, "1 259,50 kr"), (-20400, "-204,00 kr")])
def test_money_in_kroner(ore: int, shown: str) -> None:
    assert format_nok(ore) == shown


def test_the_published_examples_are_invoices_billing_would_issue() -> None:
    import json
    from pathlib import Path

    import contracts
    fixtures = Path(contracts.__file__).parent / "fixtures"
    issued = json.loads((fixtures / "InvoiceIssued.v1.json").read_text())["payload"]
    assert is_valid_kid(issued["kid"])
    assert is_valid_account_number(issued["account_number"])
    assert issued["amount_ore"] == issued["copayment_ore"] + issued["fee_ore"] == 25900
    paid = json.loads((fixtures / "InvoicePaid.v1.json").read_text())["payload"]
    assert paid["kid"] == issued["kid"]
    assert paid["status"] == "paid"
    assert paid["total_paid_ore"] == paid["amount_ore"] == issued["amount_ore"]
