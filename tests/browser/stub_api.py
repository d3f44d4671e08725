"""The portal in a browser against a stand-in API: the built client served with the gateway's own headers,
and answers shaped like the gateway's, so every page can be shown, checked and photographed on a fixed day
(Monday 12 January 2026, 10:00 in Oslo) whatever the services are doing. The journeys through the running
services are in test_portal_live.py."""

from __future__ import annotations

import json
import mimetypes
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlparse

from playwright.sync_api import BrowserContext, Route

from gateway.entrypoints.web import SECURITY_HEADERS
from tests.browser.support import DIST

BASE_URL = "http://eportal.test"
NOW = "2026-01-12T10:00:00+01:00"
GP = "5b0c6f2e-0000-4000-8000-000000000001"
CSRF = "csrf-token-from-login"

MEDICATIONS = [
    {"id": "m1", "name": "Levaxin 50 mikrog", "reseptgruppe": "C", "renewable": True, "code": None},
    {"id": "m2", "name": "Atorvastatin 20 mg", "reseptgruppe": "C", "renewable": True, "code": None},
    {"id": "m3", "name": "Metformin 500 mg", "reseptgruppe": "C", "renewable": True, "code": None},
    {"id": "m4", "name": "Ramipril 5 mg", "reseptgruppe": "C", "renewable": True, "code": None},
    {"id": "m5", "name": "Zopiklon 7,5 mg", "reseptgruppe": "B", "renewable": False,
     "code": "renewal.group_b_needs_agreement"},
    {"id": "m6", "name": "Amoxicillin 500 mg", "reseptgruppe": "C", "renewable": False, "code": "renewal.antibiotic"},
    {"id": "m7", "name": "Oxycodone 5 mg", "reseptgruppe": "A", "renewable": False, "code": "renewal.group_a"},
    {"id": "m8", "name": "Metotreksat 2,5 mg", "reseptgruppe": "C", "renewable": False,
     "code": "renewal.not_prescribed_here"},
]

GUIDANCE = {
    "purpose": "eKonsultasjon er kun for KORTE henvendelser om kjente problemstillinger mellom deg og fastlegen din. "
               "Antall tegn er derfor begrenset til 500.",
    "may_ask": ["Spørsmål om behov for vaksinering eller oppfriskning av vaksiner før reiser.",
                "Oppfølgende spørsmål om medisiner, for eksempel bivirkninger og manglende eller svak effekt.",
                "Råd ved langvarig forløp, og når du eventuelt bør oppsøke lege på nytt.",
                "Nye symptomer som er lite plagsomme, men som skaper engstelse."],
    "may_not_ask": ["Normalt ikke fornyelse av sykmelding.", "Ikke oppstart av A- eller B-preparater.",
                    "Ikke vurdering av akutte forverringer (øyeblikkelig hjelp-time eller legevakt).",
                    "Ikke psykiske problemstillinger som krever samtaler."],
    "not_acute": "eKonsultasjon er IKKE egnet for akutte eller komplekse spørsmål. Ved akutt sykdom: ring "
                 "legekontoret, legevakt 116 117, eller 113 ved livstruende situasjoner.",
    "answer_time": "eKonsultasjoner besvares innen 1–5 arbeidsdager.", "answer_working_days": {"min": 1, "max": 5},
    "max_chars": 500,
    "renewals": "Fornyelse av resepter er gratis: bestill det under «Fornye resept», ikke som tekst i en "
                "eKonsultasjon.",
    "billing": "Det betales egenandel for eKonsultasjon, som for en vanlig konsultasjon, pluss fakturagebyr.",
    "gp_id": GP, "open": True,
    "price": {"copayment_ore": 20400, "fee_ore": 5500, "amount_ore": 25900, "amount_nok": "259,00 kr",
              "exempt": False, "exempt_reason": None},
}


