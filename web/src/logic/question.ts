// How the server counts an eConsultation question (econsult/domain/text.py): Unicode code points after NFC
// normalisation, with the invisible format characters (category Cf: U+200B, joiners, BOM, soft hyphen, direction
// marks) removed, and trimming, so the counter the patient sees is the count the server enforces.

export const QUESTION_MAX_CHARS = 500;

// Python's str.strip() removes exactly the characters for which str.isspace() is true; JavaScript's trim()
// has a slightly different set (it keeps U+001C–U+001F and U+0085, and removes U+FEFF), so trim as Python does.
const PY_SPACE = "\\t\\n\\v\\f\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000";
const EDGES = new RegExp(`^[${PY_SPACE}]+|[${PY_SPACE}]+$`, "gu");

const FORMAT = /\p{Cf}/gu;

export function normalisedQuestion(text: string): string {
  return text.normalize("NFC").replace(FORMAT, "").replace(EDGES, "");
}

/** The number of characters as the server counts them. */
export function questionLength(text: string): number {
  let n = 0;
  for (const _ of normalisedQuestion(text)) n += 1; // iterating a string yields code points, not UTF-16 units
  return n;
}

export type QuestionState = { used: number; max: number; over: number; empty: boolean; sendable: boolean };

export function questionState(text: string, max = QUESTION_MAX_CHARS): QuestionState {
  const used = questionLength(text);
  return { used, max, over: Math.max(0, used - max), empty: used === 0, sendable: used > 0 && used <= max };
}
