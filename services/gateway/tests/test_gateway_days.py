"""A day in a request is written YYYY-MM-DD: a number is no day, though pydantic alone reads one as a Unix
timestamp. The fuzz phase found `POST /staff/closed-days {"day": 0}` answered 201, the clinic closed on
1970-01-01; every day a client sends (bodies, queries, paths) is kit's IsoDay now."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest

from services.gateway.tests.conftest import FakeServices, Gateway, a_staff, gateway_with

STAFF = uuid.uuid4()
GP = str(uuid.uuid4())
# (role, method, path, a valid body, the day field's path in it)
SENT_DAYS: list[tuple[str, str, dict[str, Any], tuple[str, ...]]] = [
    ("reception", "/api/v1/staff/closed-days", {"day": "2026-12-24", "reason": "Julaften"}, ("day",)),
    ("doctor", "/api/v1/staff/slots", {"weekly": {"weekdays": [1], "day_starts": "08:00", "day_ends": "09:00",
                                                   "slot_minutes": 20, "valid_from": "2026-12-01"}},
     ("weekly", "valid_from")),
    ("doctor", "/api/v1/staff/slots", {"weekly": {"weekdays": [1], "day_starts": "08:00", "day_ends": "09:00",
                                                   "slot_minutes": 20, "valid_from": "2026-12-01",
                                                   "valid_until": "2027-01-01"}},
     ("weekly", "valid_until")),
    ("billing", "/api/v1/staff/payments", {"kid": "0000000000123", "amount_ore": 25900, "paid_on": "2026-12-01"},
     ("paid_on",)),
    ("reception", "/api/v1/staff/patients", {"national_id": "01010112345", "name": "Kari Nordmann",
                                             "birth_date": "2001-01-01", "gp_id": GP}, ("birth_date",)),
]


@pytest.fixture
async def gateway(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Gateway]:
    async with gateway_with(monkeypatch, FakeServices(), a_staff("reception", STAFF)) as gateway:
        yield gateway


def with_day(body: dict[str, Any], where: tuple[str, ...], value: Any) -> dict[str, Any]:
    changed = {**body}
    if len(where) == 1:
        changed[where[0]] = value
    else:
        changed[where[0]] = with_day(body[where[0]], where[1:], value)
    return changed


@pytest.mark.parametrize(("role", "path", "body", "where"), SENT_DAYS,
                         ids=[f"{p.rsplit('/', 1)[-1]}.{'.'.join(w)}" for _, p, _, w in SENT_DAYS])
async def test_a_number_or_another_writing_is_no_day(gateway: Gateway, role: str, path: str, body: dict[str, Any],
                                                      where: tuple[str, ...]) -> None:
    gateway.act_as(a_staff(role, STAFF))
    for not_a_day in (0, 1.5e-272, "0", "1.5e-272", "24.12.2026", "2026-12-24T00:00:00"):
        refused = await gateway.client.post(path, json=with_day(body, where, not_a_day))
        assert (refused.status_code, refused.json()["code"]) == (422, "validation.invalid"), (not_a_day, refused.text)
    assert gateway.services.calls == [], "nothing refused reaches a service"
