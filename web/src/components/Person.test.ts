import { describe, expect, it } from "vitest";
import type { Me } from "../api/types";
import { mayOpen } from "./Person";

const me = (over: Partial<Me>): Me => ({
  name: "Kari Nordmann", gpName: null, gpId: null, econsultOpen: null, restrictions: [], language: "nb",
  loginMethod: "sms", kind: "patient", represents: [], actingFor: null, ...over,
});
const child = (may: string | null) => ({ id: "c1", firstName: "Emma", ageBand: "under_12", may, refusal: null });

describe("the pages a parent may open for a child", () => {
  it("are all of them under 12, the appointments alone from 12", () => {
    for (const path of ["/", "/resept", "/time", "/ekonsultasjon", "/fakturaer", "/tilgangslogg"]) {
      expect(mayOpen(me({ actingFor: child("everything") }), path)).toBe(true);
      expect(mayOpen(me({ actingFor: child("appointments") }), path)).toBe(path === "/" || path === "/time");
    }
  });
  it("are none for a parent who is not our patient before choosing a child", () => {
    expect(mayOpen(me({ kind: "guardian" }), "/time")).toBe(false);
    expect(mayOpen(me({ kind: "guardian" }), "/")).toBe(true);
    expect(mayOpen(me({}), "/resept")).toBe(true);
  });
});
