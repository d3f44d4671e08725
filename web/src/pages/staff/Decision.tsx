import { useState, type FormEvent } from "react";
import { Link, useParams } from "react-router-dom";
import { staffApi } from "../../api/staff";
import type { Renewal } from "../../api/types";
import { useAction, useLoad } from "../../components/hooks";
import { Busy, ErrorMessage, Field, Notice, Page, Section } from "../../components/ui";
import { formatDate } from "../../logic/time";
import { nb } from "../../text/nb";

type Choice = { approve: boolean | null; reason: string };

export function Decision() {
  const { id = "" } = useParams();
  const renewal = useLoad(() => staffApi.renewal(id), [id]);
  return (
    <Page title={nb.decision.title}>
      <Section state={renewal}>{(r: Renewal) => <DecisionForm renewal={r} />}</Section>
      <p><Link to="/ansatt/innboks">{nb.nav.inbox}</Link></p>
    </Page>
  );
}

function DecisionForm({ renewal }: { renewal: Renewal }) {
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
    if (all.some((c) => !c || c.approve === null)) return setProblem(nb.decision.chooseAll);
    if (all.some((c) => c.approve === false && !c.reason.trim())) return setProblem(nb.decision.reasonRequired);
    setProblem(null);
    void submit.run();
  };
  if (done) return <Notice>{nb.decision.done}</Notice>;
  return (
    <form onSubmit={onSubmit} noValidate>
      {renewal.patient_name && <p className="big">{nb.decision.patient(renewal.patient_name)}</p>}
      {renewal.due_date && <p>{nb.inbox.due(formatDate(renewal.due_date))}
        {renewal.overdue && <>{" "}<strong className="badge badge-danger">{nb.inbox.overdue}</strong></>}</p>}
      {renewal.channel && <p className="hint">{nb.inbox.channel[renewal.channel] ?? renewal.channel}</p>}
      {renewal.message && <><h2>{nb.decision.message}</h2><blockquote>{renewal.message}</blockquote></>}
      {renewal.items.map((item) => {
        const c = choices[item.medication_id];
        const name = `decision-${item.medication_id}`;
        return (
          <fieldset key={item.medication_id} className="decision">
            <legend>{item.name}</legend>
            <div className="radio-row">
              <span className="radio"><input type="radio" id={`${name}-yes`} name={name} checked={c?.approve === true}
                onChange={() => set(item.medication_id, { approve: true })} /><label htmlFor={`${name}-yes`}>{nb.decision.approve}</label></span>
              <span className="radio"><input type="radio" id={`${name}-no`} name={name} checked={c?.approve === false}
                onChange={() => set(item.medication_id, { approve: false })} /><label htmlFor={`${name}-no`}>{nb.decision.reject}</label></span>
            </div>
            {c?.approve === false && (
              <Field label={`${nb.decision.reason} (${item.name})`}>
                {(p) => <textarea {...p} rows={2} value={c.reason} onChange={(e) => set(item.medication_id, { reason: e.target.value })} />}
              </Field>
            )}
          </fieldset>
        );
      })}
      {problem && <p className="alert alert-error" role="alert">{problem}</p>}
      <ErrorMessage error={submit.error} />
      <Busy busy={submit.busy} label={nb.decision.submit} />
    </form>
  );
}
