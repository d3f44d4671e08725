// Dates, times and money as the clinic reads them: Europe/Oslo, in the reader's language (the names of days
// and months are in the catalogues). Which days are working days is the server's to say: the cancel deadline
// comes with each slot and appointment (`patient_may_cancel_until`), so no holiday table is kept here.

import { words } from "../text";

const ZONE = "Europe/Oslo";
const partsFmt = new Intl.DateTimeFormat("en-GB", {
  timeZone: ZONE, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit",
  second: "2-digit", hourCycle: "h23",
});

export type Day = { y: number; m: number; d: number };

function osloParts(instant: Date): Record<string, number> {
  return Object.fromEntries(partsFmt.formatToParts(instant).filter((x) => x.type !== "literal")
    .map((x) => [x.type, Number(x.value)]));
}

const weekdayOf = (day: Day) => new Date(Date.UTC(day.y, day.m - 1, day.d)).getUTCDay();

/** "09:00" in Oslo. */
export function formatTime(iso: string | Date): string {
  const p = osloParts(new Date(iso));
  return `${String(p.hour).padStart(2, "0")}:${String(p.minute).padStart(2, "0")}`;
}

/** "mandag 12. januar kl. 09:00" (or the reader's language). */
export function formatDateTime(iso: string | Date): string {
  const day = osloDay(new Date(iso));
  return words.dates.dateTime(words.dates.weekdays[weekdayOf(day)], day.d, words.dates.months[day.m - 1],
    formatTime(iso));
}

/** A calendar date (YYYY-MM-DD, no time): "fredag 9. januar 2026". */
export function formatDate(day: string): string {
  const [y, m, d] = day.slice(0, 10).split("-").map(Number);
  return words.dates.date(words.dates.weekdays[weekdayOf({ y, m, d })], d, words.dates.months[m - 1], y);
}

/** A birth date as staff read it next to a name: "03.05.1992". */
export function formatBirthDate(day: string): string {
  return day.slice(0, 10).split("-").reverse().join(".");
}

/** Whole øre as the reader writes money: "259,00 kr", "1 259,00 kr", "NOK 259.00". */
export function formatNok(ore: number): string {
  return words.dates.money(Math.trunc(ore / 100), Math.abs(ore % 100));
}

/** Kroner as typed ("259", "259,50", "1 259.5") in øre; null when it is not an amount. */
export function parseKroner(typed: string): number | null {
  const cleaned = typed.replace(/[\s\u00a0]/g, "").replace(/kr$/i, "").replace(",", ".");
  if (!/^\d+(\.\d{1,2})?$/.test(cleaned)) return null;
  return Math.round(Number(cleaned) * 100);
}

/** An account number as on the giro: 1503.05.40007 (4, 2 and 5 digits). */
export function formatAccount(account: string): string {
  const digits = account.replace(/\D/g, "");
  return digits.length === 11 ? `${digits.slice(0, 4)}.${digits.slice(4, 6)}.${digits.slice(6)}` : account;
}

/** The Oslo calendar day of an instant. */
export function osloDay(instant: Date): Day {
  const p = osloParts(instant);
  return { y: p.year, m: p.month, d: p.day };
}

export const isoDay = (day: Day) =>
  `${day.y}-${String(day.m).padStart(2, "0")}-${String(day.d).padStart(2, "0")}`;

export function addDays(day: Day, n: number): Day {
  const t = new Date(Date.UTC(day.y, day.m - 1, day.d + n));
  return { y: t.getUTCFullYear(), m: t.getUTCMonth() + 1, d: t.getUTCDate() };
}

export function isWeekend(day: Day): boolean {
  const weekday = weekdayOf(day);
  return weekday === 0 || weekday === 6;
}

/** Monday of the Oslo week that holds `instant` (or of `day`). */
export function mondayOf(instant: Date | Day): Day {
  const day = instant instanceof Date ? osloDay(instant) : instant;
  return addDays(day, -((weekdayOf(day) + 6) % 7));
}

const isLeapYear = (y: number) => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;

/** Whether someone born on `birthDate` (YYYY-MM-DD) has turned `years` on `today`, as identity counts it
 * (domain-rules: "Acting for a child"): 29 February counts on 1 March in a year without it. */
export function hasTurned(birthDate: string, years: number, today: Day): boolean {
  const [y, m, d] = birthDate.split("-").map(Number);
  const leapDay = m === 2 && d === 29 && !isLeapYear(y + years);
  const birthday = leapDay ? { y: y + years, m: 3, d: 1 } : { y: y + years, m, d };
  return isoDay(today) >= isoDay(birthday);
}
