import { useState, type FormEvent } from "react";
import { staffApi } from "../../api/staff";
import type { AccessEntry } from "../../api/types";
import { useAction } from "../../components/hooks";
import { Busy, ErrorMessage, Field, Notice, Page, RequiredNote } from "../../components/ui";
import { groupAccess } from "../../logic/accessLog";
import { formatDateTime } from "../../logic/time";
import { words } from "../../text";

const t = words.admin;
const ROLES = ["doctor", "reception", "billing", "admin"] as const;

/** The clinic's administrator: staff accounts, and who has accessed a patient's data (to answer a patient). */
export function Admin() {
  return (
    <Page title={t.title}>
      <NewAccount />
      <PatientLog />
    </Page>
  );
}

function NewAccount() {
  const [f, setF] = useState({ username: "", name: "", role: "reception", password: "" });
  const [done, setDone] = useState<string | null>(null);
  const add = useAction(async () => {
    await staffApi.addAccount({ ...f, username: f.username.trim(), name: f.name.trim() });
    setDone(t.created(f.username.trim()));
    setF({ username: "", name: "", role: f.role, password: "" });
  });
  return (
    <section className="card">
      <h2>{t.newAccount}</h2>
      <RequiredNote />
      <form onSubmit={(e: FormEvent) => { e.preventDefault(); setDone(null); void add.run(); }} noValidate>
        <Field label={t.username} hint={t.usernameHint} required error={add.error?.fields.username}>
          {(p) => <input {...p} autoComplete="off" value={f.username} onChange={(e) => setF({ ...f, username: e.target.value })} />}
        </Field>
        <Field label={t.name} required error={add.error?.fields.name}>{(p) => <input {...p} value={f.name} onChange={(e) => setF({ ...f, name: e.target.value })} />}</Field>
        <Field label={t.role}>
          {(p) => (
            <select {...p} value={f.role} onChange={(e) => setF({ ...f, role: e.target.value })}>
              {ROLES.map((r) => <option key={r} value={r}>{t.roles[r]}</option>)}
            </select>
          )}
        </Field>
        <Field label={t.password} hint={t.passwordHint} required error={add.error?.fields.password}>
          {(p) => <input {...p} type="password" autoComplete="new-password" value={f.password}
            onChange={(e) => setF({ ...f, password: e.target.value })} />}
        </Field>
        <ErrorMessage error={add.error} />
        {done && <Notice takeFocus>{done}</Notice>}
        <Busy busy={add.busy} label={t.create} disabled={!f.username.trim() || !f.name.trim() || f.password.length < 12} />
      </form>
    </section>
  );
}

function PatientLog() {
  const [patientId, setPatientId] = useState("");
  const [entries, setEntries] = useState<AccessEntry[] | null>(null);
  const load = useAction(async () => setEntries(await staffApi.patientAccessLog(patientId.trim())));
  return (
    <section className="card">
      <h2>{t.accessLog}</h2>
      <p className="hint">{t.accessLogLead}</p>
      <form onSubmit={(e: FormEvent) => { e.preventDefault(); void load.run(); }}>
        <Field label={t.patientId} hint={t.patientIdHint}>
          {(p) => <input {...p} autoComplete="off" value={patientId} onChange={(e) => setPatientId(e.target.value)} />}
        </Field>
        <ErrorMessage error={load.error} />
        <Busy busy={load.busy} label={t.show} busyLabel={words.app.loading} disabled={!patientId.trim()} />
      </form>
      {entries !== null && (entries.length === 0 ? <p role="status">{words.accessLog.none}</p> : (
        <ol className="plain access-log">
          {groupAccess(entries, "staff").map(({ line, newest, count }, n) => (
            <li key={`${newest.at}-${n}`} className={line.refused ? "refused" : undefined}>
              {newest.at && <time dateTime={newest.at}>{formatDateTime(newest.at)}</time>}
              <p>
                {line.refused && <><span className="badge badge-danger">{words.accessLog.refused}</span>{" "}</>}
                {line.text}{count > 1 && <span className="hint"> ({t.times(count)})</span>}
              </p>
            </li>
          ))}
        </ol>
      ))}
    </section>
  );
}
