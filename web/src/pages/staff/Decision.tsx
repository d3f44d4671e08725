import { useState, type FormEvent } from "react";
import { Link, useParams } from "react-router-dom";
import { staffApi } from "../../api/staff";
import type { Medication, Renewal } from "../../api/types";
import { useAction, useLoad } from "../../components/hooks";
import { Busy, ErrorMessage, Field, Notice, Page, PatientName, Section } from "../../components/ui";
import { formatDate } from "../../logic/time";
import { words } from "../../text";

type Choice = { approve: boolean | null; reason: string };

export function Decision() {
  const { id = "" } = useParams();
  const renewal = useLoad(() => staffApi.renewal(id), [id]);
  return (
    <Page title={words.decision.title}>
      <Section state={renewal}>{(r: Renewal) => <DecisionForm renewal={r} />}</Section>
      <p><Link to="/ansatt/innboks">{words.nav.inbox}</Link></p>
    </Page>
  );
}

/** What the doctor weighs: strength, ATC code, prescription group, fixed or not, who prescribed it. */
function MedicineFacts({ medicine }: { medicine: Medication | undefined }) {
  if (!medicine) return null;
  const t = words.decision;
  return (
    <dl className="facts medicine">
      {medicine.atc && <div><dt>{t.atc}</dt><dd className="mono">{medicine.atc}</dd></div>}
      {medicine.group && <div><dt>{t.group}</dt><dd>{medicine.group}{medicine.group === "B" && medicine.bAgreement
        ? ` (${t.bAgreement})` : ""}</dd></div>}
      {medicine.fixed !== null && <div><dt>{t.fixed}</dt><dd>{medicine.fixed ? t.yes : t.no}</dd></div>}
      {medicine.prescribedBy && <div><dt>{t.prescribedBy}</dt>
        <dd>{t.prescribers[medicine.prescribedBy] ?? medicine.prescribedBy}</dd></div>}
    </dl>
  );
}

function DecisionForm({ renewal }: { renewal: Renewal }) {
  const medicines = useLoad(async () => renewal.patient_id ? staffApi.patientMedications(renewal.patient_id) : [],
    [renewal.patient_id]);
  const [choices, setChoices] = useState<Record<string, Choice>>({});
  const [problem, setProblem] = useState<string | null>(null);
  const [done, setDone] = useState(false);
  const submit = useAction(async () => {
    await staffApi.decide(renewal.id, renewal.items.map((i) => ({
      medication_id: i.medication_id, approve: choices[i.medication_id].approve === true,
      ...(choices[i.medication_id].approve ? {} : { reason: choices[i.medication_id].reason.trim() }),
    })));
    setDone(true);
  });
  const set = (id: string, change: Partial<Choice>) =>
    setChoices((c) => ({ ...c, [id]: { ...(c[id] ?? { approve: null, reason: "" }), ...change } }));
  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    const all = renewal.items.map((i) => choices[i.medication_id]);
    if (all.some((c) => !c || c.approve === null)) return setProblem(words.decision.chooseAll);
    if (all.some((c) => c.approve === false && !c.reason.trim())) return setProblem(words.decision.reasonRequired);
    setProblem(null);
    void submit.run();
  };
  if (done) return <Notice takeFocus>{words.decision.done}</Notice>;
  return (
    <form onSubmit={onSubmit} noValidate>
      <h2 className="patient"><PatientName name={renewal.patient_name} birthDate={renewal.patient_birth_date} /></h2>
      {renewal.due_date && <p>{words.inbox.due(formatDate(renewal.due_date))}
        {renewal.overdue && <>{" "}<strong className="badge badge-danger">{words.inbox.overdue}</strong></>}</p>}
      {renewal.channel && <p className="hint">{words.inbox.channel[renewal.channel] ?? renewal.channel}</p>}
      {renewal.message && <><h2>{words.decision.message}</h2><blockquote>{renewal.message}</blockquote></>}
      {renewal.items.map((item) => {
        const c = choices[item.medication_id];
        const name = `decision-${item.medication_id}`;
        return (
          <fieldset key={item.medication_id} className="decision">
            <legend>{item.name}</legend>
            <MedicineFacts medicine={(medicines.data ?? []).find((m) => m.id === item.medication_id)} />
            <div className="radio-row">
              <span className="radio"><input type="radio" id={`${name}-yes`} name={name} checked={c?.approve === true}
                onChange={() => set(item.medication_id, { approve: true })} /><label htmlFor={`${name}-yes`}>{words.decision.approve}</label></span>
              <span className="radio"><input type="radio" id={`${name}-no`} name={name} checked={c?.approve === false}
                onChange={() => set(item.medication_id, { approve: false })} /><label htmlFor={`${name}-no`}>{words.decision.reject}</label></span>
            </div>
            {c?.approve === false && (
              <Field label={`${words.decision.reason} (${item.name})`}>
                {(p) => <textarea {...p} rows={2} value={c.reason} onChange={(e) => set(item.medication_id, { reason: e.target.value })} />}
              </Field>
            )}
          </fieldset>
        );
      })}
      {problem && <p className="alert alert-error" role="alert">{problem}</p>}
      <ErrorMessage error={submit.error} />
      <Busy busy={submit.busy} label={words.decision.submit} />
    </form>
  );
}
