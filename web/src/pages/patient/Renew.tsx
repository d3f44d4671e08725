import { useState, type FormEvent } from "react";
import { Link } from "react-router-dom";
import { patientApi } from "../../api/patient";
import type { Medication, Renewal } from "../../api/types";
import { useAction, useLoad } from "../../components/hooks";
import { Busy, ErrorMessage, Field, Notice, Page, Section } from "../../components/ui";
import { itemStatus, MAX_MEDICINES, selectable, toggle } from "../../logic/renewal";
import { formatDate } from "../../logic/time";
import { useSession } from "../../session";
import { nb } from "../../text/nb";
import { Restrictions } from "./Home";

export function Renew() {
  const { me } = useSession();
  const medications = useLoad(patientApi.medications);
  const renewals = useLoad(patientApi.renewals);
  const [chosen, setChosen] = useState<string[]>([]);
  const [message, setMessage] = useState("");
  const [sent, setSent] = useState<Renewal | null>(null);
  const submit = useAction(async () => {
    const created = await patientApi.renew(chosen, message);
    setSent(created);
    setChosen([]);
    setMessage("");
    renewals.reload();
  });
  const restricted = (me?.restrictions.length ?? 0) > 0;
  const hasOpen = (renewals.data ?? []).some((r) => ["open", "pending", "submitted"].includes(r.status));

  return (
    <Page title={nb.renew.title} lead={nb.renew.lead}>
      <Restrictions codes={me?.restrictions ?? []} />
      <p>{nb.renew.tooMany} <Link to="/time">{nb.renew.bookInstead}</Link></p>
      {sent && <Notice>{nb.renew.sent(sent.due_date ? formatDate(sent.due_date) : "")}</Notice>}
      <Section state={medications}>
        {(meds: Medication[]) => meds.length === 0 ? <p>{nb.renew.noMedicines}</p> : (
          <form onSubmit={(e: FormEvent) => { e.preventDefault(); void submit.run(); }} noValidate>
            <fieldset>
              <legend>{nb.renew.choose} <span className="counter" aria-live="polite">{nb.renew.chosen(chosen.length)}</span></legend>
              <ul className="choices">
                {meds.map((m) => {
                  const id = `med-${m.id}`;
                  const why = m.renewable ? null : nb.renewalReasons[m.code ?? ""] ?? nb.renew.notRenewable;
                  return (
                    <li key={m.id} className={m.renewable ? "choice" : "choice disabled"}>
                      <input type="checkbox" id={id} checked={chosen.includes(m.id)}
                        disabled={restricted || !selectable(chosen, m)} aria-describedby={why ? `${id}-why` : undefined}
                        onChange={() => setChosen((c) => toggle(c, m))} />
                      <label htmlFor={id}>
                        <span className="med-name">{m.name}</span>{m.strength && <> {m.strength}</>}
                        {m.group && <span className="hint"> · {nb.renew.group(m.group)}</span>}
                      </label>
                      {why && (
                        <p className="why" id={`${id}-why`}>
                          <strong>{nb.renew.notRenewable}:</strong> {why} <Link to="/time">{nb.renew.bookInstead}</Link>
                        </p>
                      )}
                    </li>
                  );
                })}
              </ul>
              {chosen.length >= MAX_MEDICINES && <p className="hint" role="status">{nb.renew.limitReached}</p>}
            </fieldset>
            <Field label={nb.renew.message}>
              {(p) => <textarea {...p} rows={3} maxLength={1000} value={message} onChange={(e) => setMessage(e.target.value)} />}
            </Field>
            {hasOpen && <Notice kind="info">{nb.renew.alreadyOpen}</Notice>}
            <ErrorMessage error={submit.error} />
            <Busy busy={submit.busy} label={nb.renew.submit} disabled={chosen.length === 0 || restricted || hasOpen} />
          </form>
        )}
      </Section>
      <Section title={nb.renew.myRequests} state={renewals}>
        {(items: Renewal[]) => items.length === 0 ? <p>{nb.renew.noRequests}</p> : (
          <ul className="plain">
            {items.map((r) => (
              <li key={r.id} className="request">
                <strong>{nb.renew.status[r.status] ?? r.status}</strong>
                {r.due_date && <> – {nb.home.due(formatDate(r.due_date))}</>}
                <ul>{r.items.map((i) => (
                  <li key={i.medication_id}>{i.name}{i.outcome && <>: {nb.renew.status[itemStatus(i)] ?? itemStatus(i)}</>}
                    {i.reason && <> – {nb.renew.reason(i.reason)}</>}</li>
                ))}</ul>
              </li>
            ))}
          </ul>
        )}
      </Section>
    </Page>
  );
}
