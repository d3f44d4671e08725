import { describe, expect, it } from "vitest";
import { birthDateFromNationalId } from "./nationalId";

describe("the birth date a national ID tells", () => {
  it("reads fødselsnummer, D-nummer and synthetic test numbers, with the century", () => {
    expect(birthDateFromNationalId("03059212345")).toBe("1992-05-03");
    expect(birthDateFromNationalId("43059212345")).toBe("1992-05-03"); // D-nummer: day + 40
    expect(birthDateFromNationalId("03859212345")).toBe("1992-05-03"); // Test-Norge: month + 80
    expect(birthDateFromNationalId("03459212345")).toBe("1992-05-03"); // NAV: month + 40
    expect(birthDateFromNationalId("03059250012")).toBe("1892-05-03"); // individual 500, year 92: 1800s
    expect(birthDateFromNationalId("01011050012")).toBe("2010-01-01"); // individual 500: 2000s
    expect(birthDateFromNationalId("01016090012")).toBe("1960-01-01"); // individual 900, year 60: 1900s
    expect(birthDateFromNationalId("01017060012")).toBe("1870-01-01"); // individual 600, year 70: 1800s
  });
  it("gives nothing for what is not a date or not 11 digits", () => {
    expect(birthDateFromNationalId("31029212345")).toBeNull();
    expect(birthDateFromNationalId("0305921234")).toBeNull();
    expect(birthDateFromNationalId("03059280012")).toBeNull(); // individual 800, year 92: no century
    expect(birthDateFromNationalId("")).toBeNull();
  });
});
