import { useState, type FormEvent } from "react";
import { Link, useParams } from "react-router-dom";
import { staffApi, type Guardian, type PatientCard } from "../../api/staff";
import type { Appointment, Medication } from "../../api/types";
import { formatPhone } from "../../components/clinic";
import { useAction, useLoad } from "../../components/hooks";
import { Busy, ErrorMessage, Field, FocusHeading, Notice, Page, Section } from "../../components/ui";
import { formatBirthDate, formatDate, formatDateTime, hasTurned, osloDay } from "../../logic/time";
import { useSession } from "../../session";
import { words } from "../../text";
import { MedicineChoices } from "../patient/Renew";
import { CancelAppointment } from "./Calendar";
import { DoctorPicker } from "./DoctorPicker";
import { FrikortForm } from "./FrikortForm";
import { Guardians } from "./Guardians";

const t = words.patientPage;

/** One patient at reception: who they are (name and birth date, contact, GP), their appointments, a renewal
 * taken by phone, the frikort, and a child's guardians. The national ID is not shown. */
export function PatientPage() {
  const { id = "" } = useParams();
  const { staff } = useSession();
  const patient = useLoad(() => staffApi.patient(id), [id]);
  const isReception = staff?.role === "reception";
  const name = patient.data?.name ?? "";
  return (
    <Page title={name ? name : t.title}>
      <p><Link to="/ansatt/resepsjon">{words.nav.reception}</Link></p>
      <Section state={patient}>{(p: PatientCard) => <About key={p.gp_id ?? ""} patient={p} mayChange={isReception} />}</Section>
      {patient.data && isReception && <ChangeGp patient={patient.data} onChanged={patient.reload} />}
      {patient.data && <Appointments patientId={id} />}
      {patient.data && isReception && <PhoneRenewal patient={patient.data} />}
      {patient.data && isReception && <FrikortForm patientId={id} name={name} />}
      {patient.data && isReception && <Guardians patient={patient.data} />}
    </Page>
  );
}

function About({ patient, mayChange }: { patient: PatientCard; mayChange: boolean }) {
  const doctors = useLoad(staffApi.doctors);
  const gp = (doctors.data ?? []).find((d) => d.id === patient.gp_id)?.name;
  const [firstContact, setFirstContact] = useState(patient.first_contact_done);
  const mark = useAction(async () => {
    await staffApi.updatePatient(patient.id, { first_contact_done: true });
    setFirstContact(true);
  });
  return (
    <>
      <dl className="facts">
        <div><dt>{t.born}</dt><dd>{formatBirthDate(patient.birth_date)}</dd></div>
        <div><dt>{t.mobile}</dt><dd>{patient.mobile ? formatPhone(patient.mobile) : t.none}</dd></div>
        <div><dt>{t.email}</dt><dd>{patient.email ?? t.none}</dd></div>
        <div><dt>{t.gp}</dt><dd>{gp ?? t.none}</dd></div>
        <div><dt>{t.firstContact}</dt><dd>{firstContact ? t.firstContactDone : t.firstContactMissing}</dd></div>
      </dl>
      {!firstContact && mayChange && (
        <>
          <ErrorMessage error={mark.error} />
          <Busy type="button" busy={mark.busy} label={words.reception.markFirstContact} onClick={() => void mark.run()} />
        </>
      )}
      {firstContact && !patient.first_contact_done && <Notice takeFocus>{words.reception.updated}</Notice>}
    </>
  );
}

/** Moving a patient to another GP's list (domain-rules: "a change of GP"): open renewals and eConsultations follow
 * to the new GP, the first contact by phone is asked for again, booked appointments stay as they are (reception
 * decides), and the patient is told. So it is confirmed first, with those consequences in words. */
function ChangeGp({ patient, onChanged }: { patient: PatientCard; onChanged: () => void }) {
  const doctors = useLoad(staffApi.doctors);
  const [gp, setGp] = useState("");
  const [asking, setAsking] = useState(false);
  const [done, setDone] = useState<string | null>(null);
  const newName = (doctors.data ?? []).find((d) => d.id === gp)?.name ?? "";
  const change = useAction(async () => {
    await staffApi.updatePatient(patient.id, { gp_id: gp });
    setDone(words.reception.gpChanged(patient.name, newName));
    setAsking(false);
    setGp("");
    onChanged();
  });
  return (
    <section className="card">
      <h2>{words.reception.changeGp}</h2>
      {done && <Notice key={done} takeFocus>{done}</Notice>}
      <form onSubmit={(e: FormEvent) => { e.preventDefault(); change.clear(); setDone(null); setAsking(true); }} noValidate>
        <DoctorPicker label={words.reception.newGp} value={gp} onChange={(id) => { setAsking(false); setGp(id); }}
          error={change.error?.fields.gp_id} />
        {!asking ? <Busy busy={false} label={words.reception.changeGp} disabled={!gp || gp === patient.gp_id} /> : (
          <div className="confirm" role="group" aria-labelledby="change-gp-question">
            <FocusHeading id="change-gp-question" level={3}>
              {words.reception.changeGpQuestion(patient.name, newName)}</FocusHeading>
            <p>{words.reception.changeGpExplained}</p>
            <ErrorMessage error={change.error} />
            <Busy type="button" busy={change.busy} label={words.reception.changeGpConfirm} onClick={() => void change.run()} />
            <button type="button" className="secondary" onClick={() => setAsking(false)}>{words.reception.keepGp}</button>
          </div>
        )}
      </form>
    </section>
  );
}

