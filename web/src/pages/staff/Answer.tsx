import { useState, type FormEvent } from "react";
import { Link, useParams } from "react-router-dom";
import { staffApi } from "../../api/staff";
import type { EConsultation } from "../../api/types";
import { useAction, useLoad } from "../../components/hooks";
import { Busy, ErrorMessage, Field, Notice, Page, Section } from "../../components/ui";
import { formatDate, formatDateTime } from "../../logic/time";
import { nb } from "../../text/nb";

export function Answer() {
  const { id = "" } = useParams();
  const consultation = useLoad(() => staffApi.econsultation(id), [id]);
  return (
    <Page title={nb.answer.title}>
      <Section state={consultation}>{(c) => <AnswerForm consultation={c} />}</Section>
      <p><Link to="/ansatt/innboks">{nb.nav.inbox}</Link></p>
    </Page>
  );
}

function AnswerForm({ consultation: c }: { consultation: EConsultation & { patient_name?: string } }) {
  const [text, setText] = useState("");
  const [reason, setReason] = useState("");
  const [done, setDone] = useState<string | null>(null);
  const answer = useAction(async () => { await staffApi.answer(c.id, text); setDone(nb.answer.answered); });
  const decline = useAction(async () => { await staffApi.decline(c.id, reason); setDone(nb.answer.declined); });
  if (done) return <Notice>{done}</Notice>;
  return (
    <>
      {c.patient_name && <p className="big">{nb.decision.patient(c.patient_name)}</p>}
      <p>{nb.econsult.sentOn(formatDateTime(c.submitted_at))} · {nb.inbox.due(formatDate(c.due_date))}
        {c.overdue && <>{" "}<strong className="badge badge-danger">{nb.inbox.overdue}</strong></>}</p>
      <h2>{nb.answer.question}</h2>
      <blockquote>{c.text}</blockquote>
      {c.status !== "open" ? <p>{nb.econsult.status[c.status]}</p> : (
        <>
          <form onSubmit={(e: FormEvent) => { e.preventDefault(); void answer.run(); }}>
            <Field label={nb.answer.answer}>
              {(p) => <textarea {...p} rows={6} maxLength={4000} value={text} onChange={(e) => setText(e.target.value)} />}
            </Field>
            <ErrorMessage error={answer.error} />
            <Busy busy={answer.busy} label={nb.answer.submitAnswer} disabled={!text.trim()} />
          </form>
          <form className="secondary-form" onSubmit={(e: FormEvent) => { e.preventDefault(); void decline.run(); }}>
            <Field label={nb.answer.declineReason}>
              {(p) => <textarea {...p} rows={3} maxLength={4000} value={reason} onChange={(e) => setReason(e.target.value)} />}
            </Field>
            <ErrorMessage error={decline.error} />
            <Busy busy={decline.busy} className="secondary" label={nb.answer.decline} disabled={!reason.trim()} />
          </form>
        </>
      )}
    </>
  );
}
