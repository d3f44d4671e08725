import { describe, expect, it } from "vitest";
import type { Medication } from "../api/types";
import { itemStatus, selectable, toggle } from "./renewal";

const med = (id: string, renewable = true): Medication =>
  ({ id, name: id, renewable, code: renewable ? null : "renewal.group_a", group: null, atc: null, strength: null,
    fixed: true, prescribedBy: "here", bAgreement: null });

describe("choosing medicines to renew", () => {
  it("takes at most three", () => {
    let chosen: string[] = [];
    for (const id of ["a", "b", "c", "d"]) chosen = toggle(chosen, med(id));
    expect(chosen).toEqual(["a", "b", "c"]);
    expect(selectable(chosen, med("d"))).toBe(false);
    expect(selectable(chosen, med("a"))).toBe(true);
  });
  it("never takes one that cannot be renewed", () => {
    expect(toggle([], med("x", false))).toEqual([]);
    expect(selectable([], med("x", false))).toBe(false);
  });
  it("unticks", () => {
    expect(toggle(["a", "b"], med("a"))).toEqual(["b"]);
  });
});

describe("a decided medicine's state", () => {
  it("says whether the approved prescription has reached the pharmacies", () => {
    const item = { medication_id: "m", name: "m", reason: null };
    expect(itemStatus({ ...item, outcome: "approved", prescription: "sending" })).toBe("sending");
    expect(itemStatus({ ...item, outcome: "approved", prescription: "sent" })).toBe("approved");
    expect(itemStatus({ ...item, outcome: "rejected", prescription: null })).toBe("rejected");
    expect(itemStatus({ ...item, outcome: null, prescription: null })).toBe("open");
  });
});
