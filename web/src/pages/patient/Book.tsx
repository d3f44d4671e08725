import { useState, type FormEvent } from "react";
import { patientApi } from "../../api/patient";
import type { Appointment, Slot } from "../../api/types";
import { useAction, useLoad } from "../../components/hooks";
import { Busy, ErrorMessage, Field, FocusHeading, Notice, Page, Section } from "../../components/ui";
import { addDays, cancelDeadline, formatDate, formatDateTime, formatTime, isoDay, isWorkingDay, mondayOf, osloDay } from "../../logic/time";
import { useSession } from "../../session";
import { nb } from "../../text/nb";
import { Restrictions } from "./Home";

/** Whether the patient may cancel online right now, and if not, why (shown before the server refuses). */
export function cancelState(a: Appointment, now = new Date()): "ok" | "too_late" | "not_working_day" {
  const deadline = a.patient_may_cancel_until ? new Date(a.patient_may_cancel_until) : cancelDeadline(new Date(a.starts_at));
  if (now > deadline) return "too_late";
  if (!isWorkingDay(osloDay(now))) return "not_working_day";
  return "ok";
}

export function Book() {
  const { me } = useSession();
  const [monday, setMonday] = useState(() => mondayOf(new Date()));
  const sunday = addDays(monday, 6);
  const slots = useLoad(() => patientApi.slots(isoDay(monday), isoDay(sunday)), [isoDay(monday)]);
  const appointments = useLoad(patientApi.appointments);
  const [chosen, setChosen] = useState<Slot | null>(null);
  const [reason, setReason] = useState("");
  const [done, setDone] = useState<string | null>(null);
  const [asking, setAsking] = useState<Appointment | null>(null);

  const book = useAction(async (slot: Slot) => {
    const booked = await patientApi.book(slot.id, reason);
    setDone(nb.book.booked(formatDateTime(booked.starts_at)));
    setChosen(null);
    setReason("");
    appointments.reload();
    slots.reload();
  });
  const cancel = useAction(async (a: Appointment) => {
    await patientApi.cancel(a.id);
    setDone(nb.book.cancelled);
    setAsking(null);
    appointments.reload();
    slots.reload();
  });

  const upcoming = (appointments.data ?? []).filter((a) => a.status === "booked" && new Date(a.starts_at) > new Date());
  const restricted = (me?.restrictions.length ?? 0) > 0;
  const byDay = new Map<string, Slot[]>();
  for (const s of slots.data ?? []) {
    const day = isoDay(osloDay(new Date(s.starts_at)));
    byDay.set(day, [...(byDay.get(day) ?? []), s]);
  }

  return (
    <Page title={nb.book.title}>
      <Restrictions codes={me?.restrictions ?? []} />
      <section className="card rules" aria-labelledby="rules">
        <h2 id="rules">{nb.book.rulesTitle}</h2>
        <ul>{nb.book.rules.map((r) => <li key={r}>{r}</li>)}</ul>
      </section>
      {done && <Notice>{done}</Notice>}

      <Section title={nb.book.myAppointments} state={appointments}>
        {(items: Appointment[]) => items.length === 0 ? <p>{nb.book.noAppointments}</p> : (
          <ul className="plain">
            {items.map((a) => {
              const state = a.status === "booked" ? cancelState(a) : null;
              return (
                <li key={a.id} className="appointment">
                  <strong>{formatDateTime(a.starts_at)}</strong>
                  {a.status === "cancelled" && <>{" "}<span className="badge">{nb.book.statusCancelled(a.cancelled_by)}</span></>}
                  {a.status === "booked" && a.patient_may_cancel_until &&
                    <p className="hint">{nb.book.cancelDeadline(formatDateTime(a.patient_may_cancel_until))}</p>}
                  {state === "too_late" && <p className="why">{nb.book.tooLateToCancel}</p>}
                  {state === "not_working_day" && <p className="why">{nb.errors["booking.cancel_not_working_day"]}</p>}
                  {state === "ok" && asking?.id !== a.id &&
                    <button type="button" className="secondary" onClick={() => { cancel.clear(); setAsking(a); }}>{nb.book.cancelAppointment}</button>}
                  {asking?.id === a.id && (
                    <div className="confirm" role="group" aria-label={nb.book.cancelQuestion(formatDateTime(a.starts_at))}>
                      <p>{nb.book.cancelQuestion(formatDateTime(a.starts_at))}</p>
                      <ErrorMessage error={cancel.error} />
                      <Busy type="button" className="danger" busy={cancel.busy} label={nb.book.cancelConfirm} onClick={() => void cancel.run(a)} />
                      <button type="button" className="secondary" onClick={() => setAsking(null)}>{nb.app.cancel}</button>
                    </div>
                  )}
                </li>
              );
            })}
          </ul>
        )}
      </Section>

      {chosen && (
        <section className="card confirm-booking" aria-labelledby="confirm-title">
          <FocusHeading id="confirm-title">{nb.book.confirmTitle}</FocusHeading>
          <p className="big">{nb.book.confirmWhen(formatDateTime(chosen.starts_at))}</p>
          <Notice kind="info">{nb.book.cancelDeadline(formatDateTime(cancelDeadline(new Date(chosen.starts_at))))}</Notice>
          <form onSubmit={(e: FormEvent) => { e.preventDefault(); void book.run(chosen); }}>
            <Field label={nb.book.reason}>
              {(p) => <textarea {...p} rows={2} maxLength={2000} value={reason} onChange={(e) => setReason(e.target.value)} />}
            </Field>
            <ErrorMessage error={book.error} />
            <Busy busy={book.busy} label={nb.book.confirm} />
            <button type="button" className="secondary" onClick={() => { setChosen(null); book.clear(); }}>{nb.app.cancel}</button>
          </form>
        </section>
      )}

      <section className="card" aria-labelledby="slots-title">
        <h2 id="slots-title">{nb.book.freeSlots}</h2>
        {upcoming.length > 0 && <p className="hint">{nb.book.alreadyHave}</p>}
        <div className="week-nav">
          <button type="button" className="secondary" onClick={() => setMonday((m) => addDays(m, -7))}
            disabled={isoDay(monday) <= isoDay(mondayOf(new Date()))}>{nb.book.prevWeek}</button>
          <p aria-live="polite">{nb.book.week(formatDate(isoDay(monday)), formatDate(isoDay(sunday)))}</p>
          <button type="button" className="secondary" onClick={() => setMonday((m) => addDays(m, 7))}>{nb.book.nextWeek}</button>
        </div>
        {slots.error && <ErrorMessage error={slots.error} onRetry={slots.reload} />}
        {slots.loading && <p role="status">{nb.app.loading}</p>}
        {!slots.loading && !slots.error && byDay.size === 0 && <p>{nb.book.noSlots}</p>}
        {[...byDay.entries()].map(([day, list]) => (
          <div key={day} className="slot-day">
            <h3>{formatDate(day)}</h3>
            <ul className="slots">
              {list.map((s) => (
                <li key={s.id}>
                  <button type="button" className="slot" aria-label={nb.book.choose(formatDateTime(s.starts_at))}
                    aria-pressed={chosen?.id === s.id} disabled={restricted || upcoming.length > 0}
                    onClick={() => { setChosen(s); setDone(null); book.clear(); }}>
                    {formatTime(s.starts_at)}
                  </button>
                </li>
              ))}
            </ul>
          </div>
        ))}
      </section>
    </Page>
  );
}
