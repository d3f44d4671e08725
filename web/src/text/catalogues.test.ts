import { describe, expect, it } from "vitest";
import { en } from "./en";
import { nb } from "./nb";
import { nn } from "./nn";

/** Every key (and list length, and each function's number of arguments) of a catalogue, as paths. */
function shape(value: unknown, path = ""): string[] {
  if (typeof value === "function") return [`${path}()${value.length}`];
  if (Array.isArray(value)) return [`${path}[${value.length}]`, ...value.flatMap((v, n) => shape(v, `${path}[${n}]`))];
  if (value && typeof value === "object") {
    return Object.entries(value).flatMap(([k, v]) => shape(v, path ? `${path}.${k}` : k));
  }
  return [`${path}:${typeof value}`];
}

function strings(value: unknown): string[] {
  if (typeof value === "string") return [value];
  if (Array.isArray(value)) return value.flatMap(strings);
  if (value && typeof value === "object") return Object.values(value).flatMap(strings);
  return [];
}

describe("the three catalogues", () => {
  it("have every key of bokmål, and no other, in nynorsk and English", () => {
    const bokmål = shape(nb).sort();
    expect(shape(nn).sort()).toEqual(bokmål);
    expect(shape(en).sort()).toEqual(bokmål);
  });
  it("are written in their own language, not copied from bokmål", () => {
    for (const other of [nn, en]) {
      const same = strings(other).filter((s) => strings(nb).includes(s) && /\s/.test(s));
      // Many short phrases read alike in bokmål and nynorsk ("Logg inn", "Neste time"); none in English.
      expect(same.length / strings(other).length).toBeLessThan(other === en ? 0.01 : 0.25);
    }
  });
  it("put the clinic's phone number in every sentence that says to ring", () => {
    for (const catalogue of [nb, nn, en]) {
      const ring = strings(catalogue).filter((s) => /(?<!\p{L})(ring|call) /iu.test(s)); // the instruction to phone
      for (const sentence of ring) expect(sentence, sentence).toContain("{tel}");
    }
  });
});
