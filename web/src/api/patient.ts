// The patient's side of the public API, each call returning what the pages read.

import { api } from "./client";
import { itemsOf, readAccessEntry, readMedication, readRenewal, type AccessEntry, type Appointment, type EConsultation,
  type Guidance, type Invoice, type Medication, type Renewal, type RenewalHint, type Slot } from "./types";

export const patientApi = {
  /** "Bytt person": every patient page acts for the child from now on (null: back to myself). */
  actFor: (childId: string | null) => childId
    ? api.put("/api/v1/me/acting-for", { patient_id: childId }) : api.del<void>("/api/v1/me/acting-for"),
  appointments: async () => itemsOf(await api.get("/api/v1/appointments"), "appointments") as unknown as Appointment[],
  slots: async (from: string, to: string, limit?: number) =>
    itemsOf(await api.get("/api/v1/slots", { query: { from, to, limit: limit?.toString() } }), "slots") as unknown as Slot[],
  book: (slotId: string, reason: string) =>
    api.post<Appointment>("/api/v1/appointments", { slot_id: slotId, ...(reason.trim() ? { reason: reason.trim() } : {}) }),
  cancel: (id: string) => api.del<void>(`/api/v1/appointments/${encodeURIComponent(id)}`),
  medications: async (): Promise<Medication[]> =>
    itemsOf(await api.get("/api/v1/medications"), "medications").map(readMedication),
  renewals: async (): Promise<Renewal[]> => itemsOf(await api.get("/api/v1/renewals"), "renewals").map(readRenewal),
  renew: async (ids: string[], message: string): Promise<Renewal> => readRenewal(await api.post("/api/v1/renewals",
    { medication_ids: ids, ...(message.trim() ? { message: message.trim() } : {}) }) as Record<string, unknown>),
  guidance: () => api.get<Guidance>("/api/v1/econsultations/guidance"),
  econsultations: async () => itemsOf(await api.get("/api/v1/econsultations")) as unknown as EConsultation[],
  ask: (text: string) => api.post<EConsultation>("/api/v1/econsultations", { text, accepted_terms: true }),
  /** The renewal hint for a question being written, by the rule the sent question is judged by. */
  renewalHint: (text: string, medicineNames: string[]) =>
    api.post<{ renewal_hint: RenewalHint | null }>("/api/v1/econsultations/renewal-hint",
      { text, medicine_names: medicineNames }),
  withdraw: (id: string) => api.post<EConsultation>(`/api/v1/econsultations/${encodeURIComponent(id)}/withdraw`, {}),
  invoices: async () => itemsOf(await api.get("/api/v1/invoices"), "invoices") as unknown as Invoice[],
  /** A page of the access log, newest first; `next` is where the next (older) page starts, null at the end. */
  accessLog: async (before?: string, othersOnly = false): Promise<{ entries: AccessEntry[]; next: string | null }> => {
    const answer = await api.get<Record<string, unknown>>("/api/v1/access-log",
      { query: { before, others_only: othersOnly ? "true" : undefined } });
    const next = answer && typeof answer === "object" ? answer.next_before : null;
    return { entries: itemsOf(answer, "entries", "records").map(readAccessEntry),
      next: typeof next === "number" || typeof next === "string" ? String(next) : null };
  },
};
