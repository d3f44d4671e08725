import { useEffect, useState, type FormEvent } from "react";
import { Link } from "react-router-dom";
import { patientApi } from "../../api/patient";
import type { EConsultation, Guidance, Medication, Price, RenewalHint } from "../../api/types";
import { useAction, useLoad } from "../../components/hooks";
import { Busy, ErrorMessage, Field, FocusHeading, Notice, Page, Section } from "../../components/ui";
import { normalisedQuestion, questionState } from "../../logic/question";
import { formatDate, formatDateTime } from "../../logic/time";
import { useSession } from "../../session";
import { nb } from "../../text/nb";
import { Restrictions } from "./Home";

export function priceText(price: Price): string {
  if (price.exempt) return nb.econsult.exempt[price.exempt_reason ?? ""] ?? nb.econsult.priceAmount(price.amount_nok);
  return nb.econsult.priceAmount(price.amount_nok);
}

// How long the patient's typing must pause before the renewal hint is asked for again.
const HINT_PAUSE_MS = 400;

/** The renewal hint for the question being written, from the server's rule (the one the sent question is judged
 * by), asked for when the typing pauses: shown before anything is sent or billed. */
function useRenewalHint(text: string, medicineNames: string[]): RenewalHint | null {
  const [hint, setHint] = useState<RenewalHint | null>(null);
  const question = normalisedQuestion(text);
  const names = medicineNames.join("\n");
  useEffect(() => {
    if (!question) { setHint(null); return undefined; }
    let live = true;
    const timer = window.setTimeout(() => {
      patientApi.renewalHint(question, names ? names.split("\n") : []).then(
        (answer) => { if (live) setHint(answer?.renewal_hint ?? null); },
        () => { /* the hint is a help, not a gate: on a failed call the question can still be sent */ },
      );
    }, HINT_PAUSE_MS);
    return () => { live = false; window.clearTimeout(timer); };
  }, [question, names]);
  return hint;
}

function WithdrawButton({ consultation, onWithdrawn }: { consultation: EConsultation; onWithdrawn: () => void }) {
  const withdraw = useAction(async () => { await patientApi.withdraw(consultation.id); onWithdrawn(); });
  return (
    <>
      <p className="hint">{nb.econsult.withdrawHint}</p>
      <ErrorMessage error={withdraw.error} />
      <button type="button" className="secondary" disabled={withdraw.busy} onClick={() => void withdraw.run()}>
        {nb.econsult.withdraw}</button>
    </>
  );
}

export function EConsult() {
  const { me } = useSession();
  const guidance = useLoad(patientApi.guidance);
  const mine = useLoad(patientApi.econsultations);
  const [sent, setSent] = useState<EConsultation | null>(null);
  const [withdrawn, setWithdrawn] = useState(false);
  return (
    <Page title={nb.econsult.title}>
      <Restrictions codes={me?.restrictions ?? []} />
      {sent ? (
        <section className="card" aria-labelledby="sent-title">
          <FocusHeading id="sent-title">{nb.econsult.sentTitle}</FocusHeading>
          <p>{nb.econsult.sent(formatDate(sent.due_date))}</p>
          {sent.price && <p>{sent.price.exempt ? priceText(sent.price) : nb.econsult.sentPrice(sent.price.amount_nok)}</p>}
          {sent.renewal_hint && <Notice kind="info">{nb.econsult.renewalHint} <Link to="/resept">{nb.nav.renew}</Link></Notice>}
          <button type="button" className="secondary" onClick={() => setSent(null)}>{nb.econsult.newOne}</button>
        </section>
      ) : (
        <Section state={guidance}>
          {(g: Guidance) => <AskForm guidance={g} restricted={(me?.restrictions.length ?? 0) > 0}
            onSent={(c) => { setSent(c); mine.reload(); }} />}
        </Section>
      )}
      {withdrawn && <Notice>{nb.econsult.withdrawn}</Notice>}
      <Section title={nb.econsult.mine} state={mine}>
        {(items: EConsultation[]) => items.length === 0 ? <p>{nb.econsult.none}</p> : (
          <ul className="plain">
            {items.map((c) => (
              <li key={c.id} className="request">
                <p><strong>{nb.econsult.status[c.status]}</strong> · {nb.econsult.sentOn(formatDateTime(c.submitted_at))}
                  {c.status === "open" && <> · {nb.home.due(formatDate(c.due_date))}</>}</p>
                <blockquote>{c.text}</blockquote>
                {c.answer && <><h3>{nb.econsult.answer}</h3><p className="answer">{c.answer}</p></>}
                {c.declined_reason && <><h3>{nb.econsult.declinedReason}</h3><p className="answer">{c.declined_reason}</p>
                  {c.advice && <p>{c.advice} <Link to="/time">{nb.renew.bookInstead}</Link></p>}</>}
                {c.withdrawable && <WithdrawButton consultation={c}
                  onWithdrawn={() => { setWithdrawn(true); mine.reload(); }} />}
              </li>
            ))}
          </ul>
        )}
      </Section>
    </Page>
  );
}

