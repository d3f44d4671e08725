import { describe, expect, it } from "vitest";
import { icsText } from "./ics";

describe("the appointment as a calendar file", () => {
  it("has the times in UTC, the place, and no reason for the visit", () => {
    const text = icsText({ id: "a2", starts_at: "2026-01-16T09:00:00+01:00", ends_at: "2026-01-16T09:20:00+01:00" },
      "Legetime hos Dr. Ingrid Solberg", "Storgata 1, 0155 Oslo", new Date("2026-01-12T09:00:00Z"));
    expect(text).toContain("DTSTART:20260116T080000Z\r\n");
    expect(text).toContain("DTEND:20260116T082000Z\r\n");
    expect(text).toContain("LOCATION:Storgata 1\\, 0155 Oslo\r\n");
    expect(text).toContain("SUMMARY:Legetime hos Dr. Ingrid Solberg\r\n");
    expect(text).toContain("UID:a2@eportal");
    expect(text.startsWith("BEGIN:VCALENDAR\r\n")).toBe(true);
  });
});
