// What the portal reads from the public API. Bodies not fixed by api.md are read defensively (a field the
// gateway names differently must not break a page), through the small readers at the bottom.

import { LANGUAGES, type Language } from "../text";

export type Slot = {
  id: string; doctor_id: string; starts_at: string; ends_at: string; minutes: number;
  /** The deadline for cancelling online if this slot is booked (the server's rule, closed days and all). */
  patient_may_cancel_until: string | null;
};
export type Appointment = {
  id: string; doctor_id?: string; starts_at: string; ends_at: string; reason: string | null; status: "booked" | "cancelled";
  cancelled_by: "patient" | "staff" | null; patient_may_cancel_until: string | null;
  /** The code a cancel online would be refused with right now (the server knows holidays and closed days). */
  patient_cancel_refusal?: string | null;
};
export type Price = {
  amount_ore: number; amount_nok: string; exempt: boolean; exempt_reason: null | "frikort" | "under_16";
};
export type Guidance = {
  purpose: string; may_ask: string[]; may_not_ask: string[]; not_acute: string; answer_time: string;
  max_chars: number; renewals: string; billing: string; open: boolean; price: Price;
};
export type RenewalHint = { code: string; message: string };
export type EConsultation = {
  id: string; status: "open" | "answered" | "declined" | "withdrawn"; text: string; submitted_at: string;
  due_date: string; overdue: boolean; answer: string | null; declined_reason: string | null; advice: string | null;
  renewal_hint: RenewalHint | null; withdrawable?: boolean; price?: Price;
  /** Staff reads only: whose question it is. */
  patient_name?: string; patient_birth_date?: string;
};
export type Invoice = {
  id: string; kid: string; account_number: string; amount_ore: number; amount_nok: string; outstanding_ore: number;
  issued_on: string; due_date: string; status: string; pdf_url?: string; patient_name?: string; patient_id?: string;
  patient_birth_date?: string | null;
};
export type InvoiceTotals = { count: number; amount_ore: number; outstanding_ore: number };
export type Medication = {
  id: string; name: string; renewable: boolean; code: string | null; group: string | null; atc: string | null;
  strength: string | null; fixed: boolean | null; prescribedBy: string | null; bAgreement: boolean | null;
};
export type RenewalItem = {
  medication_id: string; name: string; outcome: string | null; reason: string | null; prescription: string | null;
};
export type Renewal = {
  id: string; status: string; due_date: string | null; created_at: string | null; channel: string | null;
  message: string | null; items: RenewalItem[]; patient_name: string | null; overdue: boolean;
  patient_id: string | null; patient_birth_date: string | null;
};
export type InboxItem = {
  kind: "renewal" | "econsult"; id: string; patient_id: string; patient_name: string; channel: "portal" | "phone";
  created_at: string; due_date: string; overdue: boolean; patient_birth_date?: string | null;
  /** One line: the medicines asked for, or the start of the question. */
  preview?: string;
};
export type AccessEntry = {
  at: string; who: string; role: string; object_type: string; object_id: string | null; action: string; outcome: string;
};
/** A child a guardian may act for (api.md, "Acting for someone else"): the first name only, the age band and
 * what the guardian may do (`everything` under 12, `appointments` from 12 to 15). */
export type Child = { id: string; firstName: string; ageBand: string; may: string | null };
export type Me = {
  name: string; gpName: string | null; gpId: string | null; econsultOpen: boolean | null; restrictions: string[];
  language: Language;
  /** How this session began: "sms" or "idporten" (logging out of ID-porten too). */
  loginMethod: string | null;
  /** "patient", or "guardian" for a parent who is not our patient (they may only act for their children). */
  kind: string;
  represents: Child[];
  /** The child every patient page acts for now; `refusal` once the guardian may do nothing for them. */
  actingFor: (Child & { refusal: string | null }) | null;
};
export type StaffUser = { name: string; role: string; id: string | null };
export type OpeningHours = { weekdays: number[]; opens: string; closes: string };
export type Clinic = { name: string; address: string; phone: string; opening_hours: OpeningHours[]; web: string };

type Raw = Record<string, unknown>;
const str = (v: unknown): string | null => (typeof v === "string" ? v : typeof v === "number" ? String(v) : null);
const obj = (v: unknown): Raw => (v && typeof v === "object" ? (v as Raw) : {});
const pick = (r: Raw, ...keys: string[]): unknown => keys.map((k) => r[k]).find((v) => v !== undefined && v !== null);

/** The list in an answer that may be `{items: [...]}`, `{<name>: [...]}` or a bare array. */
export function itemsOf(answer: unknown, ...names: string[]): Raw[] {
  if (Array.isArray(answer)) return answer.map(obj);
  const r = obj(answer);
  for (const name of [...names, "items"]) if (Array.isArray(r[name])) return (r[name] as unknown[]).map(obj);
  return [];
}

