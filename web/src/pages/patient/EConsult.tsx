import { useEffect, useState, type FormEvent } from "react";
import { Link } from "react-router-dom";
import { patientApi } from "../../api/patient";
import type { EConsultation, Guidance, Medication, Price, RenewalHint } from "../../api/types";
import { useAction, useDraft, useLoad } from "../../components/hooks";
import { Busy, ErrorMessage, Field, FocusHeading, Notice, Page, Say, Section } from "../../components/ui";
import { normalisedQuestion, questionState } from "../../logic/question";
import { formatDate, formatDateTime } from "../../logic/time";
import { useSession } from "../../session";
import { words } from "../../text";
import { Restrictions } from "./Home";

export function priceText(price: Price): string {
  if (price.exempt) return words.econsult.exempt[price.exempt_reason ?? ""] ?? words.econsult.priceAmount(price.amount_nok);
  return words.econsult.priceAmount(price.amount_nok);
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
      <p className="hint">{words.econsult.withdrawHint}</p>
      <ErrorMessage error={withdraw.error} />
      <button type="button" className="secondary" disabled={withdraw.busy} onClick={() => void withdraw.run()}>
        {words.econsult.withdraw}</button>
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
    <Page title={words.econsult.title}>
      <Restrictions codes={me?.restrictions ?? []} />
      {sent ? (
        <section className="card" aria-labelledby="sent-title">
          <FocusHeading id="sent-title">{words.econsult.sentTitle}</FocusHeading>
          <p>{words.econsult.sent(formatDate(sent.due_date))}</p>
          {sent.price && <p>{sent.price.exempt ? priceText(sent.price) : words.econsult.sentPrice(sent.price.amount_nok)}</p>}
          {sent.renewal_hint && <Notice kind="info">{words.econsult.renewalHint} <Link to="/resept">{words.nav.renew}</Link></Notice>}
          <button type="button" className="secondary" onClick={() => setSent(null)}>{words.econsult.newOne}</button>
        </section>
      ) : (
        <Section state={guidance}>
          {(g: Guidance) => <AskForm guidance={g} restricted={(me?.restrictions.length ?? 0) > 0}
            onSent={(c) => { setSent(c); mine.reload(); }} />}
        </Section>
      )}
      {withdrawn && <Notice>{words.econsult.withdrawn}</Notice>}
      <Section title={words.econsult.mine} state={mine}>
        {(items: EConsultation[]) => items.length === 0 ? <p>{words.econsult.none}</p> : (
          <ul className="plain">
            {items.map((c) => (
              <li key={c.id} className="request">
                <p><strong>{words.econsult.status[c.status]}</strong> · {words.econsult.sentOn(formatDateTime(c.submitted_at))}
                  {c.status === "open" && <> · {words.home.due(formatDate(c.due_date))}</>}</p>
                <blockquote>{c.text}</blockquote>
                {c.answer && <><h3>{words.econsult.answer}</h3><p className="answer">{c.answer}</p></>}
                {c.declined_reason && <><h3>{words.econsult.declinedReason}</h3><p className="answer">{c.declined_reason}</p>
                  {c.advice && <p>{c.advice} <Link to="/time">{words.renew.bookInstead}</Link></p>}</>}
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
  const [text, setText, clearDraft] = useDraft("eportal.draft.econsult"); // kept if the session ends meanwhile
  const [accepted, setAccepted] = useState(false);
  const count = questionState(text, g.max_chars);
  const medicines = useLoad(patientApi.medications);
  const hint = useRenewalHint(text, (medicines.data ?? []).map((m: Medication) => m.name));
  const send = useAction(async () => {
    const created = await patientApi.ask(text);
    clearDraft();
    setAccepted(false);
    onSent(created);
  });
  return (
    <>
      {!g.open && <Notice kind="warning">{words.econsult.closed} <Link to="/time">{words.home.bookNow}</Link></Notice>}
      <p>{words.econsult.purpose(g.max_chars)}</p>
      <p className="alert alert-warning"><Say text={words.econsult.notAcute} /></p>
      <p>{words.econsult.answerTime}</p>
      <div className="two-lists">
        <section aria-labelledby="may-ask"><h2 id="may-ask">{words.econsult.mayAsk}</h2>
          <ul className="yes">{words.econsult.mayAskList.map((t) => <li key={t}>{t}</li>)}</ul></section>
        <section aria-labelledby="may-not-ask"><h2 id="may-not-ask">{words.econsult.mayNotAsk}</h2>
          <ul className="no">{words.econsult.mayNotAskList.map((t) => <li key={t}>{t}</li>)}</ul></section>
      </div>
      <p>{words.econsult.renewals} <Link to="/resept">{words.nav.renew}</Link></p>
      <section aria-labelledby="price-title" className="price">
        <h2 id="price-title">{words.econsult.price}</h2>
        <p className="big">{priceText(g.price)}</p>
        <p className="hint">{words.econsult.billing}</p>
      </section>
      {g.open && !restricted && (
        <form onSubmit={(e: FormEvent) => { e.preventDefault(); void send.run(); }} noValidate>
          <Field label={words.econsult.question}>
            {(p) => (
              <>
                <textarea {...p} rows={6} value={text} onChange={(e) => setText(e.target.value)}
                  aria-describedby={`${p.id}-counter`} aria-invalid={count.over > 0 || undefined} />
                <p id={`${p.id}-counter`} className={count.over > 0 ? "counter over" : "counter"} aria-live="polite">
                  {words.econsult.counter(count.used, count.max)}{count.over > 0 && <> – {words.econsult.overLimit(count.over)}</>}
                </p>
                {hint && <Notice kind="info">{words.econsult.renewalHint} <Link to="/resept">{words.nav.renew}</Link></Notice>}
              </>
            )}
          </Field>
          <div className="checkbox">
            <input type="checkbox" id="accept-terms" checked={accepted} onChange={(e) => setAccepted(e.target.checked)} />
            <label htmlFor="accept-terms">{words.econsult.accept}</label>
          </div>
          <ErrorMessage error={send.error} />
          <Busy busy={send.busy} label={words.econsult.submit} disabled={!count.sendable || !accepted} />
        </form>
      )}
    </>
  );
}
