"""Who pays, how much, and when an invoice is overdue or settled."""

from __future__ import annotations

from datetime import date

import pytest

from billing.domain.invoice import due_date, is_overdue, shown_status, status_after
from billing.domain.tariff import Tariff, age_on, exempt_reason, price

TARIFF = Tariff(id=1, copayment_ore=20400, fee_ore=5500, valid_from=date(2019, 7, 1), valid_to=None)


def test_the_econsultation_costs_204_plus_55_kr() -> None:
    p = price(TARIFF, None)
    assert (p.copayment_ore, p.fee_ore, p.amount_ore) == (20400, 5500, 25900)
    assert p.as_json()["amount_nok"] == "259,00 kr"


@pytest.mark.parametrize(("birth", "on", "reason"), [
    (date(2010, 3, 4), date(2026, 3, 3), "under_16"),  # 15, one day short of 16
    (date(2010, 3, 3), date(2026, 3, 3), None),  # 16 today
    (date(2008, 2, 29), date(2024, 2, 28), "under_16"),  # born on a leap day: 16 on 1 March in common years
    (date(2008, 2, 29), date(2024, 2, 29), None),
])
def test_children_under_16_on_the_answer_day_pay_nothing(birth: date, on: date, reason: str | None) -> None:
    assert exempt_reason(birth_date=birth, has_frikort=False, on=on) == reason


def test_age_on_a_leap_day_birthday_in_a_common_year() -> None:
    assert age_on(date(2008, 2, 29), date(2025, 2, 28)) == 16
    assert age_on(date(2008, 2, 29), date(2025, 3, 1)) == 17


def test_a_frikort_holder_pays_nothing_and_the_price_says_why() -> None:
    reason = exempt_reason(birth_date=date(1980, 1, 1), has_frikort=True, on=date(2026, 3, 3))
    assert reason == "frikort"
    p = price(TARIFF, reason)
    assert p.as_json() == {"copayment_ore": 0, "fee_ore": 0, "amount_ore": 0, "amount_nok": "0,00 kr",
                           "exempt": True, "exempt_reason": "frikort"}


def test_the_due_date_is_14_days_after_issue_and_overdue_the_day_after() -> None:
    due = due_date(date(2026, 3, 3), 14)
    assert due == date(2026, 3, 17)
    assert not is_overdue(due, date(2026, 3, 17))
    assert is_overdue(due, date(2026, 3, 18))


@pytest.mark.parametrize(("paid", "status"), [(0, "open"), (10000, "part_paid"), (25900, "paid"),
                                              (30000, "over_paid")])
def test_part_and_over_payments_are_flagged(paid: int, status: str) -> None:
    assert status_after(25900, paid) == status


def test_an_overdue_invoice_shows_overdue_until_settled() -> None:
    assert shown_status("part_paid", date(2026, 3, 18)) == "overdue"
    assert shown_status("paid", date(2026, 3, 18)) == "paid"
    assert shown_status("open", None) == "open"
