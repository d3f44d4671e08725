// Dates and times as the clinic reads them: Europe/Oslo, Norwegian words, working days by lov om helligdager.

const ZONE = "Europe/Oslo";
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

const dayMonthFmt = new Intl.DateTimeFormat("nb-NO", { timeZone: ZONE, weekday: "long", day: "numeric", month: "long" });
const dateFmt = new Intl.DateTimeFormat("nb-NO", { timeZone: ZONE, weekday: "long", day: "numeric", month: "long", year: "numeric" });
const shortDateFmt = new Intl.DateTimeFormat("nb-NO", { timeZone: ZONE, day: "numeric", month: "short" });
const timeFmt = new Intl.DateTimeFormat("nb-NO", { timeZone: ZONE, hour: "2-digit", minute: "2-digit" });
const partsFmt = new Intl.DateTimeFormat("en-GB", {
  timeZone: ZONE, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit",
  second: "2-digit", hourCycle: "h23",
});

/** "mandag 12. januar kl. 09:00" */
export function formatDateTime(iso: string | Date): string {
  return `${dayMonthFmt.format(new Date(iso))} kl. ${formatTime(iso)}`;
}
export function formatTime(iso: string | Date): string {
  return timeFmt.format(new Date(iso)).replace(".", ":");
}
export const formatShortDate = (iso: string | Date) => shortDateFmt.format(new Date(iso));

/** A calendar date (YYYY-MM-DD, no time): "fredag 9. januar 2026". */
export function formatDate(day: string): string {
  const [y, m, d] = day.slice(0, 10).split("-").map(Number);
  return dateFmt.format(new Date(Date.UTC(y, m - 1, d, 12)));
}

/** Whole øre as "259,00 kr" (the API also gives *_nok strings; this is for sums the client makes). */
export function formatNok(ore: number): string {
  const kr = new Intl.NumberFormat("nb-NO", { minimumFractionDigits: 2, maximumFractionDigits: 2 }).format(ore / 100);
  return `${kr} kr`;
}

export type Day = { y: number; m: number; d: number };

/** The Oslo calendar day of an instant. */
export function osloDay(instant: Date): Day {
  const p = Object.fromEntries(partsFmt.formatToParts(instant).map((x) => [x.type, x.value]));
  return { y: Number(p.year), m: Number(p.month), d: Number(p.day) };
}

export const isoDay = (day: Day) =>
  `${day.y}-${String(day.m).padStart(2, "0")}-${String(day.d).padStart(2, "0")}`;

export function addDays(day: Day, n: number): Day {
  const t = new Date(Date.UTC(day.y, day.m - 1, day.d + n));
  return { y: t.getUTCFullYear(), m: t.getUTCMonth() + 1, d: t.getUTCDate() };
}

/** The instant Oslo's day begins (midnight local time, whatever the DST offset). */
export function osloMidnight(day: Day): Date {
  const guess = Date.UTC(day.y, day.m - 1, day.d);
  for (const offsetHours of [1, 2]) {
    const candidate = new Date(guess - offsetHours * HOUR);
    const p = Object.fromEntries(partsFmt.formatToParts(candidate).map((x) => [x.type, x.value]));
    if (Number(p.day) === day.d && Number(p.hour) === 0 && Number(p.minute) === 0) return candidate;
  }
  return new Date(guess - HOUR);
}

function easterSunday(year: number): Day {
  // Anonymous Gregorian algorithm (Meeus/Jones/Butcher).
  const a = year % 19, b = Math.floor(year / 100), c = year % 100, d = Math.floor(b / 4), e = b % 4;
  const f = Math.floor((b + 8) / 25), g = Math.floor((b - f + 1) / 3), h = (19 * a + b - d - g + c + 15) % 30;
  const i = Math.floor(c / 4), k = c % 4, l = (32 + 2 * e + 2 * i - h - k) % 7, m = Math.floor((a + 11 * h + 22 * l) / 451);
  const month = Math.floor((h + l - 7 * m + 114) / 31);
  return { y: year, m: month, d: ((h + l - 7 * m + 114) % 31) + 1 };
}

/** Norway's public holidays of a year (lov om helligdager, plus 1 and 17 May), as YYYY-MM-DD. */
export function publicHolidays(year: number): Set<string> {
  const easter = easterSunday(year);
  const fixed = ["01-01", "05-01", "05-17", "12-25", "12-26"].map((md) => `${year}-${md}`);
  const moving = [-3, -2, 0, 1, 39, 49, 50].map((n) => isoDay(addDays(easter, n)));
  return new Set([...fixed, ...moving]);
}

export function isWorkingDay(day: Day): boolean {
  const weekday = new Date(Date.UTC(day.y, day.m - 1, day.d)).getUTCDay();
  return weekday !== 0 && weekday !== 6 && !publicHolidays(day.y).has(isoDay(day));
}

/** The last moment a patient may cancel online: 24 hours of working-day time counted back from the start
 *  (Monday 09:00 gives Friday 09:00), as booking computes it. Clinic-only closed days are not known here,
 *  so the server's own `patient_may_cancel_until` wins once the appointment exists. */
export function cancelDeadline(startsAt: Date): Date {
  let needed = DAY;
  let day = osloDay(startsAt);
  for (let i = 0; i < 366; i += 1) {
    if (isWorkingDay(day)) {
      const dayStart = osloMidnight(day).getTime();
      const dayEnd = osloMidnight(addDays(day, 1)).getTime();
      const hi = Math.min(dayEnd, startsAt.getTime());
      const available = hi - dayStart;
      if (available >= needed) return new Date(hi - needed);
      needed -= Math.max(available, 0);
    }
    day = addDays(day, -1);
  }
  throw new Error("no working days before the appointment");
}

/** Monday of the Oslo week that holds `instant`. */
export function mondayOf(instant: Date): Day {
  const day = osloDay(instant);
  const weekday = (new Date(Date.UTC(day.y, day.m - 1, day.d)).getUTCDay() + 6) % 7;
  return addDays(day, -weekday);
}
