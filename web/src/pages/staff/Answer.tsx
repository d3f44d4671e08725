import { useState, type FormEvent } from "react";
import { Link, useParams } from "react-router-dom";
import { staffApi } from "../../api/staff";
import type { EConsultation } from "../../api/types";
import { useAction, useLoad } from "../../components/hooks";
import { Busy, ErrorMessage, Field, Notice, Page, PatientName, Section } from "../../components/ui";
import { formatDate, formatDateTime } from "../../logic/time";
import { words } from "../../text";

export function Answer() {
  const { id = "" } = useParams();
  const consultation = useLoad(() => staffApi.econsultation(id), [id]);
  return (
    <Page title={words.answer.title}>
      <Section state={consultation}>{(c) => <AnswerForm consultation={c} />}</Section>
      <p><Link to="/ansatt/innboks">{words.nav.inbox}</Link></p>
    </Page>
  );
}

function AnswerForm({ consultation: c }: { consultation: EConsultation }) {
  const [text, setText] = useState("");
  const [reason, setReason] = useState("");
  const [done, setDone] = useState<string | null>(null);
  const answer = useAction(async () => { await staffApi.answer(c.id, text); setDone(words.answer.answered); });
  const decline = useAction(async () => { await staffApi.decline(c.id, reason); setDone(words.answer.declined); });
  if (done) return <Notice takeFocus>{done}</Notice>;
  return (
    <>
      <h2 className="patient"><PatientName name={c.patient_name} birthDate={c.patient_birth_date} /></h2>
      <p>{words.econsult.sentOn(formatDateTime(c.submitted_at))} · {words.inbox.due(formatDate(c.due_date))}
        {c.overdue && <>{" "}<strong className="badge badge-danger">{words.inbox.overdue}</strong></>}</p>
      <h2>{words.answer.question}</h2>
      <blockquote>{c.text}</blockquote>
      {c.status !== "open" ? <p>{words.econsult.status[c.status]}</p> : (
        <>
          <form onSubmit={(e: FormEvent) => { e.preventDefault(); void answer.run(); }}>
            <Field label={words.answer.answer}>
              {(p) => <textarea {...p} rows={6} maxLength={4000} value={text} onChange={(e) => setText(e.target.value)} />}
            </Field>
            <ErrorMessage error={answer.error} />
            <Busy busy={answer.busy} label={words.answer.submitAnswer} disabled={!text.trim()} />
          </form>
          <form className="secondary-form" onSubmit={(e: FormEvent) => { e.preventDefault(); void decline.run(); }}>
            <Field label={words.answer.declineReason}>
              {(p) => <textarea {...p} rows={3} maxLength={4000} value={reason} onChange={(e) => setReason(e.target.value)} />}
            </Field>
            <ErrorMessage error={decline.error} />
            <Busy busy={decline.busy} className="secondary" label={words.answer.decline} disabled={!reason.trim()} />
          </form>
        </>
      )}
    </>
  );
}
