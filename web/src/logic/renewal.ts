// Choosing medicines to renew: at most 3 in one request, and only those the API says are renewable.

import type { Medication, RenewalItem } from "../api/types";

export const MAX_MEDICINES = 3;

export function toggle(chosen: readonly string[], medication: Medication): string[] {
  if (chosen.includes(medication.id)) return chosen.filter((id) => id !== medication.id);
  if (!medication.renewable || chosen.length >= MAX_MEDICINES) return [...chosen];
  return [...chosen, medication.id];
}

/** Whether a checkbox may be ticked now: a chosen one may always be unticked. */
export function selectable(chosen: readonly string[], medication: Medication): boolean {
  return chosen.includes(medication.id) || (medication.renewable && chosen.length < MAX_MEDICINES);
}

/** What to call a medicine's state in a request: approved ones say whether the pharmacies have it yet. */
export function itemStatus(item: RenewalItem): string {
  if (item.outcome === "approved" && item.prescription === "sending") return "sending";
  return item.outcome ?? "open";
}
