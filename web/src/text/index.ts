// The portal's words in the reader's language: bokmål (the default), nynorsk or English, one catalogue each.
// The language is chosen once per page load (from the choice kept in this browser), so every module reads
// `words` as it starts; choosing another language reloads the page in it.

import { en } from "./en";
import { nb, type Messages } from "./nb";
import { nn } from "./nn";

export type { Messages };
export type Language = "nb" | "nn" | "en";
export const LANGUAGES: readonly Language[] = ["nb", "nn", "en"];
export const CATALOGUES: Record<Language, Messages> = { nb, nn, en };

const CHOSEN = "eportal.language";

/** The language chosen in this browser, if any (a patient's profile may say another; see session.tsx). */
export function chosenLanguage(): Language | null {
  try {
    const stored = globalThis.localStorage?.getItem(CHOSEN);
    return stored && (LANGUAGES as readonly string[]).includes(stored) ? (stored as Language) : null;
  } catch {
    return null; // storage disabled: bokmål
  }
}

export const language: Language = chosenLanguage() ?? "nb";
export const words: Messages = CATALOGUES[language];

const PENDING = "eportal.language.pending";

/** Keep `next` as this browser's language and show the page in it. `pending`: chosen before logging in, so
 * the patient's profile takes it at the next login (session.tsx). */
export function switchLanguage(next: Language, { reload = true, pending = false } = {}): void {
  try {
    globalThis.localStorage?.setItem(CHOSEN, next);
    if (pending) globalThis.localStorage?.setItem(PENDING, "1");
    else globalThis.localStorage?.removeItem(PENDING);
  } catch {
    // without storage the choice lasts for this page only
  }
  if (reload && next !== language) window.location.reload();
}

export function languageChoicePending(): boolean {
  try {
    return globalThis.localStorage?.getItem(PENDING) === "1";
  } catch {
    return false;
  }
}

/** The sentence for an error code: exact match, then its family (validation.*), then a general one. A lockout
 * says how long to wait when the server told (`retryAfterSeconds`). */
export function errorText(code: string, status?: number, retryAfterSeconds?: number | null): string {
  if (code === "auth.rate_limited") {
    const wait = retryAfterSeconds && retryAfterSeconds > 0 ? words.problems.retryIn(Math.ceil(retryAfterSeconds / 60))
      : words.problems.retrySoon;
    return `${words.errors[code]} ${wait}`;
  }
  if (words.errors[code]) return words.errors[code];
  const family = code.split(".")[0];
  if (family === "validation") return words.errors["validation"];
  if (family === "access") return words.unknownRestriction.what + " " + words.unknownRestriction.todo;
  if (status !== undefined && status >= 500) return words.errors["server"];
  return words.errors["unknown"];
}
