// The clinic's facts (GET /api/v1/clinic: name, address, phone, opening hours, web), read once per page load
// and shown in the footer and beside every "ring legekontoret".

import { useEffect, useSyncExternalStore } from "react";
import { api } from "../api/client";
import type { Clinic } from "../api/types";
import { words } from "../text";

let facts: Clinic | null = null;
let asked = false;
const listeners = new Set<() => void>();

function load(): void {
  if (asked) return;
  asked = true;
  api.get<Clinic>("/api/v1/clinic", { quiet401: true }).then((found) => {
    facts = found;
    listeners.forEach((l) => l());
  }, () => { asked = false; }); // asked again by the next page that needs it
}

/** The clinic's facts, or null until they have come (or if they could not be read). */
export function useClinic(): Clinic | null {
  useEffect(load, []);
  return useSyncExternalStore((l) => { listeners.add(l); return () => listeners.delete(l); }, () => facts);
}

/** "+4722000000" as Norwegians write it: landlines in pairs (22 00 00 00), mobiles 3-2-3 (912 34 567). */
export function formatPhone(phone: string): string {
  const digits = phone.replace(/^\+47/, "").replace(/\D/g, "");
  if (digits.length !== 8) return phone;
  return /^[49]/.test(digits) ? `${digits.slice(0, 3)} ${digits.slice(3, 5)} ${digits.slice(5)}`
    : digits.replace(/(\d{2})(?=\d)/g, "$1 ");
}

/** The clinic's number as a link a phone can ring; words for it while the facts have not come. */
export function PhoneLink() {
  const clinic = useClinic();
  if (!clinic) return <>{words.app.phoneUnknown}</>;
  return <a href={`tel:${clinic.phone}`} className="phone">{formatPhone(clinic.phone)}</a>;
}

/** The clinic's opening hours, one line each: "Mandag–fredag 08:00–15:30". */
export function openingHours(clinic: Clinic): string[] {
  return clinic.opening_hours.map((h) => words.app.hours(weekdays(h.weekdays), h.opens.slice(0, 5), h.closes.slice(0, 5)));
}

function weekdays(days: number[]): string {
  const names = words.dates.weekdays; // Sunday first, as JavaScript counts; ISO counts Monday as 1
  const name = (iso: number) => names[iso % 7];
  const sorted = [...days].sort();
  const consecutive = sorted.every((d, n) => n === 0 || d === sorted[n - 1] + 1);
  const first = name(sorted[0]);
  const capital = first.charAt(0).toUpperCase() + first.slice(1);
  if (sorted.length > 2 && consecutive) return `${capital}–${name(sorted[sorted.length - 1])}`;
  return [capital, ...sorted.slice(1).map(name)].join(", ");
}
