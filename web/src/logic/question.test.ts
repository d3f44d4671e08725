import { describe, expect, it } from "vitest";
import { questionLength, questionState } from "./question";

describe("the eConsultation counter counts as the server does", () => {
  it("counts code points, not UTF-16 units", () => {
    expect("😀".length).toBe(2);
    expect(questionLength("😀")).toBe(1);
  });
  it("normalises to NFC first: e + combining acute is one character", () => {
    expect(questionLength("e\u0301")).toBe(1);
  });
  it("counts a ZWJ family as its code points", () => {
    expect(questionLength("👨‍👩‍👧")).toBe(5);
  });
  it("trims as Python's str.strip does", () => {
    expect(questionLength("  hei \n")).toBe(3);
    expect(questionLength("\x1chei\x85")).toBe(3); // Python strips these, JavaScript's trim() does not
    expect(questionLength("\ufeffhei")).toBe(4); // JavaScript's trim() strips BOM, Python keeps it
  });
  it("allows 1 to 500, refuses empty and 501", () => {
    expect(questionState("   ").sendable).toBe(false);
    expect(questionState("a".repeat(500)).sendable).toBe(true);
    const over = questionState("a".repeat(501));
    expect(over.sendable).toBe(false);
    expect(over.over).toBe(1);
    expect(questionState("æ".repeat(500)).sendable).toBe(true);
  });
});
