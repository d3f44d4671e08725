import { describe, expect, it } from "vitest";
import { cancelDeadline, formatDate, formatDateTime, formatNok, isWorkingDay, osloMidnight, publicHolidays } from "./time";

describe("working days in Norway", () => {
  it("knows the check dates of 2026 and 2027", () => {
    const h2026 = publicHolidays(2026);
    for (const d of ["2026-04-02", "2026-04-03", "2026-04-06", "2026-05-14", "2026-05-25", "2026-05-01", "2026-05-17"]) {
      expect(h2026.has(d)).toBe(true);
    }
    expect(publicHolidays(2027).has("2027-05-17")).toBe(true);
    expect(h2026.has("2026-12-24")).toBe(false); // Christmas Eve is clinic configuration, not law
  });
  it("weekends are not working days", () => {
    expect(isWorkingDay({ y: 2026, m: 1, d: 10 })).toBe(false);
    expect(isWorkingDay({ y: 2026, m: 1, d: 12 })).toBe(true);
  });
});

describe("the online cancel deadline", () => {
  it("Monday 09:00 must be cancelled by Friday 09:00", () => {
    const monday = new Date("2026-01-12T09:00:00+01:00");
    expect(cancelDeadline(monday).toISOString()).toBe(new Date("2026-01-09T09:00:00+01:00").toISOString());
  });
  it("Thursday 14:00 by Wednesday 14:00", () => {
    const thursday = new Date("2026-01-15T14:00:00+01:00");
    expect(cancelDeadline(thursday).toISOString()).toBe(new Date("2026-01-14T14:00:00+01:00").toISOString());
  });
  it("skips Easter: Tuesday after Easter Monday 10:00 goes back to Wednesday before", () => {
    const tuesday = new Date("2026-04-07T10:00:00+02:00");
    expect(cancelDeadline(tuesday).toISOString()).toBe(new Date("2026-04-01T10:00:00+02:00").toISOString());
  });
  it("Oslo midnight follows summer time", () => {
    expect(osloMidnight({ y: 2026, m: 7, d: 1 }).toISOString()).toBe("2026-06-30T22:00:00.000Z");
    expect(osloMidnight({ y: 2026, m: 1, d: 1 }).toISOString()).toBe("2025-12-31T23:00:00.000Z");
  });
});

describe("formatting", () => {
  it("writes Norwegian dates and money", () => {
    expect(formatDate("2026-01-09")).toBe("fredag 9. januar 2026");
    expect(formatDateTime("2026-01-12T09:00:00+01:00")).toBe("mandag 12. januar kl. 09:00");
    expect(formatNok(25900).replace(/\s/g, " ")).toBe("259,00 kr");
  });
});
