"""Billing's SQL, in one place. Functions take the caller's connection, so a handler decides the
transaction; they return domain objects or plain rows, never asyncpg internals to the HTTP layer."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

import asyncpg

from billing.domain.invoice import SETTLED, Invoice, ShownStatus
from billing.domain.tariff import Tariff

_INVOICE_COLUMNS = """id, econsult_id, patient_id, kid, account_number, copayment_ore, fee_ore, amount_ore,
                      issued_on, due_date, status, paid_ore, overdue_on, settled_on"""
# The status a person sees, in SQL, so that staff can filter on it (see domain.invoice.shown_status).
SHOWN_STATUS_SQL = """CASE WHEN status IN ('paid', 'over_paid') THEN status
                           WHEN overdue_on IS NOT NULL THEN 'overdue' ELSE status END"""


def _invoice(row: asyncpg.Record) -> Invoice:
    return Invoice(**dict(row))


def _tariff_in_force(service: str, day: str) -> str:
    """The one tariff of `service` in force on `day` (their placeholders): the newest begun, not yet ended."""
    return f"""SELECT id, copayment_ore, fee_ore, valid_from, valid_to FROM tariffs
               WHERE service = {service} AND valid_from <= {day} AND (valid_to IS NULL OR valid_to > {day})
               ORDER BY valid_from DESC LIMIT 1"""


_TARIFF_ON = _tariff_in_force("$1", "$2")
_PRICE_FACTS = f"""
    SELECT t.id, t.copayment_ore, t.fee_ore, t.valid_from, t.valid_to,
           (SELECT birth_date FROM patient_directory WHERE patient_id = $1) AS birth_date,
           EXISTS (SELECT 1 FROM frikort WHERE patient_id = $1 AND year = $3) AS has_frikort
    FROM (SELECT 1) AS one LEFT JOIN LATERAL ({_tariff_in_force("$4", "$2")}) AS t ON true"""


async def tariff_on(conn: asyncpg.Connection, on: date, service: str = "econsultation") -> Tariff | None:
    row = await conn.fetchrow(_TARIFF_ON, service, on)
    return Tariff(**dict(row)) if row else None


async def price_facts(conn: asyncpg.Connection, patient_id: uuid.UUID, on: date, service: str = "econsultation"
                      ) -> tuple[Tariff | None, date | None, bool]:
    """What the price shown on `on` depends on, in one round trip: the tariff in force (None: none; the same
    statement as `tariff_on`'s), the patient's birth date (None: not in the directory) and whether they have a
    frikort for that year."""
    row = await conn.fetchrow(_PRICE_FACTS, patient_id, on, on.year, service)
    tariff = Tariff(id=row["id"], copayment_ore=row["copayment_ore"], fee_ore=row["fee_ore"],
                    valid_from=row["valid_from"], valid_to=row["valid_to"]) if row["id"] is not None else None
    return tariff, row["birth_date"], row["has_frikort"]


async def frikort_card(conn: asyncpg.Connection, patient_id: uuid.UUID, year: int) -> str | None:
    card: str | None = await conn.fetchval(
        "SELECT card_number FROM frikort WHERE patient_id = $1 AND year = $2", patient_id, year)
    return card


async def upsert_frikort(conn: asyncpg.Connection, patient_id: uuid.UUID, year: int, card_number: str,
                         registered_by: uuid.UUID, at: Any) -> asyncpg.Record:
    row: asyncpg.Record = await conn.fetchrow(
        """INSERT INTO frikort (patient_id, year, card_number, registered_by, registered_at)
           VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (patient_id, year) DO UPDATE SET card_number = EXCLUDED.card_number,
               registered_by = EXCLUDED.registered_by, registered_at = EXCLUDED.registered_at
           RETURNING patient_id, year, card_number, registered_by, registered_at""",
        patient_id, year, card_number, registered_by, at)
    return row


async def record_charge(conn: asyncpg.Connection, *, econsult_id: uuid.UUID, patient_id: uuid.UUID,
                        exempt_reason: str | None, frikort: str | None, tariff_id: int, submitted_on: date,
                        answered_on: date, at: Any) -> bool:
    """The one billing decision for an eConsultation. False: it was decided before (a redelivery)."""
    inserted = await conn.fetchval(
        """INSERT INTO econsult_charges (econsult_id, patient_id, outcome, exempt_reason, frikort_card, tariff_id,
                                         submitted_on, answered_on, decided_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
           ON CONFLICT (econsult_id) DO NOTHING RETURNING true""",
        econsult_id, patient_id, "exempt" if exempt_reason else "invoiced", exempt_reason,
        frikort if exempt_reason == "frikort" else None, tariff_id, submitted_on, answered_on, at)
    return inserted is True


async def next_kid_serial(conn: asyncpg.Connection) -> int:
    serial: int = await conn.fetchval("SELECT nextval('kid_serial')")
    return serial


async def insert_invoice(conn: asyncpg.Connection, invoice: Invoice, doctor_id: uuid.UUID, at: Any) -> None:
    await conn.execute(
        """INSERT INTO invoices (id, econsult_id, patient_id, doctor_id, kid, account_number, copayment_ore, fee_ore,
                                 amount_ore, issued_on, due_date, created_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)""",
        invoice.id, invoice.econsult_id, invoice.patient_id, doctor_id, invoice.kid, invoice.account_number,
        invoice.copayment_ore, invoice.fee_ore, invoice.amount_ore, invoice.issued_on, invoice.due_date, at)


async def mark_overdue(conn: asyncpg.Connection, invoice_id: uuid.UUID, today: date) -> Invoice | None:
    """Mark one invoice overdue if it is unpaid after its due date and not marked before. None: it was not."""
    row = await conn.fetchrow(
        f"""UPDATE invoices SET overdue_on = $2
            WHERE id = $1 AND overdue_on IS NULL AND status IN ('open', 'part_paid') AND due_date < $2
            RETURNING {_INVOICE_COLUMNS}""", invoice_id, today)
    return _invoice(row) if row else None


async def mark_overdue_batch(conn: asyncpg.Connection, today: date, limit: int) -> list[Invoice]:
    """Mark up to `limit` invoices unpaid after their due date overdue, oldest due first; skips what another
    transaction holds (it is marked on the next run)."""
    rows = await conn.fetch(
        f"""UPDATE invoices SET overdue_on = $1
            WHERE id IN (SELECT id FROM invoices
                         WHERE overdue_on IS NULL AND status IN ('open', 'part_paid') AND due_date < $1
                         ORDER BY due_date, id LIMIT $2 FOR UPDATE SKIP LOCKED)
            RETURNING {_INVOICE_COLUMNS}""",
        today, limit)
    return [_invoice(row) for row in rows]


async def lock_claims_of(conn: asyncpg.Connection, patient_id: uuid.UUID) -> None:
    """One patient at a time: a payment and the overdue job must not both decide from stale reads."""
    await conn.execute("SELECT pg_advisory_xact_lock(hashtextextended($1::uuid::text, 5))", patient_id)


async def has_unsettled_claims(conn: asyncpg.Connection, patient_id: uuid.UUID) -> bool:
    """Whether the patient has an overdue invoice not settled."""
    has_claims: bool = await conn.fetchval(
        """SELECT EXISTS (SELECT 1 FROM invoices WHERE patient_id = $1 AND overdue_on IS NOT NULL
                          AND NOT status = ANY($2::text[]))""", patient_id, list(SETTLED))
    return has_claims


async def claims_told(conn: asyncpg.Connection, patient_id: uuid.UUID) -> bool:
    """What identity was last told of the patient's unsettled claims (nothing told: none)."""
    return bool(await conn.fetchval("SELECT has_unsettled_claims FROM patient_claims WHERE patient_id = $1",
                                    patient_id))


async def record_claims_told(conn: asyncpg.Connection, patient_id: uuid.UUID, has_claims: bool,
                             at: datetime) -> None:
    await conn.execute(
        """INSERT INTO patient_claims (patient_id, has_unsettled_claims, changed_at) VALUES ($1, $2, $3)
           ON CONFLICT (patient_id) DO UPDATE SET has_unsettled_claims = $2, changed_at = $3""",
        patient_id, has_claims, at)


async def start_ocr_import(conn: asyncpg.Connection, *, import_id: uuid.UUID, file_sha256: str,
                           data_transmitter: str, transmission_number: str, imported_by: uuid.UUID,
                           at: datetime) -> bool:
    """Record an OCR file's import. False: the same file was imported before."""
    first = await conn.fetchval(
        """INSERT INTO ocr_imports (id, file_sha256, data_transmitter, transmission_number, imported_by,
                                    imported_at, report)
           VALUES ($1, $2, $3, $4, $5, $6, '{}'::jsonb) ON CONFLICT (file_sha256) DO NOTHING RETURNING true""",
        import_id, file_sha256, data_transmitter, transmission_number, imported_by, at)
    return first is True


async def ocr_import_report(conn: asyncpg.Connection, file_sha256: str) -> dict[str, Any]:
    """The report kept with the first import of this file."""
    report: dict[str, Any] = await conn.fetchval("SELECT report FROM ocr_imports WHERE file_sha256 = $1",
                                                 file_sha256)
    return report


async def keep_ocr_import_report(conn: asyncpg.Connection, import_id: uuid.UUID, report: dict[str, Any]) -> None:
    await conn.execute("UPDATE ocr_imports SET report = $2 WHERE id = $1", import_id, report)


async def invoice(conn: asyncpg.Connection, invoice_id: uuid.UUID) -> Invoice | None:
    row = await conn.fetchrow(f"SELECT {_INVOICE_COLUMNS} FROM invoices WHERE id = $1", invoice_id)
    return _invoice(row) if row else None


async def invoice_by_kid_for_update(conn: asyncpg.Connection, kid: str) -> Invoice | None:
    row = await conn.fetchrow(f"SELECT {_INVOICE_COLUMNS} FROM invoices WHERE kid = $1 FOR UPDATE", kid)
    return _invoice(row) if row else None


_INVOICE_FILTER = f"""($1::uuid IS NULL OR patient_id = $1) AND ($2::text IS NULL OR {SHOWN_STATUS_SQL} = $2)
      AND ($3::text IS NULL OR kid LIKE $3 || '%'
           OR (SELECT name FROM patient_directory d WHERE d.patient_id = invoices.patient_id) ILIKE '%' || $3 || '%')"""


async def invoices(conn: asyncpg.Connection, *, patient_id: uuid.UUID | None, status: ShownStatus | None,
                   limit: int, offset: int, query: str | None = None) -> list[tuple[Invoice, asyncpg.Record]]:
    """Invoices, newest first, each with the payer's name and birth date as billing's directory has them.
    `query`: the start of a KID, or part of the payer's name."""
    rows = await conn.fetch(
        f"""SELECT {_INVOICE_COLUMNS}, d.name, d.birth_date
            FROM invoices LEFT JOIN patient_directory d USING (patient_id)
            WHERE {_INVOICE_FILTER}
            ORDER BY issued_on DESC, kid DESC LIMIT $4 OFFSET $5""", patient_id, status, query, limit, offset)
    return [(Invoice(**{k: v for k, v in dict(r).items() if k not in ("name", "birth_date")}), r) for r in rows]


async def invoice_totals(conn: asyncpg.Connection, *, patient_id: uuid.UUID | None, status: ShownStatus | None,
                         query: str | None = None) -> asyncpg.Record:
    """How many invoices the filter finds, what they come to and what is still owed on them (every page)."""
    row: asyncpg.Record = await conn.fetchrow(
        f"""SELECT count(*) AS count, coalesce(sum(amount_ore), 0)::bigint AS amount_ore,
                   coalesce(sum(greatest(amount_ore - paid_ore, 0)), 0)::bigint AS outstanding_ore
            FROM invoices WHERE {_INVOICE_FILTER}""", patient_id, status, query)
    return row


async def invoice_for_update(conn: asyncpg.Connection, invoice_id: uuid.UUID) -> Invoice | None:
    row = await conn.fetchrow(f"SELECT {_INVOICE_COLUMNS} FROM invoices WHERE id = $1 FOR UPDATE", invoice_id)
    return _invoice(row) if row else None


async def unplaced_payment_for_update(conn: asyncpg.Connection, payment_id: uuid.UUID) -> asyncpg.Record | None:
    """A kept payment, locked: its amount, day and whether it is on an invoice yet."""
    row: asyncpg.Record | None = await conn.fetchrow(
        "SELECT id, kid, invoice_id, amount_ore, paid_on, outcome FROM payments WHERE id = $1 FOR UPDATE", payment_id)
    return row


async def place_payment(conn: asyncpg.Connection, payment_id: uuid.UUID, invoice_id: uuid.UUID, outcome: str) -> None:
    await conn.execute("UPDATE payments SET invoice_id = $2, outcome = $3 WHERE id = $1", payment_id, invoice_id,
                       outcome)


async def record_payment(conn: asyncpg.Connection, *, payment_id: uuid.UUID, source: str, source_ref: str | None,
                         ocr_import_id: uuid.UUID | None, kid: str | None, invoice_id: uuid.UUID | None,
                         amount_ore: int, paid_on: date, outcome: str, registered_by: uuid.UUID, at: Any) -> bool:
    """Keep a payment. False when this bank transaction was recorded before (same source_ref)."""
    inserted = await conn.fetchval(
        """INSERT INTO payments (id, source, source_ref, ocr_import_id, kid, invoice_id, amount_ore, paid_on, outcome,
                                 registered_by, registered_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
           ON CONFLICT (source_ref) DO NOTHING RETURNING true""",
        payment_id, source, source_ref, ocr_import_id, kid, invoice_id, amount_ore, paid_on, outcome,
        registered_by, at)
    return inserted is True


async def paid_on_invoice(conn: asyncpg.Connection, invoice_id: uuid.UUID) -> int:
    """What is paid on an invoice: the sum of every payment kept for it, reversals negative."""
    total: int = await conn.fetchval(
        "SELECT coalesce(sum(amount_ore), 0)::int FROM payments WHERE invoice_id = $1", invoice_id)
    return total


async def settle(conn: asyncpg.Connection, invoice_id: uuid.UUID, *, paid_ore: int, status: str,
                 settled_on: date | None) -> None:
    """The paid amount and status after a payment. `settled_on` None: not settled (any more, after a reversal)."""
    await conn.execute(
        """UPDATE invoices SET paid_ore = $2, status = $3,
                               settled_on = CASE WHEN $4::date IS NULL THEN NULL ELSE COALESCE(settled_on, $4) END
           WHERE id = $1""",
        invoice_id, paid_ore, status, settled_on)


async def payments(conn: asyncpg.Connection, *, unmatched_only: bool, limit: int, offset: int) -> list[asyncpg.Record]:
    return list(await conn.fetch(
        """SELECT p.id, p.source, p.kid, p.invoice_id, i.patient_id, p.amount_ore, p.paid_on, p.outcome,
                  p.registered_at, p.ocr_import_id
           FROM payments p LEFT JOIN invoices i ON i.id = p.invoice_id
           WHERE NOT $1 OR p.invoice_id IS NULL
           ORDER BY p.registered_at DESC, p.id LIMIT $2 OFFSET $3""", unmatched_only, limit, offset))


async def copayments_in_year(conn: asyncpg.Connection, year: int) -> list[asyncpg.Record]:
    """Co-payments billed per patient for eConsultations answered in `year` (the fee is not counted)."""
    return list(await conn.fetch(
        """SELECT i.patient_id, d.name, d.birth_date, count(*) AS invoices, sum(i.copayment_ore)::int AS copayment_ore,
                  f.card_number AS frikort_card
           FROM invoices i
           JOIN econsult_charges c ON c.econsult_id = i.econsult_id
           LEFT JOIN patient_directory d ON d.patient_id = i.patient_id
           LEFT JOIN frikort f ON f.patient_id = i.patient_id AND f.year = $1
           WHERE c.answered_on >= make_date($1, 1, 1) AND c.answered_on < make_date($1 + 1, 1, 1)
           GROUP BY i.patient_id, d.name, d.birth_date, f.card_number
           ORDER BY copayment_ore DESC, d.name""", year))
