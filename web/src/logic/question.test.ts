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
  it("counts a ZWJ family as its people: the invisible joiners do not count", () => {
    expect(questionLength("👨‍👩‍👧")).toBe(3);
  });
  it("trims as Python's str.strip does", () => {
    expect(questionLength("  hei \n")).toBe(3);
    expect(questionLength("\x1chei\x85")).toBe(3); // Python strips these, JavaScript's trim() does not
  });
  it("drops invisible format characters before counting, so a question of only those is empty", () => {
    expect(questionLength("\ufeffhei")).toBe(3);
    expect(questionLength("a\u200bb\u00adc")).toBe(3);
    for (const invisible of ["\u200b", "\u200b\u200c\u200d", " \ufeff\u2060 ", "\u200e\u200f \n"]) {
      expect(questionState(invisible).empty).toBe(true);
      expect(questionState(invisible).sendable).toBe(false);
    }
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
