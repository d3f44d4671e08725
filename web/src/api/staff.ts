// The clinic staff's side of the public API.

import { api, send } from "./client";
import { itemsOf, readAccessEntry, readMedication, readRenewal, type AccessEntry, type Appointment, type EConsultation,
  type InboxItem, type Invoice, type InvoiceTotals, type Medication, type Renewal } from "./types";

export type CalendarItem = {
  slot_id: string; starts_at: string; ends_at: string; online: boolean;
  appointment: null | { id: string; patient_id: string; patient_name: string | null; patient_birth_date?: string | null;
    reason?: string | null };
};
export type PatientCard = {
  id: string; name: string; birth_date: string; mobile: string | null; email: string | null; gp_id: string | null;
  first_contact_done: boolean;
};
export type Payment = { id: string; kid: string | null; amount_ore: number; amount_nok: string; paid_on: string;
  outcome: string; invoice_id: string | null };
export type CopaymentLine = { patient_id: string; name: string | null; birth_date?: string | null; invoices: number;
  copayment_ore: number; frikort_card: string | null };
export type Doctor = { id: string; name: string };
/** A child's guardian as reception sees one: never the national ID. */
export type Guardian = { id: string; name: string; mobile: string };
export type ClosedDay = { day: string; reason: string | null; booked_appointments: number };
export type OcrLine = { transaction_number?: number; kid: string; amount_nok: string; outcome: string; paid_on: string };
export type OcrReport = {
  already_imported: boolean; transmission_number?: string; summary?: Record<string, unknown>; payments?: OcrLine[];
};