function AskForm({ guidance: g, restricted, onSent }: { guidance: Guidance; restricted: boolean; onSent: (c: EConsultation) => void }) {
  const [text, setText] = useState("");
  const [accepted, setAccepted] = useState(false);
  const count = questionState(text, g.max_chars);
  const medicines = useLoad(patientApi.medications);
  const hint = useRenewalHint(text, (medicines.data ?? []).map((m: Medication) => m.name));
  const send = useAction(async () => {
    const created = await patientApi.ask(text);
    setText("");
    setAccepted(false);
    onSent(created);
  });
  return (
    <>
      {!g.open && <Notice kind="warning">{nb.econsult.closed} <Link to="/time">{nb.home.bookNow}</Link></Notice>}
      <p>{g.purpose}</p>
      <p className="alert alert-warning">{g.not_acute}</p>
      <p>{g.answer_time}</p>
      <div className="two-lists">
        <section aria-labelledby="may-ask"><h2 id="may-ask">{nb.econsult.mayAsk}</h2>
          <ul className="yes">{g.may_ask.map((t) => <li key={t}>{t}</li>)}</ul></section>
        <section aria-labelledby="may-not-ask"><h2 id="may-not-ask">{nb.econsult.mayNotAsk}</h2>
          <ul className="no">{g.may_not_ask.map((t) => <li key={t}>{t}</li>)}</ul></section>
      </div>
      <p>{g.renewals} <Link to="/resept">{nb.nav.renew}</Link></p>
      <section aria-labelledby="price-title" className="price">
        <h2 id="price-title">{nb.econsult.price}</h2>
        <p className="big">{priceText(g.price)}</p>
        <p className="hint">{g.billing}</p>
      </section>
      {g.open && !restricted && (
        <form onSubmit={(e: FormEvent) => { e.preventDefault(); void send.run(); }} noValidate>
          <Field label={nb.econsult.question}>
            {(p) => (
              <>
                <textarea {...p} rows={6} value={text} onChange={(e) => setText(e.target.value)}
                  aria-describedby={`${p.id}-counter`} aria-invalid={count.over > 0 || undefined} />
                <p id={`${p.id}-counter`} className={count.over > 0 ? "counter over" : "counter"} aria-live="polite">
                  {nb.econsult.counter(count.used, count.max)}{count.over > 0 && <> – {nb.econsult.overLimit(count.over)}</>}
                </p>
                {hint && <Notice kind="info">{nb.econsult.renewalHint} <Link to="/resept">{nb.nav.renew}</Link></Notice>}
              </>
            )}
          </Field>
          <div className="checkbox">
            <input type="checkbox" id="accept-terms" checked={accepted} onChange={(e) => setAccepted(e.target.checked)} />
            <label htmlFor="accept-terms">{nb.econsult.accept}</label>
          </div>
          <ErrorMessage error={send.error} />
          <Busy busy={send.busy} label={nb.econsult.submit} disabled={!count.sendable || !accepted} />
        </form>
      )}
    </>
  );
}
