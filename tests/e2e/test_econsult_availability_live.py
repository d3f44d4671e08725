"""Through the running system: a GP's eConsultation opening, changed at econsult (as another gateway would pass it
on), shows on the patient's profile at once though the gateway keeps the answer it gave before: econsult's
EConsultAvailabilityChanged reaches every gateway (gateway/adapters/econsult_availability.py)."""

from __future__ import annotations

import httpx
import pytest

from tests.support.eventually import eventually
from tests.support.portal import add_staff, log_in_patient, log_in_staff, register_patient
from tests.support.system import System

pytestmark = pytest.mark.stack


async def test_a_gps_opening_changed_elsewhere_shows_on_the_profile_at_once(live_system: System) -> None:
    async with live_system.client() as gw, httpx.AsyncClient(timeout=30) as internal:
        doctor = await log_in_staff(gw, *await add_staff(live_system, "doctor"))
        patient = await register_patient(live_system, doctor.subject_id)
        kari = await log_in_patient(gw, patient.national_id, patient.mobile)

        async def shown() -> bool | None:
            me = await gw.get("/api/v1/me", headers=kari.headers)
            assert me.status_code == 200, me.text
            found: bool | None = me.json()["gp"]["econsult_open"]
            return found
        assert await shown() is False  # and kept by the gateway (EPORTAL_ECONSULT_AVAILABILITY_SECONDS: 30)

        for wanted in (True, False):
            changed = await internal.put(f"{live_system.service_urls['econsult']}/internal/availability/"
                                         f"{doctor.subject_id}", json={"open": wanted})
            assert changed.status_code == 200, changed.text

            async def now_so(wanted: bool = wanted) -> bool:
                return await shown() is wanted
            # Well inside the 30 s the gateway keeps an answer: only the event can have told it.
            await eventually(now_so, f"the profile to show eConsultation {'open' if wanted else 'closed'}",
                             timeout=10)
