"""Billing's internal HTTP API, called only by the gateway (and notify, for the giro PDF)."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any, Literal

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from billing.adapters import repository as repo
from billing.adapters.giro_pdf import Payer, render_giro
from billing.domain.kid import is_valid_kid
from billing.domain.money import format_nok
from billing.domain.payment import AppliedPayment
from billing.handlers.invoicing import econsult_price, register_frikort
from billing.handlers.payments import import_ocr_file, place_payment, register_payment
from billing.settings import invoice_terms
from kit.errors import DomainError, NotFound
from kit.http import body_limit
from kit.patient_directory import PatientDirectory
from kit.runtime import ServiceRuntime

router = APIRouter(prefix="/internal")
MAX_OCR_BYTES = 10 * 1024 * 1024  # as the gateway's upload: a day's OCR file is a few hundred kB
Status = Literal["open", "part_paid", "paid", "over_paid", "overdue"]


def _rt(request: Request) -> ServiceRuntime:
    runtime: ServiceRuntime = request.app.state.runtime
    return runtime


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class FrikortIn(Strict):
    year: int = Field(ge=2000, le=2100)
    card_number: str = Field(pattern=r"^[0-9A-Za-z-]{4,30}$")
    registered_by: uuid.UUID


class PaymentIn(Strict):
    kid: str = Field(pattern=r"^[0-9]{2,25}$")
    amount_ore: int = Field(gt=0, le=100_000_000)
    paid_on: date
    registered_by: uuid.UUID


@router.get("/prices/econsultation")
async def price(request: Request, patient_id: uuid.UUID, on: date) -> dict[str, Any]:
    return (await econsult_price(_rt(request), patient_id, on)).as_json()


@router.get("/invoices")
async def list_invoices(request: Request, patient_id: uuid.UUID | None = None, status: Status | None = None,
                        query: str | None = Query(None, min_length=1, max_length=100),
                        limit: int = Query(100, ge=1, le=500), offset: int = Query(0, ge=0)) -> dict[str, Any]:
    """Newest first; `totals` are the whole filter's (count, amount and what is still owed), not the page's."""
    async with _rt(request).pool.acquire() as conn:
        found = await repo.invoices(conn, patient_id=patient_id, status=status, limit=limit, offset=offset,
                                    query=query)
        totals = await repo.invoice_totals(conn, patient_id=patient_id, status=status, query=query)
    return {"items": [{**invoice.as_json(), "patient_name": payer["name"],
                       "patient_birth_date": payer["birth_date"].isoformat() if payer["birth_date"] else None}
                      for invoice, payer in found],
            "totals": {"count": totals["count"], "amount_ore": totals["amount_ore"],
                       "amount_nok": format_nok(totals["amount_ore"]), "outstanding_ore": totals["outstanding_ore"],
                       "outstanding_nok": format_nok(totals["outstanding_ore"])}}


@router.get("/invoices/{invoice_id}")
async def get_invoice(request: Request, invoice_id: uuid.UUID) -> dict[str, Any]:
    async with _rt(request).pool.acquire() as conn:
        invoice = await repo.invoice(conn, invoice_id)
    if invoice is None:
        raise NotFound("Fant ikke fakturaen.")
    return invoice.as_json()


@router.get("/invoices/{invoice_id}/pdf")
async def invoice_pdf(request: Request, invoice_id: uuid.UUID) -> Response:
    runtime = _rt(request)
    async with runtime.pool.acquire() as conn:
        invoice = await repo.invoice(conn, invoice_id)
        patient = await PatientDirectory(conn).find(invoice.patient_id) if invoice else None
    if invoice is None:
        raise NotFound("Fant ikke fakturaen.")
    pdf = render_giro(invoice, Payer(patient.name if patient else ""), invoice_terms(runtime.settings))
    return Response(pdf, media_type="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="faktura-{invoice.kid}.pdf"'})


@router.post("/payments/ocr", openapi_extra=body_limit(MAX_OCR_BYTES))
async def upload_ocr(request: Request, imported_by: uuid.UUID) -> dict[str, Any]:
    content = await request.body()
    if not content:
        raise DomainError("Filen er tom.", code="validation.ocr_file", status=422)
    return await import_ocr_file(_rt(request), content=content, imported_by=imported_by)


@router.post("/payments", status_code=201)
async def manual_payment(request: Request, body: PaymentIn) -> dict[str, Any]:
    if not is_valid_kid(body.kid):
        raise DomainError("KID-en har feil kontrollsiffer.", code="validation.kid", status=422)
    applied = await register_payment(_rt(request), kid=body.kid, amount_ore=body.amount_ore, paid_on=body.paid_on,
                                     registered_by=body.registered_by)
    return applied.as_json()


class PlaceIn(Strict):
    invoice_id: uuid.UUID


@router.post("/payments/{payment_id}/settle")
async def settle_against_invoice(request: Request, payment_id: uuid.UUID, body: PlaceIn) -> dict[str, Any]:
    return _placed(await place_payment(_rt(request), payment_id=payment_id, invoice_id=body.invoice_id))


def _placed(p: AppliedPayment) -> dict[str, Any]:
    return {"payment_id": str(p.payment_id), "invoice_id": str(p.invoice_id), "patient_id": str(p.patient_id),
            "kid": p.kid, "amount_ore": p.amount_ore, "amount_nok": format_nok(p.amount_ore), "outcome": p.outcome,
            "outstanding_ore": p.outstanding_ore, "invoice_status": p.invoice_status}


@router.get("/payments")
async def list_payments(request: Request, unmatched: bool = False, limit: int = Query(100, ge=1, le=500),
                        offset: int = Query(0, ge=0)) -> dict[str, Any]:
    async with _rt(request).pool.acquire() as conn:
        rows = await repo.payments(conn, unmatched_only=unmatched, limit=limit, offset=offset)
    return {"items": [
        {"id": str(r["id"]), "source": r["source"], "kid": r["kid"],
         "invoice_id": str(r["invoice_id"]) if r["invoice_id"] else None,
         "patient_id": str(r["patient_id"]) if r["patient_id"] else None, "amount_ore": r["amount_ore"],
         "amount_nok": format_nok(r["amount_ore"]), "paid_on": r["paid_on"].isoformat(), "outcome": r["outcome"],
         "registered_at": r["registered_at"].isoformat()} for r in rows]}


@router.put("/patients/{patient_id}/frikort")
async def put_frikort(request: Request, patient_id: uuid.UUID, body: FrikortIn) -> dict[str, Any]:
    row = await register_frikort(_rt(request), patient_id=patient_id, year=body.year, card_number=body.card_number,
                                 registered_by=body.registered_by)
    return {"patient_id": str(row["patient_id"]), "year": row["year"], "card_number": row["card_number"],
            "registered_at": row["registered_at"].isoformat()}


@router.get("/reports/copayments")
async def copayments(request: Request, year: int = Query(ge=2000, le=2100)) -> dict[str, Any]:
    """What each patient was billed in co-payments in a year, toward their frikort; the fee does not count."""
    async with _rt(request).pool.acquire() as conn:
        rows = await repo.copayments_in_year(conn, year)
    return {"year": year, "patients": [
        {"patient_id": str(r["patient_id"]), "name": r["name"],
         "birth_date": r["birth_date"].isoformat() if r["birth_date"] else None, "invoices": r["invoices"],
         "copayment_ore": r["copayment_ore"], "copayment_nok": format_nok(r["copayment_ore"]),
         "frikort_card": r["frikort_card"]} for r in rows]}