def slot(sid: str, start: str, minutes: int = 20, cancel_until: str | None = None) -> dict[str, Any]:
    """A free slot as booking answers: with the deadline for cancelling it online (24 working-day hours before;
    the stand-in is given it where the day before is not a working day)."""
    hh, mm = int(start[11:13]), int(start[14:16]) + minutes
    end = f"{start[:11]}{hh + mm // 60:02d}:{mm % 60:02d}{start[16:]}"
    day = int(start[8:10])
    until = cancel_until or f"{start[:8]}{day - 1:02d}{start[10:]}"
    return {"id": sid, "doctor_id": GP, "starts_at": start, "ends_at": end, "minutes": minutes, "online": True,
            "patient_may_cancel_until": until}


CLINIC = {"name": "Legekontoret Storgata", "address": "Storgata 1, 0155 Oslo", "phone": "+4722000000",
          "opening_hours": [{"weekdays": [1, 2, 3, 4, 5], "opens": "08:00", "closes": "15:30"}],
          "web": "https://legekontoret.example"}


def patient_answers() -> dict[tuple[str, str], Any]:
    return {
        ("POST", "/api/v1/auth/login"): (202, {"challenge_id": "c-1"}),
        ("POST", "/api/v1/auth/verify"): (200, {"token": "t", "expires_at": "2026-01-12T10:30:00+01:00",
                                                "csrf_token": CSRF, "patient": {"name": "Kari Nordmann"}}),
        ("POST", "/api/v1/auth/logout"): (204, None),
        ("GET", "/api/v1/me"): (200, {"id": "p1", "name": "Kari Nordmann",
                                      "gp": {"id": GP, "name": "Dr. Ingrid Solberg", "econsult_open": True},
                                      "restrictions": [], "csrf_token": CSRF}),
        ("GET", "/api/v1/appointments"): (200, {"items": [{
            "id": "a1", "slot_id": "s0", "patient_id": "p1", "doctor_id": GP,
            "starts_at": "2026-01-15T09:00:00+01:00", "ends_at": "2026-01-15T09:20:00+01:00",
            "reason": "Kontroll av blodtrykk", "status": "booked", "booked_at": "2026-01-05T08:00:00+01:00",
            "cancelled_at": None, "cancelled_by": None, "patient_may_cancel_until": "2026-01-14T09:00:00+01:00"}]}),
        ("GET", "/api/v1/slots"): (200, {"doctor_id": GP, "slots": [
            slot("s1", "2026-01-12T13:00:00+01:00", cancel_until="2026-01-09T13:00:00+01:00"),
            slot("s2", "2026-01-12T13:20:00+01:00", cancel_until="2026-01-09T13:20:00+01:00"),
            slot("s3", "2026-01-13T08:40:00+01:00"), slot("s4", "2026-01-14T11:00:00+01:00"),
            slot("s5", "2026-01-16T09:00:00+01:00"), slot("s6", "2026-01-16T09:20:00+01:00")]}),
        ("GET", "/api/v1/clinic"): (200, CLINIC),
        ("PUT", "/api/v1/me/language"): (200, {"language": "nn"}),
        ("GET", "/api/v1/staff/me"): (401, {"code": "auth.required", "status": 401, "title": "Du må logge inn."}),
        ("POST", "/api/v1/appointments"): (201, {
            "id": "a2", "slot_id": "s5", "patient_id": "p1", "doctor_id": GP, "starts_at": "2026-01-16T09:00:00+01:00",
            "ends_at": "2026-01-16T09:20:00+01:00", "reason": None, "status": "booked",
            "booked_at": NOW, "cancelled_at": None, "cancelled_by": None,
            "patient_may_cancel_until": "2026-01-15T09:00:00+01:00"}),
        ("DELETE", "/api/v1/appointments/a1"): (204, None),
        ("GET", "/api/v1/medications"): (200, {"items": MEDICATIONS}),
        ("GET", "/api/v1/renewals"): (200, {"items": [{
            "id": "r0", "status": "decided", "channel": "portal", "due_date": "2025-12-10",
            "created_at": "2025-12-03T08:00:00+01:00",
            "items": [{"medication_id": "m1", "name": "Levaxin 50 mikrog", "outcome": "approved", "reason": None}]}]}),
        ("POST", "/api/v1/renewals"): (201, {"id": "r1", "status": "open", "due_date": "2026-01-19", "items": []}),
        ("GET", "/api/v1/econsultations/guidance"): (200, GUIDANCE),
        ("GET", "/api/v1/econsultations"): (200, {"items": [{
            "id": "e0", "doctor_id": GP, "status": "answered",
            "text": "Jeg skal til Thailand i mars. Trenger jeg vaksiner?",
            "submitted_at": "2026-01-05T19:12:00+01:00", "due_date": "2026-01-12", "overdue": False,
            "handled_at": "2026-01-07T12:00:00+01:00",
            "answer": "Du bør ha hepatitt A og B, og sjekke at difteri/stivkrampe er oppfrisket. Bestill en "
                      "vaksinetime hos sykepleier.",
            "declined_reason": None, "advice": None, "renewal_hint": None}]}),
        ("POST", "/api/v1/econsultations/renewal-hint"): (200, {"renewal_hint": None}),
        ("POST", "/api/v1/econsultations"): (201, {
            "id": "e1", "doctor_id": GP, "status": "open", "text": "…", "submitted_at": NOW, "due_date": "2026-01-19",
            "overdue": False, "handled_at": None, "answer": None, "declined_reason": None, "advice": None,
            "renewal_hint": None, "price": GUIDANCE["price"]}),
        ("GET", "/api/v1/invoices"): (200, {"items": [
            {"id": "i1", "kid": "0000123456782", "account_number": "15030540007", "amount_ore": 25900,
             "amount_nok": "259,00 kr", "paid_ore": 0, "outstanding_ore": 25900, "issued_on": "2026-01-07",
             "due_date": "2026-01-21", "status": "open", "pdf_url": "/api/v1/invoices/i1/pdf"},
            {"id": "i0", "kid": "0000123450017", "account_number": "15030540007", "amount_ore": 25900,
             "amount_nok": "259,00 kr", "paid_ore": 25900, "outstanding_ore": 0, "issued_on": "2025-10-01",
             "due_date": "2025-10-15", "status": "paid", "pdf_url": "/api/v1/invoices/i0/pdf"}]}),
        ("GET", "/api/v1/access-log"): (200, {"next_before": None, "entries": [
            {"id": 9, "at": "2026-01-07T12:00:00+01:00", "who": "Dr. Ingrid Solberg", "role": "doctor",
             "object_type": "econsultation", "object_id": "e0", "action": "answer", "outcome": "success"},
            {"id": 8, "at": "2026-01-07T11:58:00+01:00", "who": "Dr. Ingrid Solberg", "role": "doctor",
             "object_type": "econsultation", "object_id": "e0", "action": "read", "outcome": "success"},
            {"id": 7, "at": "2026-01-06T15:10:00+01:00", "who": "Dr. Ole Hansen", "role": "doctor",
             "object_type": "econsultation", "object_id": "e0", "action": "read", "outcome": "refused:forbidden"},
            {"id": 6, "at": "2026-01-05T08:00:00+01:00", "who": "Mona Vik", "role": "reception",
             "object_type": "patient", "object_id": "p1", "action": "update:mobile", "outcome": "success"},
            {"id": 5, "at": "2026-01-05T07:59:00+01:00", "who": "Deg", "role": "patient",
             "object_type": "appointment", "object_id": None, "action": "create", "outcome": "success"}]}),
    }