export const staffApi = {
  login: (username: string, password: string) =>
    api.post<unknown>("/api/v1/staff/auth/login", { username, password }, { quiet401: true }),
  inbox: async () => itemsOf(await api.get("/api/v1/staff/inbox")) as unknown as InboxItem[],
  renewal: async (id: string): Promise<Renewal> =>
    readRenewal(await api.get(`/api/v1/staff/renewals/${encodeURIComponent(id)}`) as Record<string, unknown>),
  decide: (id: string, items: { medication_id: string; approve: boolean; reason?: string }[]) =>
    api.post<unknown>(`/api/v1/staff/renewals/${encodeURIComponent(id)}/decision`, { items }),
  econsultation: (id: string) => api.get<EConsultation>(`/api/v1/staff/econsultations/${encodeURIComponent(id)}`),
  answer: (id: string, text: string) => api.post<unknown>(`/api/v1/staff/econsultations/${encodeURIComponent(id)}/answer`, { text }),
  decline: (id: string, reason: string) =>
    api.post<unknown>(`/api/v1/staff/econsultations/${encodeURIComponent(id)}/decline`, { reason }),
  availability: () => api.get<{ open: boolean }>("/api/v1/staff/econsult-availability"),
  setAvailability: (open: boolean) => api.put<{ open: boolean }>("/api/v1/staff/econsult-availability", { open }),
  doctors: async (): Promise<Doctor[]> => itemsOf(await api.get("/api/v1/staff/doctors"), "doctors")
    .map((d) => ({ id: String(d.id ?? d.doctor_id ?? ""), name: String(d.name ?? d.display_name ?? d.username ?? "") })),
  calendar: (doctorId: string | undefined, day: string) =>
    api.get<{ items: CalendarItem[] }>("/api/v1/staff/appointments", { query: { doctor_id: doctorId, from: day, to: day } }),
  cancelAppointment: (id: string) => api.del<void>(`/api/v1/staff/appointments/${encodeURIComponent(id)}`),
  openSlot: (doctorId: string | undefined, start: string, minutes: number, online: boolean) =>
    api.post<unknown>("/api/v1/staff/slots", { ...(doctorId ? { doctor_id: doctorId } : {}), start, minutes, online }),
  openWeekly: (doctorId: string | undefined, weekly: Record<string, unknown>) =>
    api.post<{ slots_made?: number }>("/api/v1/staff/slots", { ...(doctorId ? { doctor_id: doctorId } : {}), weekly }),
  closedDays: async (): Promise<ClosedDay[]> =>
    itemsOf(await api.get("/api/v1/staff/closed-days"), "closed_days") as unknown as ClosedDay[],
  closeDay: (day: string, reason: string) =>
    api.post<{ day: string; withdrawn_slots: number; booked_appointments: number }>("/api/v1/staff/closed-days",
      { day, ...(reason.trim() ? { reason: reason.trim() } : {}) }),
  reopenDay: (day: string) =>
    api.del<{ day: string; restored_slots: number }>(`/api/v1/staff/closed-days/${encodeURIComponent(day)}`),
  registerPatient: (body: Record<string, unknown>) => api.post<Record<string, unknown>>("/api/v1/staff/patients", body),
  // A POST: the query may be a national ID, which must never travel in a URL.
  findPatients: async (query: string) => itemsOf(await api.post("/api/v1/staff/patients/search", { query }), "patients"),
  updatePatient: (id: string, body: Record<string, unknown>) =>
    api.patch<unknown>(`/api/v1/staff/patients/${encodeURIComponent(id)}`, body),
  patientMedications: async (id: string): Promise<Medication[]> =>
    itemsOf(await api.get(`/api/v1/staff/patients/${encodeURIComponent(id)}/medications`), "medications").map(readMedication),
  guardians: async (patientId: string): Promise<Guardian[]> =>
    itemsOf(await api.get(`/api/v1/staff/patients/${encodeURIComponent(patientId)}/guardians`), "guardians") as
      unknown as Guardian[],
  // A POST body: the guardian's national ID never travels in a URL.
  registerGuardian: (patientId: string, body: { national_id: string; name: string; mobile: string }) =>
    api.post<Guardian>(`/api/v1/staff/patients/${encodeURIComponent(patientId)}/guardians`, body),
  removeGuardian: (patientId: string, guardianId: string) =>
    api.del<void>(`/api/v1/staff/patients/${encodeURIComponent(patientId)}/guardians/${encodeURIComponent(guardianId)}`),
  /** `guardianId`: the guardian who called for a child (the SMS go to them); none when the patient called. */
  phoneRenewal: async (patientId: string, ids: string[], message: string, guardianId?: string): Promise<Renewal> =>
    readRenewal(await api.post("/api/v1/staff/renewals", { patient_id: patientId, medication_ids: ids,
      ...(message.trim() ? { message: message.trim() } : {}), ...(guardianId ? { guardian_id: guardianId } : {}) },
    ) as Record<string, unknown>),
  frikort: (patientId: string, year: number, card: string) =>
    api.put<unknown>(`/api/v1/staff/patients/${encodeURIComponent(patientId)}/frikort`, { year, card_number: card }),
  addAccount: (body: { username: string; name: string; role: string; password: string }) =>
    api.post<unknown>("/api/v1/staff/accounts", body),
  patientAccessLog: async (patientId: string): Promise<AccessEntry[]> =>
    itemsOf(await api.get(`/api/v1/staff/patients/${encodeURIComponent(patientId)}/access-log`), "entries")
      .map(readAccessEntry),
  invoices: async (status: string, query = ""): Promise<{ items: Invoice[]; totals: InvoiceTotals | null }> => {
    const answer = await api.get<Record<string, unknown>>("/api/v1/staff/invoices", { query: { status, query: query.trim() } });
    return { items: itemsOf(answer, "invoices") as unknown as Invoice[],
      totals: (answer && typeof answer === "object" && answer.totals as InvoiceTotals) || null };
  },
  payment: (kid: string, amountOre: number, paidOn: string) =>
    api.post<{ outcome: string; outstanding_ore?: number }>("/api/v1/staff/payments", { kid, amount_ore: amountOre, paid_on: paidOn }),
  unmatchedPayments: async () =>
    itemsOf(await api.get("/api/v1/staff/payments", { query: { unmatched: "true" } })) as unknown as Payment[],
  settle: (paymentId: string, invoiceId: string) =>
    api.post<{ outcome: string; kid: string }>(`/api/v1/staff/payments/${encodeURIComponent(paymentId)}/settle`,
      { invoice_id: invoiceId }),
  copayments: async (year: number): Promise<CopaymentLine[]> =>
    itemsOf(await api.get("/api/v1/staff/reports/copayments", { query: { year: String(year) } }), "patients") as unknown as CopaymentLine[],
  patient: (id: string) => api.get<PatientCard>(`/api/v1/staff/patients/${encodeURIComponent(id)}`),
  patientAppointments: async (id: string) =>
    itemsOf(await api.get(`/api/v1/staff/patients/${encodeURIComponent(id)}/appointments`)) as unknown as Appointment[],
  uploadOcr: async (file: File): Promise<OcrReport> => {
    const form = new FormData();
    form.append("file", file);
    const response = await send("POST", "/api/v1/staff/payments/ocr", { form, timeoutMs: 60_000 });
    return (await response.json()) as OcrReport;
  },
};
