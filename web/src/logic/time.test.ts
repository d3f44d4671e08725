import { describe, expect, it } from "vitest";
import { formatAccount, formatDate, formatDateTime, formatNok, hasTurned, isWeekend, mondayOf, parseKroner } from "./time";

describe("days", () => {
  it("knows a weekend without any holiday table (holidays and closed days are the server's)", () => {
    expect(isWeekend({ y: 2026, m: 1, d: 10 })).toBe(true);
    expect(isWeekend({ y: 2026, m: 1, d: 12 })).toBe(false);
  });
  it("finds the Monday of a week in Oslo", () => {
    expect(mondayOf(new Date("2026-01-18T23:30:00+01:00"))).toEqual({ y: 2026, m: 1, d: 12 });
    expect(mondayOf({ y: 2026, m: 1, d: 12 })).toEqual({ y: 2026, m: 1, d: 12 });
  });
  it("counts a 16th birthday as identity does: from the day itself, 29 February on 1 March", () => {
    expect(hasTurned("2010-05-17", 16, { y: 2026, m: 5, d: 16 })).toBe(false);
    expect(hasTurned("2010-05-17", 16, { y: 2026, m: 5, d: 17 })).toBe(true);
    expect(hasTurned("2008-02-29", 16, { y: 2024, m: 2, d: 29 })).toBe(true);
    expect(hasTurned("2012-02-29", 16, { y: 2028, m: 2, d: 28 })).toBe(false);
    expect(hasTurned("2011-02-28", 16, { y: 2027, m: 2, d: 28 })).toBe(true);
    expect(hasTurned("2010-02-28", 16, { y: 2026, m: 2, d: 27 })).toBe(false);
    expect(hasTurned("2012-02-29", 15, { y: 2027, m: 2, d: 28 })).toBe(false);
    expect(hasTurned("2012-02-29", 15, { y: 2027, m: 3, d: 1 })).toBe(true);
  });
});

describe("formatting", () => {
  it("writes Norwegian dates and money", () => {
    expect(formatDate("2026-01-09")).toBe("fredag 9. januar 2026");
    expect(formatDateTime("2026-01-12T09:00:00+01:00")).toBe("mandag 12. januar kl. 09:00");
    expect(formatDateTime("2026-07-01T08:30:00+02:00")).toBe("onsdag 1. juli kl. 08:30");
    expect(formatNok(25900)).toBe("259,00 kr");
    expect(formatNok(125950)).toBe("1\u00a0259,50 kr");
  });
  it("writes the account number as on the giro", () => {
    expect(formatAccount("15030540007")).toBe("1503.05.40007");
    expect(formatAccount("1503.05.40007")).toBe("1503.05.40007");
  });
  it("reads kroner as typed", () => {
    expect(parseKroner("259")).toBe(25900);
    expect(parseKroner("259,50")).toBe(25950);
    expect(parseKroner("1 259.5 kr")).toBe(125950);
    expect(parseKroner("to hundre")).toBeNull();
    expect(parseKroner("")).toBeNull();
  });
});
