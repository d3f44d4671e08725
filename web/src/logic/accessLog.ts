// One line of the access log as a sentence a patient understands: who did what to which of their data, and
// whether it was refused. The gateway records codes (object_type, action, outcome); the words, and how a
// sentence is put together in each language, are in the catalogues (words.log).

import type { AccessEntry } from "../api/types";
import { errorText, words } from "../text";

export type AccessLine = { text: string; refused: boolean; reason: string | null };

// Words in a staff member's registered name that already say their role ("Dr. Solberg", "Resepsjonen (Mona
// Vik)"): the names are the clinic's data, in Norwegian whatever language the log is read in.
const ROLE_WORDS: Record<string, string[]> = {
  doctor: ["dr.", "lege"], reception: ["resepsjon"], billing: ["regnskap", "rekneskap"], admin: ["administrator"],
};

/** Whose eyes: the patient reads "Du ... din", the clinic's administrator "Pasienten ...". */
export type Viewer = "patient" | "staff";

/** "Mona Vik (resepsjonen)", but "Dr. Ingrid Solberg" and "Resepsjonen (Mona Vik)" as they are: a name that
 * already says the role does not get it twice. */
function subject(e: AccessEntry, viewer: Viewer): string {
  const log = words.log;
  if (e.role === "patient" || e.who === "Deg") return viewer === "patient" ? log.you : log.thePatient;
  const role = log.roles[e.role];
  const who = e.who.trim();
  if (!who) return role ? log.someoneAtClinicAs(role) : log.someoneAtClinic;
  const says = (ROLE_WORDS[e.role] ?? []).some((w) => who.toLowerCase().includes(w));
  return role && !says ? `${who} (${role})` : who;
}

/** The entry as one sentence, plus whether it was refused and, for a rule the patient can act on, why. */
export function describeAccess(e: AccessEntry, viewer: Viewer = "patient"): AccessLine {
  const log = words.log;
  const [action, ...changed] = e.action.split(":");
  const verb = log.verbs[action] ?? log.someVerb;
  const thing = log.things[e.object_type] ?? log.something;
  const plural = !e.object_id && (action === "read" || action === "list" || action === "GET");
  const phrase = action === "create" ? thing.a : plural ? thing.many : thing.one;
  const object = viewer === "patient" ? phrase : log.forStaff(phrase);
  const fields = changed.join(":").split(",").map((f) => log.fields[f.trim()]).filter(Boolean);
  const detail = fields.length ? ` (${fields.join(", ")})` : "";
  const who = subject(e, viewer);
  const refused = e.outcome !== "success" && e.outcome !== "ok" && e.outcome !== "";
  // Your own actions, and a parent's on their child's page ("Kari Nordmann (forelder) bestilte en time"), in
  // the words a patient uses.
  const own = who === log.you || e.role === "guardian" ? log.own[`${e.object_type}:${action}`] : undefined;
  if (!refused) return { text: log.did(who, `${own?.past ?? `${verb.past} ${object}`}${detail}`), refused: false, reason: null };
  const code = e.outcome.startsWith("refused:") ? e.outcome.slice("refused:".length) : "";
  // A rule of the clinic (access.*, booking.*, ...) is told as the patient would be told; a refused look at
  // data that was not theirs to see is just that: nothing was shown.
  const known = code.includes(".") && (words.errors[code] !== undefined || code.startsWith("access."));
  const reason = known ? errorText(code) : null;
  return { text: log.tried(who, `${own?.inf ?? `${verb.inf} ${object}`}${detail}`, !!reason), refused: true, reason };
}

export type AccessGroup = { line: AccessLine; newest: AccessEntry; oldest: AccessEntry; count: number };

/** Entries in a row that say the same (a patient reloading a page reads their appointments each time) are
 * shown once, with how many times and since when: the log stays readable and nothing is hidden. */
export function groupAccess(entries: AccessEntry[], viewer: Viewer = "patient"): AccessGroup[] {
  const groups: AccessGroup[] = [];
  for (const entry of entries) {
    const line = describeAccess(entry, viewer);
    const last = groups[groups.length - 1];
    if (last && last.line.text === line.text && last.line.reason === line.reason) {
      last.oldest = entry;
      last.count += 1;
    } else {
      groups.push({ line, newest: entry, oldest: entry, count: 1 });
    }
  }
  return groups;
}
