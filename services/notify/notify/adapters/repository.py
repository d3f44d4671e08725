"""notify's SQL: deliveries, their attempts, the dead-letter record and events awaiting a contact."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

import asyncpg

from kit.names import first_name
from kit.patient_directory import ListedPatient, PatientDirectory
from kit.telemetry import trace_context
from notify.domain.rules import Contact, Planned

WAKE_CHANNEL = "notify_deliveries"


async def contact(conn: asyncpg.Connection, patient_id: uuid.UUID) -> Contact | None:
    patient = await PatientDirectory(conn).find(patient_id)
    return _contact_of(patient) if patient else None


async def contacts(conn: asyncpg.Connection, patient_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, Contact]:
    """`contact` for many patients in one statement; those not in the directory left out."""
    found = await PatientDirectory(conn).find_many(patient_ids)
    return {patient_id: _contact_of(patient) for patient_id, patient in found.items()}


def _contact_of(patient: ListedPatient) -> Contact:
    return Contact(patient.patient_id, patient.mobile, patient.email, patient.language)


async def guardian_contact(conn: asyncpg.Connection, child_id: uuid.UUID, guardian_id: uuid.UUID) -> Contact | None:
    """The guardian who made a request for a child: their mobile, and the child's first name only (never the full
    name). None until both the guardian and the child are known here."""
    row = await conn.fetchrow(
        """SELECT g.mobile, p.name FROM guardian_contacts g JOIN patient_directory p ON p.patient_id = g.child_id
           WHERE g.child_id = $1 AND g.guardian_id = $2""", child_id, guardian_id)
    return Contact(child_id, row["mobile"], None, "nb", for_child=first_name(row["name"])) if row else None


async def keep_guardian(conn: asyncpg.Connection, child_id: uuid.UUID, guardian_id: uuid.UUID, mobile: str | None,
                        at: datetime) -> None:
    """A guardian registered (with their mobile) or removed (None): a late, older event changes nothing."""
    if mobile is None:
        await conn.execute("DELETE FROM guardian_contacts WHERE child_id = $1 AND guardian_id = $2",
                           child_id, guardian_id)
        return
    await conn.execute(
        """INSERT INTO guardian_contacts (child_id, guardian_id, mobile, as_of) VALUES ($1, $2, $3, $4)
           ON CONFLICT (child_id, guardian_id) DO UPDATE SET mobile = excluded.mobile, as_of = excluded.as_of
           WHERE guardian_contacts.as_of <= excluded.as_of""", child_id, guardian_id, mobile, at)


async def login_code_contact(conn: asyncpg.Connection, mobile: str, patient_id: uuid.UUID | None) -> Contact:
    """Whose login a code is for, so staff see it in that patient's list and the code comes in their language.
    identity says whose (`patient_id`) when the code goes to a patient's own mobile: then it is theirs even if their
    registration has not reached the directory yet (bokmål until it has). An event without it (a guardian's, or
    from before identity said) is the patient's whose number it is, if only one patient has it (none, and
    bokmål, otherwise). Never waits: a login code is sent at once."""
    if patient_id is not None:
        language = await conn.fetchval("SELECT language FROM patient_directory WHERE patient_id = $1", patient_id)
        return Contact(patient_id, mobile, None, language or "nb")
    rows = await conn.fetch("SELECT patient_id, language FROM patient_directory WHERE mobile = $1 LIMIT 2", mobile)
    if len(rows) != 1:
        return Contact(None, mobile, None)
    return Contact(rows[0]["patient_id"], mobile, None, rows[0]["language"])


def delivery_id(event_id: uuid.UUID, channel: str) -> uuid.UUID:
    """A delivery's id (the provider's idempotency key, the e-mail's Message-ID) follows from its event and
    channel: an event applied again after a database restore (docs/operations.md) queues the same delivery
    again, and the provider absorbs it instead of sending the patient a second message."""
    return uuid.uuid5(event_id, channel)


_PLANNED = """SELECT d.id, $1, $2, d.channel, d.kind, $3, d.subject_id, d.address, d.subject, d.body,
                      d.giro_invoice_id, d.priority, d.next_attempt_at, d.expires_at, $4, $5"""
_UNNEST = """FROM unnest($6::uuid[], $7::text[], $8::text[], $9::uuid[], $10::text[], $11::text[], $12::text[],
                           $13::uuid[], $14::smallint[], $15::timestamptz[], $16::timestamptz[])
                    AS d(id, channel, kind, subject_id, address, subject, body, giro_invoice_id, priority,
                         next_attempt_at, expires_at)"""
_COLUMNS = """id, event_id, event_type, channel, kind, patient_id, subject_id, address, subject, body,
               giro_invoice_id, priority, next_attempt_at, expires_at, created_at, trace_context"""


async def add_deliveries(conn: asyncpg.Connection, event_id: uuid.UUID, event_type: str,
                         patient_id: uuid.UUID | None, planned: list[Planned], now: datetime, *,
                         lease: timedelta | None = None, withdrawing_reminders_of: uuid.UUID | None = None
                         ) -> tuple[int, list[asyncpg.Record]]:
    """Queue the planned messages in the caller's transaction; at most one per (event, channel). One round trip.
    Returns how many were added, and those added already claimed. `withdrawing_reminders_of`: a cancelled
    appointment, whose reminders `withdraw_reminders` takes back in the same statement (a round trip less for every
    cancellation).

    With a `lease` (this process's sender takes them when the transaction commits: `Sender.hand_over`), those due
    now are queued claimed, their first try counted and leased (on the database's clock) as `claim_due` would, so
    no sender claims them again unless this process dies before recording them (the lease runs out). Without one,
    nothing is claimed and any sender is woken at commit (NOTIFY) to claim them."""
    if not planned:
        if withdrawing_reminders_of is not None:
            await withdraw_reminders(conn, withdrawing_reminders_of, now)
        return 0, []
    args = [event_id, event_type, patient_id, now, trace_context(),
            [delivery_id(event_id, p.channel) for p in planned], [p.channel for p in planned],
            [p.kind for p in planned], [p.subject_id for p in planned], [p.address for p in planned],
            [p.subject for p in planned], [p.body for p in planned], [p.giro_invoice_id for p in planned],
            [p.priority for p in planned], [p.not_before for p in planned], [p.expires_at for p in planned]]
    # The withdrawal, if any, as a CTE of the same statement: it touches only the appointment's queued reminders,
    # never the rows this statement inserts, and PostgreSQL runs a data-modifying CTE whether or not it is read.
    withdrawing = [withdrawing_reminders_of] if withdrawing_reminders_of is not None else []
    withdrawn = f"withdrawn AS ({_withdrawal('$18', '$4')})" if withdrawing else ""
    if lease is not None:
        rows = await conn.fetch(
            f"""{"WITH " + withdrawn if withdrawn else ""}
                INSERT INTO deliveries ({_COLUMNS}, attempts, lease_until)
                {_PLANNED},
                       CASE WHEN d.next_attempt_at <= $4 THEN 1 ELSE 0 END,
                       CASE WHEN d.next_attempt_at <= $4 THEN now() + $17::interval END
                {_UNNEST}
                ON CONFLICT (event_id, channel) DO NOTHING RETURNING *""", *args, lease, *withdrawing)
        return len(rows), [row for row in rows if row["lease_until"] is not None]
    added: int = await conn.fetchval(
        f"""WITH {withdrawn + "," if withdrawn else ""} added AS (
               INSERT INTO deliveries ({_COLUMNS})
               {_PLANNED}
               {_UNNEST}
               ON CONFLICT (event_id, channel) DO NOTHING RETURNING 1)
           SELECT (SELECT count(*) FROM added), pg_notify($17, '')""", *args, WAKE_CHANNEL, *withdrawing)
    return added, []


def _withdrawal(appointment: str, now: str) -> str:
    return f"""UPDATE deliveries SET state = 'withdrawn', finished_at = {now}, last_error = 'appointment cancelled'
               WHERE subject_id = {appointment} AND event_type = 'AppointmentReminderDue' AND state = 'queued'"""


async def withdraw_reminders(conn: asyncpg.Connection, appointment_id: uuid.UUID, now: datetime) -> None:
    """A cancelled appointment is not reminded of, even if its reminder waits for the morning."""
    await conn.execute(_withdrawal("$1", "$2"), appointment_id, now)


# --- the sender's side ---------------------------------------------------------------------------

async def claim_due(conn: asyncpg.Connection, now: datetime, limit: int, lease: timedelta) -> list[asyncpg.Record]:
    """Take queued deliveries that are due, counting the try now: a process that dies mid-send has used it.
    A lease, not a held transaction, keeps other senders off while the provider is called.

    What is due is the clinic's clock's to say (`now`: a reminder comes due at its hour, also on a clock moved in
    development and tests); how long a lease lasts is the database's (`now()`): a lease measures real seconds
    between processes, one clock for every replica, so a clock moved forward (or a replica's clock running ahead)
    never ends the lease of a message still being sent, which would send it twice."""
    rows: list[asyncpg.Record] = await conn.fetch(
        """UPDATE deliveries d SET attempts = d.attempts + 1, lease_until = now() + $3::interval
           FROM (SELECT id FROM deliveries
                 WHERE state = 'queued' AND next_attempt_at <= $1 AND (lease_until IS NULL OR lease_until < now())
                 ORDER BY priority, next_attempt_at LIMIT $2 FOR UPDATE SKIP LOCKED) due
           WHERE d.id = due.id
           RETURNING d.*""", now, limit, lease)
    return rows


async def record_sent(conn: asyncpg.Connection, sent: list[tuple[asyncpg.Record, str, datetime]]) -> None:
    """Deliveries the provider accepted (row, its reference, when), with their tries: all in one round trip and all
    or none (asyncpg's executemany), each row by its primary key. Not one UPDATE joined to an unnest of them: its
    plan depended on the table's statistics, and a plan made while the table was new (every new database, the
    first minutes after a restore) hashed the whole deliveries table at every write (auto_explain under make
    profile: a sequential scan each time, a millisecond a call and growing with the table)."""
    await conn.executemany(
        """WITH done AS (UPDATE deliveries
                         SET state = 'sent', sent_at = $4, finished_at = $4, provider_ref = $3,
                             lease_until = NULL, last_error = NULL,
                             body = CASE WHEN kind = 'login_code' THEN NULL ELSE body END
                         WHERE id = $1)
           INSERT INTO delivery_attempts (delivery_id, attempt, at, outcome, error)
           VALUES ($1, $2, $4, 'accepted', NULL)""",
        [(row["id"], row["attempts"], reference, at) for row, reference, at in sent])


async def record_retry(conn: asyncpg.Connection, row: asyncpg.Record, error: str, now: datetime,
                       retry_at: datetime) -> None:
    await conn.execute("UPDATE deliveries SET next_attempt_at = $2, lease_until = NULL, last_error = $3 WHERE id = $1",
                       row["id"], retry_at, error)
    await _attempt(conn, row, now, "failed", error)


async def record_failed(conn: asyncpg.Connection, row: asyncpg.Record, error: str, now: datetime, *,
                        dead_letter: bool = True) -> None:
    await conn.execute(
        """UPDATE deliveries SET state = 'failed', finished_at = $2, lease_until = NULL, last_error = $3,
                                 body = CASE WHEN kind = 'login_code' THEN NULL ELSE body END
           WHERE id = $1""", row["id"], now, error)
    if dead_letter:
        await _attempt(conn, row, now, "failed", error)
        await conn.execute(
            """INSERT INTO undeliverable (delivery_id, event_id, event_type, channel, attempts, error, created_at)
               VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING""",
            row["id"], row["event_id"], row["event_type"], row["channel"], row["attempts"], error, now)


async def record_deferred(conn: asyncpg.Connection, row: asyncpg.Record, reason: str, now: datetime,
                          until: datetime, *, counts: bool) -> None:
    """Not tried after all (the night's quiet, billing's giro not to be had): the claim's try is given back."""
    await conn.execute(
        """UPDATE deliveries SET attempts = attempts - 1, deferrals = deferrals + $4::int, next_attempt_at = $2,
                                 lease_until = NULL, last_error = $3
           WHERE id = $1""", row["id"], until, reason, 1 if counts else 0)
    if counts:
        await _attempt(conn, row, now, "deferred", reason)


async def _attempt(conn: asyncpg.Connection, row: asyncpg.Record, now: datetime, outcome: str,
                   error: str | None) -> None:
    await conn.execute(
        "INSERT INTO delivery_attempts (delivery_id, attempt, at, outcome, error) VALUES ($1, $2, $3, $4, $5)",
        row["id"], row["attempts"], now, outcome, error)


# --- staff's view ---------------------------------------------------------------------------------

async def deliveries_of(conn: asyncpg.Connection, patient_id: uuid.UUID, limit: int) -> list[dict[str, Any]]:
    """A patient's deliveries, newest first, with their tries. Never the body: no code, no text."""
    rows = await conn.fetch(
        """SELECT id, event_id, event_type, channel, kind, subject_id, address, state, attempts, created_at,
                  next_attempt_at, sent_at, finished_at, last_error
           FROM deliveries WHERE patient_id = $1 ORDER BY created_at DESC, id LIMIT $2""", patient_id, limit)
    tries = await conn.fetch(
        """SELECT delivery_id, attempt, at, outcome, error FROM delivery_attempts
           WHERE delivery_id = ANY($1::uuid[]) ORDER BY id""", [r["id"] for r in rows])
    by_delivery: dict[uuid.UUID, list[dict[str, Any]]] = {}
    for t in tries:
        by_delivery.setdefault(t["delivery_id"], []).append(
            {"attempt": t["attempt"], "at": t["at"], "outcome": t["outcome"], "error": t["error"]})
    return [{**dict(r), "tries": by_delivery.get(r["id"], [])} for r in rows]
