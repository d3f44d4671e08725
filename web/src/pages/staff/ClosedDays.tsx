import { useState, type FormEvent } from "react";
import { Link } from "react-router-dom";
import { staffApi, type ClosedDay } from "../../api/staff";
import { useAction, useLoad } from "../../components/hooks";
import { Busy, ErrorMessage, Field, FocusHeading, Notice, Section } from "../../components/ui";
import { formatDate, isoDay, osloDay } from "../../logic/time";
import { words } from "../../text";

const t = words.closedDays;

/** The clinic's closed days (Christmas Eve, a staff day): one fact for every service's working days. Reception
 * closes a day (its free slots are withdrawn; booked appointments stay until someone cancels them, so the list
 * says how many are left) and opens it again. Each change is confirmed first: it moves due dates clinic-wide. */
export function ClosedDays() {
  const list = useLoad(staffApi.closedDays);
  const [done, setDone] = useState<string | null>(null);
  const changed = (message: string) => { setDone(message); list.reload(); };
  return (
    <section className="card">
      <h2>{t.title}</h2>
      <p className="hint">{t.lead}</p>
      {done && <Notice key={done} takeFocus>{done}</Notice>}
      <Section state={list}>
        {(days: ClosedDay[]) => days.length === 0 ? <p>{t.none}</p> : (
          <ul className="plain closed-days">
            {days.map((d) => <li key={d.day}><Day day={d} onReopened={changed} /></li>)}
          </ul>
        )}
      </Section>
      <CloseDay onClosed={changed} />
    </section>
  );
}

function Day({ day, onReopened }: { day: ClosedDay; onReopened: (message: string) => void }) {
  const [asking, setAsking] = useState(false);
  const reopen = useAction(async () => {
    const answer = await staffApi.reopenDay(day.day);
    onReopened(t.reopened(formatDate(day.day), answer.restored_slots));
  });
  const headingId = `reopen-${day.day}`;
  return (
    <>
      <strong>{formatDate(day.day)}</strong>{day.reason && <> · {day.reason}</>}
      {day.booked_appointments > 0 && (
        <p className="hint">{t.stillBooked(day.booked_appointments)}{" "}
          <Link to="/ansatt/timebok">{t.toCalendar}</Link></p>
      )}
      {!asking ? (
        <button type="button" className="secondary" onClick={() => { reopen.clear(); setAsking(true); }}>
          {t.reopen}</button>
      ) : (
        <div className="confirm" role="group" aria-labelledby={headingId}>
          <FocusHeading id={headingId} level={3}>{t.reopenQuestion(formatDate(day.day))}</FocusHeading>
          <ErrorMessage error={reopen.error} />
          <Busy type="button" busy={reopen.busy} label={t.reopenConfirm} onClick={() => void reopen.run()} />
          <button type="button" className="secondary" onClick={() => setAsking(false)}>{t.keepClosed}</button>
        </div>
      )}
    </>
  );
}

function CloseDay({ onClosed }: { onClosed: (message: string) => void }) {
  const [day, setDay] = useState("");
  const [reason, setReason] = useState("");
  const [asking, setAsking] = useState(false);
  const close = useAction(async () => {
    const answer = await staffApi.closeDay(day, reason);
    setAsking(false);
    setDay("");
    setReason("");
    onClosed(t.closed(formatDate(answer.day), answer.withdrawn_slots, answer.booked_appointments));
  });
  const today = isoDay(osloDay(new Date()));
  return (
    <form onSubmit={(e: FormEvent) => { e.preventDefault(); close.clear(); setAsking(true); }} noValidate>
      <h3>{t.closeTitle}</h3>
      <Field label={t.day} required error={close.error?.fields.day}>
        {(p) => <input {...p} type="date" min={today} value={day}
          onChange={(e) => { setAsking(false); setDay(e.target.value); }} />}
      </Field>
      <Field label={t.reason} hint={t.reasonHint} error={close.error?.fields.reason}>
        {(p) => <input {...p} type="text" maxLength={200} value={reason} onChange={(e) => setReason(e.target.value)} />}
      </Field>
      {!asking ? <Busy busy={false} label={t.close} disabled={!day} /> : (
        <div className="confirm" role="group" aria-labelledby="close-day-question">
          <FocusHeading id="close-day-question" level={3}>{t.closeQuestion(formatDate(day))}</FocusHeading>
          <p>{t.closeExplained}</p>
          <ErrorMessage error={close.error} />
          <Busy type="button" className="danger" busy={close.busy} label={t.closeConfirm} onClick={() => void close.run()} />
          <button type="button" className="secondary" onClick={() => setAsking(false)}>{t.keepOpen}</button>
        </div>
      )}
    </form>
  );
}