function Appointments({ patientId }: { patientId: string }) {
  const appointments = useLoad(() => staffApi.patientAppointments(patientId), [patientId]);
  const now = new Date();
  return (
    <Section title={t.appointments} state={appointments}>
      {(items: Appointment[]) => items.length === 0 ? <p>{t.noAppointments}</p> : (
        <ul className="plain">
          {items.map((a) => (
            <li key={a.id}>
              <strong>{formatDateTime(a.starts_at)}</strong>
              {a.status === "cancelled" && <>{" "}<span className="badge">{words.book.statusCancelled(a.cancelled_by)}</span></>}
              {a.status === "booked" && new Date(a.starts_at) < now && <>{" "}<span className="badge">{t.past}</span></>}
              {a.status === "booked" && new Date(a.starts_at) > now &&
                <CancelAppointment appointment={{ id: a.id, patient_name: null }} startsAt={a.starts_at} />}
            </li>
          ))}
        </ul>
      )}
    </Section>
  );
}

/** A renewal the patient asked for by phone: the same rules as the portal's, so a medicine that cannot be renewed
 * cannot be ticked, and why is said for reception (who tells the patient to book an appointment). */
function PhoneRenewal({ patient }: { patient: PatientCard }) {
  const { id: patientId, name } = patient;
  // A guardian may ask for a child under 12 only (from 12 renewals are the child's own): then reception says who called.
  const child = !hasTurned(patient.birth_date, 12, osloDay(new Date()));
  const [meds, setMeds] = useState<Medication[] | null>(null);
  const [guardians, setGuardians] = useState<Guardian[]>([]);
  const [caller, setCaller] = useState("");
  const [chosen, setChosen] = useState<string[]>([]);
  const [message, setMessage] = useState("");
  const [done, setDone] = useState<string | null>(null);
  const load = useAction(async () => {
    const [found, theirs] = await Promise.all([staffApi.patientMedications(patientId),
      child ? staffApi.guardians(patientId) : Promise.resolve([])]);
    setGuardians(theirs);
    setMeds(found);
  });
  const send = useAction(async () => {
    const r = await staffApi.phoneRenewal(patientId, chosen, message, caller || undefined);
    setDone(words.reception.phoneRenewalSent(r.due_date ? formatDate(r.due_date) : ""));
    setChosen([]);
    setMessage("");
  });
  return (
    <section className="card">
      <h2>{words.reception.phoneRenewal}</h2>
      {meds === null ? (
        <>
          <ErrorMessage error={load.error} />
          <Busy type="button" busy={load.busy} label={words.reception.showMedicines(name)} busyLabel={words.app.loading}
            onClick={() => void load.run()} />
        </>
      ) : meds.length === 0 ? <p>{t.noMedicines}</p> : (
        <form onSubmit={(e: FormEvent) => { e.preventDefault(); setDone(null); void send.run(); }}>
          <fieldset>
            <legend>{words.reception.medicationIds} <span className="counter">{words.renew.chosen(chosen.length)}</span></legend>
            <MedicineChoices meds={meds} chosen={chosen} onChange={setChosen} idPrefix="phone"
              why={(m) => words.staffRenewalReasons[m.code ?? ""] ?? words.staffRenewalReasons.other} />
          </fieldset>
          {guardians.length > 0 && (
            <Field label={words.reception.whoCalled} hint={words.reception.whoCalledHint}>
              {(p) => (
                <select {...p} value={caller} onChange={(e) => setCaller(e.target.value)}>
                  <option value="">{words.reception.patientCalled(name)}</option>
                  {guardians.map((g) => <option key={g.id} value={g.id}>{words.reception.guardianCalled(g.name)}</option>)}
                </select>
              )}
            </Field>
          )}
          <Field label={words.reception.messageToDoctor}>
            {(p) => <textarea {...p} rows={2} maxLength={1000} value={message} onChange={(e) => setMessage(e.target.value)} />}
          </Field>
          <ErrorMessage error={send.error} />
          {done && <Notice key={done} takeFocus>{done}</Notice>}
          <Busy busy={send.busy} label={words.reception.sendPhoneRenewal} disabled={chosen.length === 0} />
        </form>
      )}
    </section>
  );
}
