import { useState, type FormEvent, type ReactNode } from "react";
import { Link } from "react-router-dom";
import { patientApi } from "../../api/patient";
import type { Medication, Renewal } from "../../api/types";
import { useAction, useLoad } from "../../components/hooks";
import { Busy, ErrorMessage, Field, FocusHeading, Notice, Page, Section } from "../../components/ui";
import { itemStatus, MAX_MEDICINES, selectable, toggle } from "../../logic/renewal";
import { formatDate, formatDateTime } from "../../logic/time";
import { useSession } from "../../session";
import { words } from "../../text";
import { Restrictions } from "./Home";

const OPEN = ["open", "pending", "submitted"];

/** The medicines to tick: at most 3, those that cannot be renewed greyed out with why, in the words of whoever
 * reads it (`why`: the patient's, with a link to book; reception's, at the patient's page). */
export function MedicineChoices({ meds, chosen, onChange, disabled = false, why, idPrefix }: {
  meds: Medication[]; chosen: string[]; onChange: (next: (c: string[]) => string[]) => void; disabled?: boolean;
  why: (m: Medication) => ReactNode; idPrefix: string;
}) {
  return (
    <>
      <ul className="choices">
        {meds.map((m) => {
          const id = `${idPrefix}-${m.id}`;
          return (
            <li key={m.id} className={m.renewable ? "choice" : "choice disabled"}>
              <input type="checkbox" id={id} checked={chosen.includes(m.id)}
                disabled={disabled || !selectable(chosen, m)} aria-describedby={m.renewable ? undefined : `${id}-why`}
                onChange={() => onChange((c) => toggle(c, m))} />
              <label htmlFor={id}>
                <span className="med-name">{m.name}</span>{m.strength && <> {m.strength}</>}
                {m.group && <span className="hint"> · {words.renew.group(m.group)}</span>}
              </label>
              {!m.renewable && <p className="why" id={`${id}-why`}>{why(m)}</p>}
            </li>
          );
        })}
      </ul>
      {chosen.length >= MAX_MEDICINES && <p className="hint" role="status">{words.renew.limitReached}</p>}
    </>
  );
}

/** Where the patient looks after sending: what was sent, by when the doctor answers, and what happens next. */
function Receipt({ renewal, names }: { renewal: Renewal; names: string[] }) {
  return (
    <section className="card receipt" aria-labelledby="receipt-title">
      <FocusHeading id="receipt-title">{words.renew.sentTitle}</FocusHeading>
      {names.length > 0 && <ul>{names.map((n) => <li key={n}>{n}</li>)}</ul>}
      {renewal.due_date && <p className="big">{words.renew.sent(formatDate(renewal.due_date))}</p>}
      <p>{words.renew.next}</p>
    </section>
  );
}

export function Renew() {
  const { me } = useSession();
  const medications = useLoad(patientApi.medications);
  const renewals = useLoad(patientApi.renewals);
  const [chosen, setChosen] = useState<string[]>([]);
  const [message, setMessage] = useState("");
  const [sent, setSent] = useState<Renewal | null>(null);
  const [sentIds, setSentIds] = useState<string[]>([]);
  const submit = useAction(async () => {
    const created = await patientApi.renew(chosen, message);
    setSentIds(chosen);
    setSent(created);
    setChosen([]);
    setMessage("");
    renewals.reload();
  });
  const restricted = (me?.restrictions.length ?? 0) > 0;
  const open = (renewals.data ?? []).find((r) => OPEN.includes(r.status));
  const names = (ids: string[]) => (medications.data ?? []).filter((m) => ids.includes(m.id))
    .map((m) => [m.name, m.strength].filter(Boolean).join(" "));

  return (
    <Page title={words.renew.title} lead={words.renew.lead}>
      <Restrictions codes={me?.restrictions ?? []} />
      {sent && <Receipt renewal={sent} names={sent.items.length ? sent.items.map((i) => i.name) : names(sentIds)} />}
      <p>{words.renew.tooMany} <Link to="/time">{words.renew.bookInstead}</Link></p>
      <Section state={medications}>
        {(meds: Medication[]) => meds.length === 0 ? <p>{words.renew.noMedicines}</p> : (
          <form onSubmit={(e: FormEvent) => { e.preventDefault(); void submit.run(); }} noValidate>
            <fieldset>
              <legend>{words.renew.choose} <span className="counter" aria-live="polite">{words.renew.chosen(chosen.length)}</span></legend>
              <MedicineChoices meds={meds} chosen={chosen} onChange={setChosen} disabled={restricted} idPrefix="med"
                why={(m) => <><strong>{words.renew.notRenewable}:</strong>{" "}
                  {words.renewalReasons[m.code ?? ""] ?? words.renew.notRenewable}{" "}
                  <Link to="/time">{words.renew.bookInstead}</Link></>} />
            </fieldset>
            <Field label={words.renew.message}>
              {(p) => <textarea {...p} rows={3} maxLength={1000} value={message} onChange={(e) => setMessage(e.target.value)} />}
            </Field>
            {open && !sent && <Notice kind="info">{words.renew.waiting(
              open.created_at ? formatDateTime(open.created_at) : "", open.due_date ? formatDate(open.due_date) : "")}</Notice>}
            <ErrorMessage error={submit.error} />
            <Busy busy={submit.busy} label={words.renew.submit} disabled={chosen.length === 0 || restricted || !!open} />
          </form>
        )}
      </Section>
      <Section title={words.renew.myRequests} state={renewals}>
        {(items: Renewal[]) => items.length === 0 ? <p>{words.renew.noRequests}</p> : (
          <ul className="plain">
            {items.map((r) => (
              <li key={r.id} className="request">
                <strong>{words.renew.status[r.status] ?? r.status}</strong>
                {r.due_date && OPEN.includes(r.status) && <> – {words.home.due(formatDate(r.due_date))}</>}
                <ul>{r.items.map((i) => (
                  <li key={i.medication_id}>{i.name}{i.outcome && <>: {words.renew.status[itemStatus(i)] ?? itemStatus(i)}</>}
                    {i.reason && <> – {words.renew.reason(i.reason)}</>}</li>
                ))}</ul>
              </li>
            ))}
          </ul>
        )}
      </Section>
    </Page>
  );
}
