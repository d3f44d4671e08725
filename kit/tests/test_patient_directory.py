"""The one patient-directory reader: what identity's snapshots left, a row lock when asked, and the one
`PatientUnknown` for a patient the directory has not heard of."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, date, datetime
from pathlib import Path

import asyncpg
import pytest

from contracts.envelope import Envelope
from contracts.events import PatientRegistered, PatientUpdated
from kit.migrations import migrate
from kit.patient_directory import FEATURE, PatientDirectory, PatientUnknown, apply_patient_snapshot
from tests.support.eventually import eventually

pytestmark = pytest.mark.stack

GP, OTHER_GP = uuid.uuid4(), uuid.uuid4()


async def test_the_reader_sees_the_newest_snapshot_and_locks_when_asked(scratch_db: str, tmp_path: Path) -> None:
    conn = await asyncpg.connect(scratch_db)
    other = await asyncpg.connect(scratch_db)
    try:
        await migrate(conn, "directorytest", tmp_path, (FEATURE,))
        patient = uuid.uuid4()
        registered = PatientRegistered(patient_id=patient, gp_id=GP, name="Kari Nordmann", birth_date=date(1980, 5, 17),
                                       mobile="+4791234567", email=None, first_contact_done=True, language="nn")
        moved = PatientUpdated(**{**registered.model_dump(), "gp_id": OTHER_GP})
        newer = Envelope.wrap(moved, occurred_at=datetime(2026, 3, 2, tzinfo=UTC), correlation_id="test")
        older = Envelope.wrap(registered, occurred_at=datetime(2026, 3, 1, tzinfo=UTC), correlation_id="test")
        await apply_patient_snapshot(conn, newer, moved)
        await apply_patient_snapshot(conn, older, registered)  # a replay out of order changes nothing

        found = await PatientDirectory(conn).get(patient)
        assert (found.gp_id, found.name, found.birth_date, found.language) == (OTHER_GP, "Kari Nordmann",
                                                                              date(1980, 5, 17), "nn")
        assert await PatientDirectory(conn).find(uuid.uuid4()) is None
        with pytest.raises(PatientUnknown):
            await PatientDirectory(conn).get(uuid.uuid4())

        async with conn.transaction():
            await PatientDirectory(conn).get(patient, lock="no key update")
            # A second caller for the same patient waits its turn (PostgreSQL says it waits on a lock).
            waiting = asyncio.ensure_future(PatientDirectory(other).find(patient, lock="no key update"))

            async def blocked() -> bool:
                return await conn.fetchval("SELECT wait_event_type = 'Lock' FROM pg_stat_activity WHERE pid = $1",
                                           other.get_server_pid()) is True
            await eventually(blocked, what="the second reader to wait for the lock")
            assert not waiting.done()
        assert (await waiting) is not None
    finally:
        await conn.close()
        await other.close()
