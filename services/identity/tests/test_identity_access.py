"""Who may use the portal (domain-rules.md, items 1 to 4): each failing rule is its own code, and a patient
for whom all hold has none."""

from __future__ import annotations

from datetime import date

from identity.domain.access import (
    FIRST_CONTACT_BY_PHONE,
    INCOMPLETE_NATIONAL_ID,
    NO_MOBILE,
    UNPAID_CLAIMS,
    restrictions,
)
from kit.demo import synthetic_national_id

NATIONAL_ID = synthetic_national_id(date(1980, 5, 17), 123)


def refused(**changed: object) -> tuple[str, ...]:
    facts: dict[str, object] = {"national_id": NATIONAL_ID, "mobile": "+4791234567", "first_contact_done": True,
                                "has_unsettled_claims": False, "allow_test_identities": True}
    return restrictions(**{**facts, **changed})  # type: ignore[arg-type]


def test_a_patient_for_whom_every_rule_holds_has_no_restriction() -> None:
    assert refused() == ()


def test_each_failing_rule_is_its_own_code() -> None:
    assert refused(national_id=NATIONAL_ID[:10]) == (INCOMPLETE_NATIONAL_ID,)
    assert refused(national_id=None) == (INCOMPLETE_NATIONAL_ID,)
    assert refused(mobile=None) == (NO_MOBILE,)
    assert refused(mobile="+4721234567") == (NO_MOBILE,)  # a landline is no mobile
    assert refused(first_contact_done=False) == (FIRST_CONTACT_BY_PHONE,)
    assert refused(has_unsettled_claims=True) == (UNPAID_CLAIMS,)


def test_a_test_identity_is_incomplete_where_test_identities_are_not_allowed() -> None:
    assert refused(allow_test_identities=False) == (INCOMPLETE_NATIONAL_ID,)


def test_every_failing_rule_is_told() -> None:
    assert refused(national_id="", mobile="", first_contact_done=False, has_unsettled_claims=True) == (
        INCOMPLETE_NATIONAL_ID, NO_MOBILE, FIRST_CONTACT_BY_PHONE, UNPAID_CLAIMS)
