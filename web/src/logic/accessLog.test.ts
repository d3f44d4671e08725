import { describe, expect, it } from "vitest";
import type { AccessEntry } from "../api/types";
import { describeAccess, groupAccess } from "./accessLog";

const entry = (over: Partial<AccessEntry>): AccessEntry => ({
  at: "2026-01-07T12:00:00+01:00", who: "Dr. Ingrid Solberg", role: "doctor", object_type: "econsultation",
  object_id: "e1", action: "read", outcome: "success", ...over,
});

describe("the access log in plain Norwegian", () => {
  it("says who read what, with their role unless the name says it already", () => {
    expect(describeAccess(entry({ who: "Mona Vik", role: "reception", object_type: "appointment", object_id: null,
      action: "list" })).text).toBe("Mona Vik (resepsjonen) så gjennom timene dine.");
    expect(describeAccess(entry({ who: "Resepsjonen (Mona Vik)", role: "reception", object_type: "appointment",
      object_id: "a1", action: "cancel" })).text).toBe("Resepsjonen (Mona Vik) avbestilte timen din.");
    expect(describeAccess(entry({})).text).toBe("Dr. Ingrid Solberg leste eKonsultasjonen din.");
    expect(describeAccess(entry({ action: "answer" })).text).toBe("Dr. Ingrid Solberg besvarte eKonsultasjonen din.");
  });
  it("says a parent acted as parent on the child's page", () => {
    expect(describeAccess(entry({ who: "Kari Nordmann", role: "guardian", object_type: "appointment", object_id: null,
      action: "create" })).text).toBe("Kari Nordmann (forelder) bestilte en time.");
    expect(describeAccess(entry({ who: "Kari Nordmann", role: "guardian", object_type: "appointment", object_id: "a1",
      action: "cancel" })).text).toBe("Kari Nordmann (forelder) avbestilte timen din.");
  });
  it("speaks to the patient about what they did themselves", () => {
    expect(describeAccess(entry({ who: "Deg", role: "patient", object_type: "appointment", object_id: null,
      action: "create" })).text).toBe("Du bestilte en time.");
    expect(describeAccess(entry({ who: "Deg", role: "patient", object_type: "invoice", object_id: null,
      action: "list" })).text).toBe("Du så gjennom fakturaene dine.");
    expect(describeAccess(entry({ who: "Deg", role: "patient", action: "withdraw" })).text)
      .toBe("Du trakk tilbake eKonsultasjonen din.");
  });
  it("names the fields reception changed", () => {
    const line = describeAccess(entry({ who: "Rita Vik", role: "reception", object_type: "patient",
      object_id: "p1", action: "update:first_contact_done,mobile" }));
    expect(line.text).toBe("Rita Vik (resepsjonen) endret personopplysningene dine (første kontakt registrert, mobilnummer).");
  });
  it("tells a refused look apart: nothing was shown", () => {
    const line = describeAccess(entry({ who: "Dr. Ole Hansen", outcome: "refused:forbidden" }));
    expect(line.refused).toBe(true);
    expect(line.text).toBe("Dr. Ole Hansen prøvde å lese eKonsultasjonen din, men fikk ikke tilgang. " +
      "Ingenting ble vist eller endret.");
    expect(line.reason).toBeNull();
  });
  it("explains a request the clinic's rules refused, as the patient was told", () => {
    const line = describeAccess(entry({ who: "Deg", role: "patient", object_type: "appointment", object_id: null,
      action: "create", outcome: "refused:access.unpaid_claims" }));
    expect(line.text).toBe("Du prøvde å bestille en time, men det ble avvist.");
    expect(line.reason).toContain("forfalt faktura");
  });
  it("never shows a raw code for something it does not know", () => {
    const line = describeAccess(entry({ object_type: "something_new", action: "frobnicate" }));
    expect(line.text).toBe("Dr. Ingrid Solberg brukte opplysninger om deg.");
    const route = describeAccess(entry({ object_type: "route", action: "GET", object_id: "/api/v1/staff/x",
      outcome: "refused:403" }));
    expect(route.text).not.toMatch(/api|403|GET/);
  });
});

describe("repeated entries", () => {
  it("are shown once with how many times, and only when they follow each other", () => {
    const read = (at: string) => entry({ at, who: "Deg", role: "patient", object_type: "appointment", object_id: null });
    const groups = groupAccess([read("2026-01-07T12:05:00+01:00"), read("2026-01-07T12:01:00+01:00"),
      entry({}), read("2026-01-07T11:00:00+01:00")]);
    expect(groups.map((g) => [g.line.text, g.count])).toEqual([
      ["Du leste timene dine.", 2], ["Dr. Ingrid Solberg leste eKonsultasjonen din.", 1],
      ["Du leste timene dine.", 1]]);
    expect(groups[0].newest.at).toBe("2026-01-07T12:05:00+01:00");
    expect(groups[0].oldest.at).toBe("2026-01-07T12:01:00+01:00");
  });
});

describe("the administrator's view of a patient's log", () => {
  it("speaks of the patient, not to them", () => {
    expect(describeAccess(entry({ who: "Kari Nordmann", role: "patient", object_type: "appointment", object_id: null,
      action: "read" }), "staff").text).toBe("Pasienten leste timene.");
    expect(describeAccess(entry({}), "staff").text).toBe("Dr. Ingrid Solberg leste eKonsultasjonen.");
    expect(describeAccess(entry({ object_type: "payment", action: "create" }), "staff").text)
      .toBe("Dr. Ingrid Solberg opprettet en betaling fra pasienten.");
  });
});
