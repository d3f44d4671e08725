// "Add to calendar": the booked appointment as an iCalendar file (RFC 5545) the phone or computer opens in its
// own calendar. What it says is what an SMS may say: when, where, with whom; never the reason for the visit.

import type { Appointment } from "../api/types";

/** 20260116T080000Z: an instant in UTC, as iCalendar writes it. */
function utc(iso: string): string {
  return new Date(iso).toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "");
}

/** Text escaped as iCalendar needs: backslash, semicolon, comma and newlines. */
function escape(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/;/g, "\\;").replace(/,/g, "\\,").replace(/\r?\n/g, "\\n");
}

export function icsText(a: Pick<Appointment, "id" | "starts_at" | "ends_at">, title: string, place: string,
  now = new Date()): string {
  return [
    "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Legekontoret//e-Portal//NO", "CALSCALE:GREGORIAN",
    "BEGIN:VEVENT", `UID:${a.id}@eportal`, `DTSTAMP:${utc(now.toISOString())}`, `DTSTART:${utc(a.starts_at)}`,
    `DTEND:${utc(a.ends_at)}`, `SUMMARY:${escape(title)}`, ...(place ? [`LOCATION:${escape(place)}`] : []),
    "END:VEVENT", "END:VCALENDAR", "",
  ].join("\r\n");
}

/** The file as a link's address (a data: URL with the download attribute: nothing leaves the browser). */
export function calendarFile(a: Pick<Appointment, "id" | "starts_at" | "ends_at">, title: string, place: string): string {
  return `data:text/calendar;charset=utf-8,${encodeURIComponent(icsText(a, title, place))}`;
}
