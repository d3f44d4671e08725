"""Who may use the portal (domain-rules.md, "Who may use the portal"): each failing rule is a code.

A patient whose rules fail may still log in and read; the gateway refuses new requests with the code.
"""

from __future__ import annotations

from identity.domain.contact import InvalidMobile, normalise_mobile
from identity.domain.national_id import InvalidNationalId, parse_national_id

INCOMPLETE_NATIONAL_ID = "access.incomplete_national_id"
NO_MOBILE = "access.no_mobile"
FIRST_CONTACT_BY_PHONE = "access.first_contact_by_phone"
UNPAID_CLAIMS = "access.unpaid_claims"


def restrictions(*, national_id: str | None, mobile: str | None, first_contact_done: bool,
                 has_unsettled_claims: bool, allow_test_identities: bool) -> tuple[str, ...]:
    found: list[str] = []
    try:
        parse_national_id(national_id or "", allow_test_identities=allow_test_identities)
    except InvalidNationalId:
        found.append(INCOMPLETE_NATIONAL_ID)
    try:
        if not mobile:
            raise InvalidMobile("ingen mobil")
        normalise_mobile(mobile)
    except InvalidMobile:
        found.append(NO_MOBILE)
    if not first_contact_done:
        found.append(FIRST_CONTACT_BY_PHONE)
    if has_unsettled_claims:
        found.append(UNPAID_CLAIMS)
    return tuple(found)
