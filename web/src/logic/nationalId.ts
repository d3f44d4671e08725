// Reception's form fills in the birth date from the national ID where the number tells it (domain-rules.md:
// DDMMYY, D-numbers with the first digit + 4, synthetic test numbers with the month + 40 or + 80, and the
// century from the individual number). Only a suggestion to check against the registry: never a rule.

/** The birth date (YYYY-MM-DD) an 11-digit fødselsnummer or D-nummer gives, or null when it gives none. */
export function birthDateFromNationalId(value: string): string | null {
  const digits = value.replace(/\s/g, "");
  if (!/^\d{11}$/.test(digits)) return null;
  let day = Number(digits.slice(0, 2));
  let month = Number(digits.slice(2, 4));
  const year = Number(digits.slice(4, 6));
  const individual = Number(digits.slice(6, 9));
  if (day > 40) day -= 40; // D-nummer
  if (month > 80) month -= 80; // Skatteetaten's synthetic test numbers
  else if (month > 40) month -= 40; // NAV's
  const century = individual <= 499 ? 1900
    : individual <= 749 && year >= 54 ? 1800
    : year <= 39 ? 2000
    : individual >= 900 ? 1900
    : null;
  if (century === null) return null;
  const date = new Date(Date.UTC(century + year, month - 1, day));
  if (date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return null;
  return date.toISOString().slice(0, 10);
}
