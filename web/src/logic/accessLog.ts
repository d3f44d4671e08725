// One line of the access log as a sentence a patient understands: who did what to which of their data, and
// whether it was refused. The gateway records codes (object_type, action, outcome); the words are here.

import type { AccessEntry } from "../api/types";
import { errorText, nb } from "../text/nb";

type Verb = { past: string; inf: string };
type Thing = { one: string; many: string; a: string };

const VERBS: Record<string, Verb> = {
  read: { past: "leste", inf: "lese" },
  list: { past: "så gjennom", inf: "se gjennom" },
  create: { past: "opprettet", inf: "opprette" },
  update: { past: "endret", inf: "endre" },
  delete: { past: "slettet", inf: "slette" },
  cancel: { past: "avbestilte", inf: "avbestille" },
  answer: { past: "besvarte", inf: "besvare" },
  decline: { past: "avslo", inf: "avslå" },
  decide: { past: "behandlet", inf: "behandle" },
  withdraw: { past: "trakk tilbake", inf: "trekke tilbake" },
  GET: { past: "åpnet", inf: "åpne" },
  HEAD: { past: "åpnet", inf: "åpne" },
  POST: { past: "sendte inn noe om", inf: "sende inn noe om" },
  PUT: { past: "endret", inf: "endre" },
  PATCH: { past: "endret", inf: "endre" },
  DELETE: { past: "slettet", inf: "slette" },
};

const THINGS: Record<string, Thing> = {
  appointment: { one: "timen din", many: "timene dine", a: "en time" },
  econsultation: { one: "eKonsultasjonen din", many: "eKonsultasjonene dine", a: "en eKonsultasjon" },
  renewal: { one: "reseptbestillingen din", many: "reseptbestillingene dine", a: "en reseptbestilling" },
  medication_list: { one: "medisinlisten din", many: "medisinlisten din", a: "medisinlisten din" },
  medication: { one: "en medisin på medisinlisten din", many: "medisinlisten din", a: "en medisin på medisinlisten din" },
  b_agreement: { one: "B-avtalen din", many: "B-avtalene dine", a: "en B-avtale" },
  invoice: { one: "fakturaen din", many: "fakturaene dine", a: "en faktura" },
  payment: { one: "en betaling fra deg", many: "betalingene dine", a: "en betaling fra deg" },
  frikort: { one: "frikortet ditt", many: "frikortet ditt", a: "frikortet ditt" },
  patient: { one: "personopplysningene dine", many: "personopplysningene dine", a: "deg som pasient" },
  access_log: { one: "tilgangsloggen din", many: "tilgangsloggen din", a: "tilgangsloggen din" },
  notifications: { one: "varslene dine (SMS og e-post)", many: "varslene dine (SMS og e-post)", a: "et varsel" },
  route: { one: "opplysninger om deg", many: "opplysninger om deg", a: "opplysninger om deg" },
};
const SOMETHING: Thing = { one: "opplysninger om deg", many: "opplysninger om deg", a: "opplysninger om deg" };

/** What a patient does in their own words ("Du bestilte en time"), where it reads better than the general verb. */
const OWN: Record<string, Verb> = {
  "appointment:create": { past: "bestilte en time", inf: "bestille en time" },
  "appointment:cancel": { past: "avbestilte timen din", inf: "avbestille timen din" },
  "econsultation:create": { past: "sendte en eKonsultasjon", inf: "sende en eKonsultasjon" },
  "renewal:create": { past: "bestilte fornyelse av resept", inf: "bestille fornyelse av resept" },
};

const FIELDS: Record<string, string> = {
  name: "navn", mobile: "mobilnummer", email: "e-postadresse", gp_id: "fastlege",
  first_contact_done: "første kontakt registrert",
};

const ROLES: Record<string, string> = {
  doctor: "lege", reception: "resepsjonen", billing: "regnskap", admin: "administrator",
};

export type AccessLine = { text: string; refused: boolean; reason: string | null };

/** Whose eyes: the patient reads "Du ... din", the clinic's administrator "Pasienten ...". */
export type Viewer = "patient" | "staff";

function forStaff(phrase: string): string {
  return phrase.replace("deg som pasient", "pasienten").replace(/ (fra|om) deg\b/g, " $1 pasienten")
    .replace(/ (din|dine|ditt)\b/g, "");
}

function subject(e: AccessEntry, viewer: Viewer): string {
  if (e.role === "patient" || e.who === "Deg") return viewer === "patient" ? "Du" : "Pasienten";
  const role = ROLES[e.role];
  const who = e.who.trim();
  if (!who) return role ? `Noen ved legekontoret (${role})` : "Noen ved legekontoret";
  return role ? `${who} (${role})` : who;
}

/** The entry as one sentence, plus whether it was refused and, for a rule the patient can act on, why. */
export function describeAccess(e: AccessEntry, viewer: Viewer = "patient"): AccessLine {
  const [action, ...changed] = e.action.split(":");
  const verb = VERBS[action] ?? { past: "brukte", inf: "bruke" };
  const thing = THINGS[e.object_type] ?? SOMETHING;
  const plural = !e.object_id && (action === "read" || action === "list" || action === "GET");
  const phrase = action === "create" ? thing.a : plural ? thing.many : thing.one;
  const object = viewer === "patient" ? phrase : forStaff(phrase);
  const fields = changed.join(":").split(",").map((f) => FIELDS[f.trim()]).filter(Boolean);
  const detail = fields.length ? ` (${fields.join(", ")})` : "";
  const who = subject(e, viewer);
  const refused = e.outcome !== "success" && e.outcome !== "ok" && e.outcome !== "";
  const own = who === "Du" ? OWN[`${e.object_type}:${action}`] : undefined;
  if (!refused) return { text: `${who} ${own?.past ?? `${verb.past} ${object}`}${detail}.`, refused: false, reason: null };
  const code = e.outcome.startsWith("refused:") ? e.outcome.slice("refused:".length) : "";
  // A rule of the clinic (access.*, booking.*, ...) is told as the patient would be told; a refused look at
  // data that was not theirs to see is just that: nothing was shown.
  const known = code.includes(".") && (nb.errors[code] !== undefined || code.startsWith("access."));
  const reason = known ? errorText(code) : null;
  const tail = reason ? "men det ble avvist." : "men fikk ikke tilgang. Ingenting ble vist eller endret.";
  return { text: `${who} prøvde å ${own?.inf ?? `${verb.inf} ${object}`}${detail}, ${tail}`, refused: true, reason };
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
