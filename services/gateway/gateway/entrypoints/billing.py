"""Giro billing (api.md): a patient's own invoices and giro PDFs; the billing office's invoices, payments
(bank OCR file or by hand) and the yearly co-payment report; frikort registered by reception or billing.

Invoices are health data by association (they exist because a patient consulted their GP), so every
read or change is audited, refused attempts too. A patient with unsettled claims may still see and pay
invoices: no route here refuses them. The billing office reaches invoices and payments, never the text
of an eConsultation.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any, Literal

from fastapi import APIRouter, Depends, Query, Request, Response, UploadFile, status
from pydantic import Field

from gateway.adapters.services import upstream_problem
from gateway.auth import patient, staff
from gateway.dependencies import Strict, audit, audited, services
from gateway.domain.principal import Principal
from kit.errors import NotFound
from kit.http import IsoDay, body_limit

router = APIRouter(prefix="/api/v1", tags=["faktura"])

billing_office = staff("billing")
# Who consulted shows in how many eConsultations were billed: the billing office and the administrator only.
copayment_readers = staff("billing", "admin")
frikort_staff = staff("reception", "billing")

INVOICE, PAYMENT, FRIKORT = "invoice", "payment", "frikort"
MAX_OCR_BYTES = 10 * 1024 * 1024  # the whole upload; a day's OCR file is a few hundred kB
InvoiceStatus = Literal["open", "part_paid", "paid", "over_paid", "overdue"]


class PaymentIn(Strict):
    kid: str = Field(pattern=r"^[0-9]{2,25}$", description="KID fra giroen.")
    amount_ore: int = Field(gt=0, le=100_000_000, description="Innbetalt beløp i øre.")
    paid_on: IsoDay = Field(description="Dagen pengene kom inn.")


class FrikortIn(Strict):
    year: int = Field(ge=2000, le=2100)
    card_number: str = Field(pattern=r"^[0-9A-Za-z-]{4,30}$", description="Frikortnummeret.")


async def _audit_each(request: Request, principal: Principal, patient_ids: Iterable[Any], object_type: str,
                      action: str) -> None:
    """One record per patient whose data was shown: a list of many patients is many reads."""
    for patient_id in sorted({str(p) for p in patient_ids if p}):
        await audit(request, principal, patient_id=uuid.UUID(patient_id), object_type=object_type, object_id=None,
                    action=action)


def _for_patient(invoice: dict[str, Any]) -> dict[str, Any]:
    shown = {k: v for k, v in invoice.items() if k not in {"patient_id", "patient_name"}}
    return {**shown, "pdf_url": f"/api/v1/invoices/{invoice['id']}/pdf"}


async def _pdf(request: Request, invoice_id: uuid.UUID) -> Response:
    upstream = await services(request).request("billing", "GET", f"/internal/invoices/{invoice_id}/pdf")
    if upstream.status_code >= 400:
        raise upstream_problem(upstream)
    return Response(upstream.content, media_type="application/pdf", headers={
        "Content-Disposition": upstream.headers.get("content-disposition", "inline"),
        "Cache-Control": "no-store"})  # a giro names the patient: never kept by a shared cache


# --- patients ---------------------------------------------------------------------------------


@router.get("/invoices")
async def my_invoices(request: Request, principal: Principal = Depends(patient)) -> Any:
    """My invoices: KID, amount, due date and status (`open`, `part_paid`, `paid`, `over_paid`, `overdue`).
    `paid_ore` is the sum of the payments kept, a bank reversal counting negative; `outstanding_ore` is what is
    still owed, and what the giro asks for. A reversal opens a paid invoice again (overdue if past due)."""
    async def call() -> Any:
        found = await services(request).call("billing", "GET", "/internal/invoices",
                                             params={"patient_id": str(principal.patient_id)})
        return {"items": [_for_patient(i) for i in found["items"]]}
    return await audited(request, principal, principal.patient_id, INVOICE, None, "list", call)


@router.get("/invoices/{invoice_id}/pdf", response_class=Response,
            responses={200: {"content": {"application/pdf": {}}, "description": "Giroen som PDF."}})
async def my_giro(invoice_id: uuid.UUID, request: Request, principal: Principal = Depends(patient)) -> Response:
    """The giro as a PDF, asking for what is still owed (after a part payment: the rest)."""
    async def call() -> Response:
        invoice = await services(request).call("billing", "GET", f"/internal/invoices/{invoice_id}")
        if invoice["patient_id"] != str(principal.patient_id):
            raise NotFound("Fant ikke fakturaen.")  # another patient's invoice: as if it did not exist
        return await _pdf(request, invoice_id)
    result: Response = await audited(request, principal, principal.patient_id, INVOICE, str(invoice_id), "read",
                                     call)
    return result


# --- billing office ---------------------------------------------------------------------------


@router.get("/staff/invoices")
async def invoices(request: Request, status_: InvoiceStatus | None = Query(None, alias="status"),
                   query: str | None = Query(None, min_length=1, max_length=100,
                                             description="Starten på en KID, eller en del av navnet."),
                   limit: int = Query(100, ge=1, le=500), offset: int = Query(0, ge=0),
                   principal: Principal = Depends(billing_office)) -> Any:
    """Invoices, newest first, with the payer's name and birth date, and `totals` for the whole filter (how
    many, their amount, what is still owed)."""
    params: dict[str, Any] = {"limit": limit, "offset": offset}
    if status_:
        params["status"] = status_
    if query and query.strip():
        params["query"] = query.strip()
    found = await services(request).call("billing", "GET", "/internal/invoices", params=params)
    await _audit_each(request, principal, (i["patient_id"] for i in found["items"]), INVOICE, "list")
    return found


@router.get("/staff/invoices/{invoice_id}/pdf", response_class=Response,
            responses={200: {"content": {"application/pdf": {}}, "description": "Giroen som PDF."}})
async def giro(invoice_id: uuid.UUID, request: Request, principal: Principal = Depends(billing_office)) -> Response:
    invoice = await services(request).call("billing", "GET", f"/internal/invoices/{invoice_id}")
    result: Response = await audited(request, principal, uuid.UUID(invoice["patient_id"]), INVOICE,
                                     str(invoice_id), "read", lambda: _pdf(request, invoice_id))
    return result


@router.post("/staff/payments/ocr", openapi_extra=body_limit(MAX_OCR_BYTES))
async def import_ocr(file: UploadFile, request: Request, principal: Principal = Depends(billing_office)) -> Any:
    """The bank's OCR giro file (the upload at most 10 MB: `x-max-body-bytes`; larger is 413
    `validation.too_large`): each transaction matched on KID and kept, with its outcome in the report (`paid`,
    `part_paid`, `over_paid`, `unknown_kid`, `reversal`, `duplicate`). A reversal (transaction types 18 and 20)
    counts negative on its invoice, which is open again if less than its amount is paid (`invoice_status`).
    Anything that is not an OCR file is refused whole: 422 `validation.ocr_file`."""
    content = await file.read()
    report = await services(request).call(
        "billing", "POST", "/internal/payments/ocr", params={"imported_by": str(principal.subject_id)},
        content=content, headers={"Content-Type": "application/octet-stream"})
    if not report.get("already_imported"):
        for line in report["payments"]:
            if line.get("patient_id") and line["outcome"] != "duplicate":
                await audit(request, principal, patient_id=uuid.UUID(line["patient_id"]), object_type=PAYMENT,
                            object_id=line["payment_id"], action="create")
    return report


@router.post("/staff/payments", status_code=status.HTTP_201_CREATED)
async def register_payment(body: PaymentIn, request: Request, principal: Principal = Depends(billing_office)) -> Any:
    payment = await services(request).call("billing", "POST", "/internal/payments",
                                           json={**body.model_dump(mode="json"),
                                                 "registered_by": str(principal.subject_id)})
    await audit(request, principal, patient_id=uuid.UUID(payment["patient_id"]), object_type=PAYMENT,
                object_id=payment["payment_id"], action="create")
    return payment


class SettleIn(Strict):
    invoice_id: uuid.UUID = Field(description="Fakturaen innbetalingen var ment for.")


@router.post("/staff/payments/{payment_id}/settle")
async def settle_against_invoice(payment_id: uuid.UUID, body: SettleIn, request: Request,
                                 principal: Principal = Depends(billing_office)) -> Any:
    """Put a payment the bank's KID did not match (`unknown_kid`) on the invoice it was meant for; it then counts
    there like any payment (409 `billing.payment_already_placed` if it is on an invoice already)."""
    placed = await services(request).call("billing", "POST", f"/internal/payments/{payment_id}/settle",
                                          json={"invoice_id": str(body.invoice_id)})
    await audit(request, principal, patient_id=uuid.UUID(placed["patient_id"]), object_type=PAYMENT,
                object_id=str(payment_id), action="settle")
    return placed


@router.get("/staff/payments")
async def payments(request: Request, unmatched: bool = False, limit: int = Query(100, ge=1, le=500),
                   offset: int = Query(0, ge=0), principal: Principal = Depends(billing_office)) -> Any:
    found = await services(request).call("billing", "GET", "/internal/payments",
                                         params={"unmatched": str(unmatched).lower(), "limit": limit,
                                                 "offset": offset})
    await _audit_each(request, principal, (p["patient_id"] for p in found["items"]), PAYMENT, "list")
    return found


@router.get("/staff/reports/copayments")
async def copayment_report(request: Request, year: int = Query(ge=2000, le=2100),
                           principal: Principal = Depends(copayment_readers)) -> Any:
    """Co-payments billed per patient in a year: what counts toward the frikort (the fee does not). The billing
    office and the administrator only: how many eConsultations were billed tells who consulted."""
    report = await services(request).call("billing", "GET", "/internal/reports/copayments", params={"year": year})
    await _audit_each(request, principal, (p["patient_id"] for p in report["patients"]), INVOICE, "report")
    return report


# --- reception or billing ---------------------------------------------------------------------


@router.put("/staff/patients/{patient_id}/frikort")
async def register_frikort(patient_id: uuid.UUID, body: FrikortIn, request: Request,
                           principal: Principal = Depends(frikort_staff)) -> Any:
    async def call() -> Any:
        return await services(request).call("billing", "PUT", f"/internal/patients/{patient_id}/frikort",
                                            json={**body.model_dump(), "registered_by": str(principal.subject_id)})
    return await audited(request, principal, patient_id, FRIKORT, str(body.year), "update", call)
