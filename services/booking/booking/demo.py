"""Demo data for `make run`: each demo doctor's week, the clinic's own closed days, and a calendar that
looks lived in. Idempotent (fixed ids, ON CONFLICT DO NOTHING): it runs at every start."""

from __future__ import annotations

import uuid
from datetime import date, time, timedelta

from booking import handlers
from booking.adapters.schedules import ScheduleRepository
from booking.domain.schedule import WeeklyTemplate
from kit.clock import oslo
from kit.db import transaction
from kit.demo import DOCTORS, demo_id, listed_patients
from kit.runtime import ServiceRuntime

# Mornings and afternoons with a lunch break between, Monday to Friday, in 20-minute slots.
DAY_PARTS = (("formiddag", time(8, 0), time(11, 20)), ("ettermiddag", time(12, 0), time(15, 20)))
WEEKDAYS = frozenset({1, 2, 3, 4, 5})
# Not holidays by law, but the clinic is closed (domain-rules.md: clinic configuration).
OWN_CLOSED_DAYS = (((12, 24), "Julaften"), ((12, 31), "Nyttårsaften"))
BOOKED_DAYS_AHEAD = 14  # other patients' appointments in the coming two weeks, every third slot


async def seed(runtime: ServiceRuntime) -> None:
    today = oslo(runtime.clock.now()).date()
    # Through the owner's own handler: ClinicDayClosed reaches every service that counts working days.
    for year in (today.year, today.year + 1):
        for (month, day), reason in OWN_CLOSED_DAYS:
            await handlers.close_day(runtime, date(year, month, day), reason)
    async with transaction(runtime.pool) as conn:
        repo = ScheduleRepository(conn)
        for doctor in DOCTORS:
            for part, starts, ends in DAY_PARTS:
                await repo.add_template(WeeklyTemplate(
                    id=demo_id("template", f"{doctor.key}:{part}"), doctor_id=doctor.id, weekdays=WEEKDAYS,
                    day_starts=starts, day_ends=ends, slot_minutes=20, online=True, valid_from=today))
    await handlers.extend_schedules(runtime)
    await _other_patients_appointments(runtime, today)


async def _other_patients_appointments(runtime: ServiceRuntime, today: date) -> None:
    """Fill every third slot of the coming two weeks with the clinic's other (synthetic) patients.
    Written without events and without reminders: no SMS goes to made-up people."""
    patients: dict[uuid.UUID, list[uuid.UUID]] = {}
    for p in listed_patients(600):
        patients.setdefault(p.gp_id, []).append(p.id)
    async with transaction(runtime.pool) as conn:
        for doctor in DOCTORS:
            rows = await conn.fetch(
                """SELECT id, starts_at, ends_at FROM slots
                   WHERE doctor_id = $1 AND starts_at > $2 AND starts_at < $3 AND withdrawn_at IS NULL
                   ORDER BY starts_at""",
                doctor.id, runtime.clock.now() + timedelta(days=1), runtime.clock.now() + timedelta(
                    days=BOOKED_DAYS_AHEAD))
            mine = patients.get(doctor.id, [])
            for n, slot in enumerate(rows[::3]):
                if not mine:
                    break
                await conn.execute(
                    """INSERT INTO appointments (id, slot_id, patient_id, doctor_id, starts_at, ends_at,
                                                 booked_at)
                       SELECT $1, $2, $3, $4, $5, $6, $7
                       WHERE NOT EXISTS (SELECT 1 FROM appointments WHERE patient_id = $3
                                         AND cancelled_at IS NULL AND starts_at > $7)
                       ON CONFLICT DO NOTHING""",
                    demo_id("appointment", f"{doctor.key}:{slot['starts_at'].isoformat()}"), slot["id"],
                    mine[n % len(mine)], doctor.id, slot["starts_at"], slot["ends_at"], runtime.clock.now())
