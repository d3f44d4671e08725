// The clinic staff's side of the public API.

import { api, send } from "./client";
import { itemsOf, readAccessEntry, readMedication, readRenewal, type AccessEntry, type EConsultation, type InboxItem, type Invoice, type Medication,
  type Renewal } from "./types";

export type CalendarItem = {
  slot_id: string; starts_at: string; ends_at: string; online: boolean;
  appointment: null | { id: string; patient_id: string; patient_name: string | null; reason?: string | null };
};
export type Doctor = { id: string; name: string };
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
  econsultation: (id: string) => api.get<EConsultation & { patient_name?: string }>(`/api/v1/staff/econsultations/${encodeURIComponent(id)}`),
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
  registerPatient: (body: Record<string, unknown>) => api.post<Record<string, unknown>>("/api/v1/staff/patients", body),
  // A POST: the query may be a national ID, which must never travel in a URL.
  findPatients: async (query: string) => itemsOf(await api.post("/api/v1/staff/patients/search", { query }), "patients"),
  updatePatient: (id: string, body: Record<string, unknown>) =>
    api.patch<unknown>(`/api/v1/staff/patients/${encodeURIComponent(id)}`, body),
  patientMedications: async (id: string): Promise<Medication[]> =>
    itemsOf(await api.get(`/api/v1/staff/patients/${encodeURIComponent(id)}/medications`), "medications").map(readMedication),
  phoneRenewal: async (patientId: string, ids: string[], message: string): Promise<Renewal> =>
    readRenewal(await api.post("/api/v1/staff/renewals", { patient_id: patientId, medication_ids: ids,
      ...(message.trim() ? { message: message.trim() } : {}) }) as Record<string, unknown>),
  frikort: (patientId: string, year: number, card: string) =>
    api.put<unknown>(`/api/v1/staff/patients/${encodeURIComponent(patientId)}/frikort`, { year, card_number: card }),
  addAccount: (body: { username: string; name: string; role: string; password: string }) =>
    api.post<unknown>("/api/v1/staff/accounts", body),
  patientAccessLog: async (patientId: string): Promise<AccessEntry[]> =>
    itemsOf(await api.get(`/api/v1/staff/patients/${encodeURIComponent(patientId)}/access-log`), "entries")
      .map(readAccessEntry),
  invoices: async (status: string) =>
    itemsOf(await api.get("/api/v1/staff/invoices", { query: { status } }), "invoices") as unknown as Invoice[],
  uploadOcr: async (file: File): Promise<OcrReport> => {
    const form = new FormData();
    form.append("file", file);
    const response = await send("POST", "/api/v1/staff/payments/ocr", { form, timeoutMs: 60_000 });
    return (await response.json()) as OcrReport;
  },
};