def staff_answers() -> dict[tuple[str, str], Any]:
    return {
        ("POST", "/api/v1/staff/auth/login"): (200, {
            "token": "t", "csrf_token": CSRF, "staff": {"id": GP, "name": "Dr. Ingrid Solberg", "role": "doctor"}}),
        ("GET", "/api/v1/staff/inbox"): (200, {"items": [
            {"kind": "renewal", "id": "r1", "patient_id": "p1", "patient_name": "Kari Nordmann",
             "patient_birth_date": "1970-01-01", "channel": "portal", "created_at": "2026-01-02T08:00:00+01:00",
             "due_date": "2026-01-09", "overdue": True, "preview": "Levaxin 50 mikrog, Atorvastatin 20 mg"},
            {"kind": "econsult", "id": "e1", "patient_id": "p2", "patient_name": "Frida Frikort",
             "patient_birth_date": "1984-06-30", "channel": "portal", "created_at": "2026-01-09T20:00:00+01:00",
             "due_date": "2026-01-16", "overdue": False,
             "preview": "Jeg har fått tørrhoste etter at jeg begynte på Ramipril. Kan det være en bivirkning?"},
            {"kind": "renewal", "id": "r2", "patient_id": "p3", "patient_name": "Berit Avtale",
             "patient_birth_date": "1951-11-02", "channel": "phone", "created_at": "2026-01-08T10:00:00+01:00",
             "due_date": "2026-01-15", "overdue": False, "preview": "Zopiklon 7,5 mg"}]}),
        ("GET", "/api/v1/staff/renewals/r1"): (200, {
            "id": "r1", "status": "open", "channel": "portal", "patient_id": "p1", "patient_name": "Kari Nordmann",
            "patient_birth_date": "1970-01-01", "due_date": "2026-01-09",
            "overdue": True, "message": "Går tom for medisinene neste uke.",
            "items": [{"medication_id": "m1", "name": "Levaxin 50 mikrog"},
                      {"medication_id": "m2", "name": "Atorvastatin 20 mg"}]}),
        ("POST", "/api/v1/staff/renewals/r1/decision"): (200, {"id": "r1", "status": "decided"}),
        ("GET", "/api/v1/staff/econsultations/e1"): (200, {
            "id": "e1", "patient_id": "p2", "patient_name": "Frida Frikort", "patient_birth_date": "1984-06-30",
            "doctor_id": GP, "status": "open",
            "text": "Jeg har fått tørrhoste etter at jeg begynte på Ramipril. Kan det være en bivirkning?",
            "submitted_at": "2026-01-09T20:00:00+01:00", "due_date": "2026-01-16", "overdue": False, "handled_at": None,
            "answer": None, "declined_reason": None, "advice": None, "renewal_hint": None}),
        ("POST", "/api/v1/staff/econsultations/e1/answer"): (200, {"id": "e1", "status": "answered"}),
        ("POST", "/api/v1/staff/econsultations/e1/decline"): (200, {"id": "e1", "status": "declined"}),
        ("GET", "/api/v1/staff/econsult-availability"): (200, {"doctor_id": GP, "open": True}),
        ("PUT", "/api/v1/staff/econsult-availability"): (200, {"doctor_id": GP, "open": False}),
        ("GET", "/api/v1/staff/doctors"): (200, {"items": [{"id": GP, "name": "Dr. Ingrid Solberg"},
                                                           {"id": "d2", "name": "Dr. Ole Hansen"}]}),
        ("GET", "/api/v1/staff/appointments"): (200, {"doctor_id": GP, "items": [
            {"slot_id": "s0", "starts_at": "2026-01-12T08:00:00+01:00", "ends_at": "2026-01-12T08:20:00+01:00",
             "online": True, "appointment": {"id": "a9", "patient_id": "p1", "patient_name": "Kari Nordmann",
                                             "patient_birth_date": "1970-01-01", "reason": "Kontroll av blodtrykk"}},
            {"slot_id": "s1", "starts_at": "2026-01-12T08:20:00+01:00", "ends_at": "2026-01-12T08:40:00+01:00",
             "online": True, "appointment": None},
            {"slot_id": "s2", "starts_at": "2026-01-12T08:40:00+01:00", "ends_at": "2026-01-12T09:00:00+01:00",
             "online": False, "appointment": None}]}),
        ("DELETE", "/api/v1/staff/appointments/a9"): (204, None),
        ("POST", "/api/v1/staff/patients"): (201, {
            "id": "p9", "name": "Nils Nyberg", "birth_date": "1992-05-03", "mobile": "+4791234502", "email": None,
            "gp_id": GP, "first_contact_done": False}),
        ("POST", "/api/v1/staff/patients/search"): (200, {"patients": [
            {"id": "p9", "name": "Nils Nyberg", "birth_date": "1992-05-03", "mobile": "+4791234502", "email": None,
             "gp_id": GP, "first_contact_done": False}]}),
        ("PATCH", "/api/v1/staff/patients/p9"): (200, {"id": "p9", "first_contact_done": True}),
        ("GET", "/api/v1/staff/patients/p9/medications"): (200, {"items": MEDICATIONS}),
        ("GET", "/api/v1/staff/patients/p8/medications"): (200, {"items": MEDICATIONS[:2]}),
        ("GET", "/api/v1/staff/patients/p1/medications"): (200, {"items": [
            {**MEDICATIONS[0], "strength": "50 mikrog", "atc_code": "H03AA01", "fixed": True, "prescribed_by": "here"},
            {**MEDICATIONS[1], "strength": "20 mg", "atc_code": "C10AA05", "fixed": True,
             "prescribed_by": "other_clinic"}]}),
        ("GET", "/api/v1/staff/patients/p9"): (200, {
            "id": "p9", "name": "Nils Nyberg", "birth_date": "1992-05-03", "mobile": "+4791234502", "email": None,
            "gp_id": GP, "first_contact_done": False, "language": "nb"}),
        ("GET", "/api/v1/staff/patients/p9/appointments"): (200, {"items": [
            {"id": "a7", "doctor_id": GP, "starts_at": "2026-01-20T10:00:00+01:00",
             "ends_at": "2026-01-20T10:20:00+01:00", "reason": None, "status": "booked",
             "booked_at": "2026-01-10T08:00:00+01:00", "cancelled_at": None, "cancelled_by": None,
             "patient_may_cancel_until": "2026-01-19T10:00:00+01:00"},
            {"id": "a6", "doctor_id": GP, "starts_at": "2025-11-20T10:00:00+01:00",
             "ends_at": "2025-11-20T10:20:00+01:00", "reason": None, "status": "cancelled",
             "booked_at": "2025-11-10T08:00:00+01:00", "cancelled_at": "2025-11-12T08:00:00+01:00",
             "cancelled_by": "patient", "patient_may_cancel_until": None}]}),
        ("DELETE", "/api/v1/staff/appointments/a7"): (204, None),
        # A child at reception (issue 19): her guardians by name and mobile, never a national ID.
        ("GET", "/api/v1/staff/patients/p8"): (200, {
            "id": "p8", "name": "Emma Nyberg", "birth_date": "2016-09-14", "mobile": None, "email": None,
            "gp_id": GP, "first_contact_done": True, "language": "nb"}),
        ("GET", "/api/v1/staff/patients/p8/appointments"): (200, {"items": []}),
        ("GET", "/api/v1/staff/patients/p8/guardians"): (200, {"guardians": [
            {"id": "g1", "name": "Kari Nyberg", "mobile": "+4791234510"}]}),
        ("DELETE", "/api/v1/staff/patients/p8/guardians/g1"): (204, None),
        ("POST", "/api/v1/staff/renewals"): (201, {"id": "r3", "status": "open", "channel": "phone",
                                                   "due_date": "2026-01-19", "items": []}),
        ("POST", "/api/v1/staff/slots"): (201, slot("s7", "2026-01-20T09:00:00+01:00")),
        ("PUT", "/api/v1/staff/patients/p9/frikort"): (200, {"year": 2026}),
        ("GET", "/api/v1/staff/invoices"): (200, {"items": [
            {"id": "i1", "kid": "0000123456782", "patient_id": "p1", "patient_name": "Kari Nordmann",
             "patient_birth_date": "1970-01-01", "amount_nok": "259,00 kr", "amount_ore": 25900,
             "outstanding_ore": 15900, "due_date": "2026-01-21", "status": "part_paid"},
            {"id": "i2", "kid": "0000123460016", "patient_id": "p4", "patient_name": "Ulla Ubetalt",
             "patient_birth_date": "1962-03-14", "amount_nok": "259,00 kr", "amount_ore": 25900,
             "outstanding_ore": 25900, "due_date": "2025-12-01", "status": "overdue"},
            {"id": "i3", "kid": "0000123470015", "patient_id": "p5", "patient_name": "Per Betalt",
             "patient_birth_date": "1990-09-09", "amount_nok": "259,00 kr", "amount_ore": 25900,
             "outstanding_ore": 0, "due_date": "2025-11-01", "status": "paid"}],
            "totals": {"count": 3, "amount_ore": 77700, "amount_nok": "777,00 kr", "outstanding_ore": 41800,
                       "outstanding_nok": "418,00 kr"}}),
        ("POST", "/api/v1/staff/payments"): (201, {"payment_id": "pay1", "patient_id": "p1", "outcome": "paid",
                                                   "kid": "0000123456782", "outstanding_ore": 0}),
        ("GET", "/api/v1/staff/payments"): (200, {"items": [
            {"id": "pay9", "source": "ocr", "kid": "0000999999999", "invoice_id": None, "patient_id": None,
             "amount_ore": 25900, "amount_nok": "259,00 kr", "paid_on": "2026-01-12", "outcome": "unknown_kid",
             "registered_at": "2026-01-12T09:00:00+01:00"}]}),
        ("POST", "/api/v1/staff/payments/pay9/settle"): (200, {
            "payment_id": "pay9", "invoice_id": "i2", "patient_id": "p4", "kid": "0000123460016",
            "amount_ore": 25900, "outcome": "paid", "outstanding_ore": 0}),
        ("GET", "/api/v1/staff/reports/copayments"): (200, {"year": 2026, "patients": [
            {"patient_id": "p1", "name": "Kari Nordmann", "birth_date": "1970-01-01", "invoices": 14,
             "copayment_ore": 285600, "copayment_nok": "2 856,00 kr", "frikort_card": None},
            {"patient_id": "p2", "name": "Frida Frikort", "birth_date": "1984-06-30", "invoices": 16,
             "copayment_ore": 326400, "copayment_nok": "3 264,00 kr", "frikort_card": "FK-2026-0042"}]}),
        ("PUT", "/api/v1/staff/patients/p1/frikort"): (200, {"year": 2026}),
        ("POST", "/api/v1/staff/accounts"): (201, {"id": "s9", "username": "lege7", "name": "Dr. Siri Berg",
                                                   "role": "doctor"}),
        ("GET", "/api/v1/staff/patients/p1/access-log"): (200, {"next_before": None, "entries": [
            {"id": 11, "at": "2026-01-07T12:00:00+01:00", "actor_kind": "staff", "actor_id": GP,
             "actor_role": "doctor", "actor_name": "Dr. Ingrid Solberg", "object_type": "econsultation",
             "object_id": "e0", "action": "answer", "outcome": "success", "request_id": "r-11"},
            {"id": 10, "at": "2026-01-06T15:10:00+01:00", "actor_kind": "staff", "actor_id": "d2",
             "actor_role": "doctor", "actor_name": "Dr. Ole Hansen", "object_type": "econsultation",
             "object_id": "e0", "action": "read", "outcome": "refused:forbidden", "request_id": "r-10"},
            {"id": 9, "at": "2026-01-05T07:59:00+01:00", "actor_kind": "patient", "actor_id": "p1",
             "actor_role": "patient", "actor_name": "Kari Nordmann", "object_type": "appointment",
             "object_id": None, "action": "create", "outcome": "success", "request_id": "r-9"}]}),
        ("GET", "/api/v1/staff/closed-days"): (200, {"closed_days": [
            {"day": "2026-01-30", "reason": "Fagdag", "booked_appointments": 1}]}),
        ("POST", "/api/v1/staff/closed-days"): (201, {"day": "2026-02-06", "withdrawn_slots": 24,
                                                      "booked_appointments": 2}),
        ("DELETE", "/api/v1/staff/closed-days/2026-01-30"): (200, {"day": "2026-01-30", "restored_slots": 23}),
        ("POST", "/api/v1/staff/payments/ocr"): (200, {
            "import_id": "o1", "transmission_number": "1000001", "already_imported": False,
            "summary": {"transactions": 2, "amount_ore": 51800},
            "payments": [{"transaction_number": 1, "kid": "0000123456782", "amount_nok": "259,00 kr",
                          "amount_ore": 25900, "paid_on": "2026-01-12", "outcome": "paid"},
                         {"transaction_number": 2, "kid": "0000999999999", "amount_nok": "259,00 kr",
                          "amount_ore": 25900, "paid_on": "2026-01-12", "outcome": "unknown_kid"}]}),
    }