export function readMe(answer: unknown): Me {
  const r = obj(answer);
  const patient = obj(r.patient);
  const gp = obj(pick(r, "gp", "general_practitioner"));
  const restrictions = pick(r, "restrictions") ?? pick(obj(r.access), "restrictions") ?? [];
  const open = pick(r, "econsult_open", "econsultation_open", "gp_econsult_open") ?? pick(gp, "econsult_open", "open");
  return {
    name: str(pick(r, "name", "full_name")) ?? str(pick(patient, "name")) ?? "",
    gpName: str(pick(gp, "name")) ?? str(pick(r, "gp_name")),
    gpId: str(pick(gp, "id")) ?? str(pick(r, "gp_id")),
    econsultOpen: typeof open === "boolean" ? open : null,
    restrictions: (Array.isArray(restrictions) ? restrictions : []).map((c) => str(typeof c === "object" ? obj(c).code : c))
      .filter((c): c is string => !!c),
    language: (LANGUAGES as readonly unknown[]).includes(r.language) ? (r.language as Language) : "nb",
    loginMethod: str(obj(r.login).method),
    kind: str(r.kind) ?? "patient",
    represents: itemsOf(r.represents).map(readChild),
    actingFor: r.acting_for ? { ...readChild(obj(r.acting_for)), refusal: str(obj(r.acting_for).refusal) } : null,
  };
}

function readChild(r: Raw): Child {
  return { id: str(r.id) ?? "", firstName: str(r.first_name) ?? "", ageBand: str(r.age_band) ?? "", may: str(r.may) };
}

export function readMedication(r: Raw): Medication {
  return {
    id: str(pick(r, "id", "medication_id")) ?? "",
    name: str(pick(r, "name", "display_name")) ?? "",
    renewable: r.renewable === true,
    code: [pick(r, "code", "reason_code", "not_renewable_code", "renewal_code"), r.reason]
      .map(str).find((c) => c?.startsWith("renewal.")) ?? null,
    group: str(pick(r, "reseptgruppe", "group", "prescription_group")),
    atc: str(pick(r, "atc_code", "atc")),
    strength: str(pick(r, "strength", "dosage")),
    fixed: typeof r.fixed === "boolean" ? r.fixed : null,
    prescribedBy: str(r.prescribed_by),
    bAgreement: typeof r.b_agreement === "boolean" ? r.b_agreement : null,
  };
}

export function readRenewal(r: Raw): Renewal {
  const items = itemsOf(pick(r, "items", "medicines", "medications") ?? []).map((i) => ({
    medication_id: str(pick(i, "medication_id", "id")) ?? "",
    name: [str(pick(i, "name", "medication_name")), str(i.strength)].filter(Boolean).join(" "),
    outcome: str(pick(i, "outcome", "status", "decision")) ??
      (i.approve === true || i.approved === true ? "approved" : i.approve === false || i.approved === false ? "rejected" : null),
    reason: str(pick(i, "reason", "rejection_reason")),
    prescription: str(i.prescription),
  }));
  return {
    id: str(r.id) ?? "",
    status: str(pick(r, "status", "state")) ?? "open",
    due_date: str(pick(r, "due_date", "due_on")),
    created_at: str(pick(r, "created_at", "requested_at", "submitted_at")),
    channel: str(r.channel),
    message: str(r.message),
    items,
    patient_name: str(r.patient_name),
    overdue: r.overdue === true,
    patient_id: str(r.patient_id),
    patient_birth_date: str(r.patient_birth_date),
  };
}

export function readAccessEntry(r: Raw): AccessEntry {
  const actor = obj(pick(r, "actor", "who_detail"));
  return {
    at: str(pick(r, "at", "occurred_at", "created_at", "timestamp", "when")) ?? "",
    who: str(pick(r, "who", "actor_name", "staff_name", "name")) ?? str(pick(actor, "name")) ?? "",
    role: str(pick(r, "role", "actor_role")) ?? str(pick(actor, "role")) ?? str(pick(r, "actor_kind")) ?? "",
    object_type: str(pick(r, "object_type", "object")) ?? "",
    object_id: str(r.object_id),
    action: str(r.action) ?? "",
    outcome: str(r.outcome) ?? "success",
  };
}

export function readStaffUser(answer: unknown): StaffUser {
  const r = obj(answer);
  const s = obj(pick(r, "staff", "user", "principal"));
  return {
    name: str(pick(s, "name", "display_name")) ?? str(pick(r, "name")) ?? str(pick(s, "username")) ?? "",
    role: str(pick(s, "role")) ?? str(pick(r, "role")) ?? "",
    id: str(pick(s, "id", "staff_id")) ?? str(pick(r, "staff_id", "id")),
  };
}
