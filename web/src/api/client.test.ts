import { describe, expect, it } from "vitest";
import { errorText } from "../text";
import { itemsOf, readMe, readMedication } from "./types";

describe("error codes become sentences a patient understands", () => {
  it("maps every code of the booking rules", () => {
    expect(errorText("booking.cancel_too_late")).toContain("24 timer");
    expect(errorText("booking.cancel_not_working_day")).toContain("virkedager");
  });
  it("falls back by family and status, never to a code", () => {
    expect(errorText("validation.something_new")).toContain("skjemaet");
    expect(errorText("access.something_new")).toContain("Ring legekontoret");
    expect(errorText("weird", 503)).toContain("Noe gikk galt hos oss");
    expect(errorText("weird")).not.toContain("weird");
  });
});

describe("reading answers defensively", () => {
  it("finds lists in several shapes", () => {
    expect(itemsOf({ items: [{ id: 1 }] })).toHaveLength(1);
    expect(itemsOf({ medications: [{ id: 1 }] }, "medications")).toHaveLength(1);
    expect(itemsOf([{ id: 1 }, { id: 2 }])).toHaveLength(2);
    expect(itemsOf(null)).toEqual([]);
  });
  it("reads the profile with restrictions as codes or objects", () => {
    const me = readMe({ name: "Kari", gp: { name: "Dr. Solberg", econsult_open: true },
      restrictions: ["access.unpaid_claims", { code: "access.no_mobile" }] });
    expect(me).toMatchObject({ name: "Kari", gpName: "Dr. Solberg", econsultOpen: true,
      restrictions: ["access.unpaid_claims", "access.no_mobile"] });
    expect(me.loginMethod).toBeNull();
  });
  it("reads how the session began, so logout can end ID-porten's session too", () => {
    expect(readMe({ name: "Kari", login: { method: "idporten", level: "idporten-loa-high" } }).loginMethod)
      .toBe("idporten");
  });
  it("gives every ID-porten code a sentence of its own", () => {
    for (const code of ["auth.idporten_failed", "auth.idporten_level", "access.not_registered"]) {
      expect(errorText(code)).not.toBe(errorText("unknown"));
    }
  });
  it("reads a medicine that cannot be renewed with its reason", () => {
    expect(readMedication({ id: "m", name: "Paralgin forte", renewable: false, reason: "renewal.group_a" }))
      .toMatchObject({ renewable: false });
  });
});