@dataclass
class Call:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: Any


@dataclass
class StubApi:
    """The stand-in API of one browser context: answers by (method, path), with failures and delays on demand."""

    answers: dict[tuple[str, str], Any] = field(default_factory=lambda: {**patient_answers(), **staff_answers()})
    calls: list[Call] = field(default_factory=list)
    held: set[tuple[str, str]] = field(default_factory=set)  # answered only when the test calls release()
    pending: list[Route] = field(default_factory=list)
    aborted: set[tuple[str, str]] = field(default_factory=set)
    on_call: Callable[[Call], None] | None = None

    def fail(self, method: str, path: str, status: int, code: str) -> None:
        self.answers[(method, path)] = (status, {"type": f"https://eportal.no/problems/{code}", "title": "…",
                                                 "status": status, "detail": "…", "code": code})

    def made(self, method: str, path: str) -> list[Call]:
        return [c for c in self.calls if c.method == method and c.path == path]

    def install(self, context: BrowserContext) -> None:
        context.route(f"{BASE_URL}/**", self._handle)

    def _handle(self, route: Route) -> None:
        request = route.request
        url = urlparse(request.url)
        if not url.path.startswith(("/api/", "/dev/")):
            return _serve_portal(route, url.path)
        key = (request.method, url.path)
        body: Any = None
        if request.post_data and "json" in (request.headers.get("content-type") or ""):
            body = json.loads(request.post_data)
        call = Call(request.method, url.path, parse_qs(url.query), dict(request.headers), body)
        self.calls.append(call)
        if self.on_call:
            self.on_call(call)
        if key in self.held:
            self.pending.append(route)
            return None
        return self._answer(route, key)

    def release(self) -> None:
        """Answer the held requests now: the slow request finally comes back."""
        self.held.clear()
        while self.pending:
            route = self.pending.pop(0)
            url = urlparse(route.request.url)
            self._answer(route, (route.request.method, url.path))

    def _answer(self, route: Route, key: tuple[str, str]) -> None:
        path = key[1]
        if key in self.aborted:
            return route.abort("failed")
        if path.endswith("/pdf"):
            return route.fulfill(status=200, body=b"%PDF-1.4\n%giro\n", content_type="application/pdf")
        status, answer = self.answers.get(key, (404, {"code": "not_found", "status": 404, "title": "Ikke funnet."}))
        if key == ("GET", "/api/v1/access-log") and "others_only=true" in route.request.url and status == 200:
            # As the gateway does: the patient's own entries left out.
            answer = {**answer, "entries": [e for e in answer["entries"] if e.get("role") != "patient"]}
        if status == 204:
            return route.fulfill(status=204, body="")
        content_type = "application/problem+json" if status >= 400 else "application/json"
        return route.fulfill(status=status, body=json.dumps(answer), content_type=content_type)


def _serve_portal(route: Route, path: str) -> None:
    """web/dist as the gateway serves it: files where they exist, index.html for the client's routes."""
    candidate = (DIST / path.lstrip("/")).resolve()
    if not (path != "/" and candidate.is_file() and candidate.is_relative_to(DIST.resolve())):
        candidate = DIST / "index.html"
    content_type = mimetypes.guess_type(candidate.name)[0] or "application/octet-stream"
    route.fulfill(status=200, body=candidate.read_bytes(), content_type=content_type, headers=dict(SECURITY_HEADERS))
