import { useState, type FormEvent } from "react";
import { staffApi, type Guardian, type PatientCard } from "../../api/staff";
import { formatPhone } from "../../components/clinic";
import { useAction, useLoad } from "../../components/hooks";
import { Busy, ErrorMessage, Field, FocusHeading, Notice, RequiredNote, Section } from "../../components/ui";
import { hasTurned, osloDay } from "../../logic/time";
import { words } from "../../text";

const t = words.guardians;

/** A child's guardians at reception (domain-rules: "Acting for a child"): listed by name and mobile (the national
 * ID is typed once, from the registry's printout, and never shown), registered, and removed after a question,
 * since the guardian's access to the child ends at once. From the 16th birthday (the clinic's day, as identity
 * counts it) no guardian may act, so the page says so instead. */
export function Guardians({ patient }: { patient: PatientCard }) {
  const ofAge = hasTurned(patient.birth_date, 16, osloDay(new Date()));
  return (
    <section className="card" aria-labelledby="guardians-title">
      <h2 id="guardians-title">{t.title}</h2>
      {ofAge ? <p>{t.ofAge(patient.name)}</p> : <ChildsGuardians patient={patient} />}
    </section>
  );
}

function ChildsGuardians({ patient }: { patient: PatientCard }) {
  const list = useLoad(() => staffApi.guardians(patient.id), [patient.id]);
  const [done, setDone] = useState<string | null>(null);
  const changed = (message: string) => { setDone(message); list.reload(); };
  return (
    <>
      <p className="hint">{t.lead}</p>
      {done && <Notice key={done} takeFocus>{done}</Notice>}
      <Section state={list}>
        {(guardians: Guardian[]) => guardians.length === 0 ? <p>{t.none}</p> : (
          <ul className="plain guardians">
            {guardians.map((g) => <li key={g.id}><ListedGuardian patient={patient} guardian={g} onRemoved={changed} /></li>)}
          </ul>
        )}
      </Section>
      <RegisterGuardian patientId={patient.id} onRegistered={changed} />
    </>
  );
}

function ListedGuardian({ patient, guardian, onRemoved }: {
  patient: PatientCard; guardian: Guardian; onRemoved: (message: string) => void;
}) {
  const [asking, setAsking] = useState(false);
  const remove = useAction(async () => {
    await staffApi.removeGuardian(patient.id, guardian.id);
    onRemoved(t.removed(guardian.name));
  });
  const headingId = `remove-guardian-${guardian.id}`;
  return (
    <>
      <strong>{guardian.name}</strong> · {formatPhone(guardian.mobile)}{" "}
      {!asking ? (
        <button type="button" className="secondary" onClick={() => { remove.clear(); setAsking(true); }}>{t.remove}</button>
      ) : (
        <div className="confirm" role="group" aria-labelledby={headingId}>
          <FocusHeading id={headingId} level={3}>{t.removeQuestion(guardian.name, patient.name)}</FocusHeading>
          <p>{t.removeExplained}</p>
          <ErrorMessage error={remove.error} />
          <Busy type="button" className="danger" busy={remove.busy} label={t.removeConfirm} onClick={() => void remove.run()} />
          <button type="button" className="secondary" onClick={() => setAsking(false)}>{t.keep}</button>
        </div>
      )}
    </>
  );
}

function RegisterGuardian({ patientId, onRegistered }: { patientId: string; onRegistered: (message: string) => void }) {
  const empty = { national_id: "", name: "", mobile: "" };
  const [f, setF] = useState(empty);
  const register = useAction(async () => {
    const registered = await staffApi.registerGuardian(patientId, {
      national_id: f.national_id.replace(/\s/g, ""), name: f.name.trim(), mobile: f.mobile.trim() });
    setF(empty);
    onRegistered(t.registered(registered.name));
  });
  const input = (key: keyof typeof f, label: string, type: string, hint?: string) => (
    <Field label={label} hint={hint} required error={register.error?.fields[key]}>
      {(p) => <input {...p} type={type} autoComplete="off" value={f[key]}
        onChange={(e) => setF({ ...f, [key]: e.target.value })} />}
    </Field>
  );
  return (
    <form onSubmit={(e: FormEvent) => { e.preventDefault(); void register.run(); }} noValidate>
      <h3>{t.register}</h3>
      <RequiredNote />
      {input("national_id", t.nationalId, "text", t.nationalIdHint)}
      {input("name", t.name, "text")}
      {input("mobile", t.mobile, "tel", t.mobileHint)}
      <ErrorMessage error={register.error} />
      <Busy busy={register.busy} label={t.register} />
    </form>
  );
}
