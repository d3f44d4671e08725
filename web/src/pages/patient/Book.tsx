import { useEffect, useState, type FormEvent } from "react";
import { patientApi } from "../../api/patient";
import type { Appointment, Slot } from "../../api/types";
import { useClinic } from "../../components/clinic";
import { useAction, useLoad } from "../../components/hooks";
import { Busy, ErrorMessage, Field, FocusHeading, Notice, Page, Say, Section } from "../../components/ui";
import { calendarFile } from "../../logic/ics";
import { addDays, formatDate, formatDateTime, formatTime, isoDay, isWeekend, mondayOf, osloDay } from "../../logic/time";
import { useSession } from "../../session";
import { words } from "../../text";
import { Restrictions } from "./Home";

/** Whether the patient may cancel online right now, and if not, why (shown before the server refuses). The
 * server says it (`patient_cancel_refusal`: it knows the holidays and the clinic's closed days); the deadline and
 * a weekend, plain to see, keep it true while the page stays open past the moment it was loaded. */
export function cancelState(a: Appointment, now = new Date()): "ok" | "too_late" | "not_working_day" {
  if (a.patient_cancel_refusal === "booking.cancel_not_working_day") return "not_working_day";
  if (a.patient_cancel_refusal === "booking.cancel_too_late") return "too_late";
  if (!a.patient_may_cancel_until || now > new Date(a.patient_may_cancel_until)) return "too_late";
  if (isWeekend(osloDay(now))) return "not_working_day";
  return "ok";
}

/** A slot whose online cancel deadline has passed already: booked now, it can only be cancelled by phone. */
export function phoneOnly(slot: Slot, now = new Date()): boolean {
  return !!slot.patient_may_cancel_until && now > new Date(slot.patient_may_cancel_until);
}

// How far ahead the first free slot is looked for: the schedules reach about four months.
const LOOK_AHEAD_DAYS = 120;

export function Book() {
  const { me } = useSession();
  const clinic = useClinic();
  const [today] = useState(() => osloDay(new Date()));
  const first = useLoad(async () => (await patientApi.slots(isoDay(today), isoDay(addDays(today, LOOK_AHEAD_DAYS)), 1))[0] ?? null);
  const [monday, setMonday] = useState<ReturnType<typeof mondayOf> | null>(null);
  // The week of the first free slot, not an empty week (a weekend, a full week): set once it is known.
  useEffect(() => {
    if (monday === null && !first.loading) setMonday(mondayOf(first.data ? new Date(first.data.starts_at) : today));
  }, [first.loading, first.data, monday, today]);
  const week = monday ?? mondayOf(today);
  const sunday = addDays(week, 6);
  const slots = useLoad(async () => monday === null ? [] : patientApi.slots(isoDay(week), isoDay(sunday)), [isoDay(week), monday === null]);
  const appointments = useLoad(patientApi.appointments);
  const [chosen, setChosen] = useState<Slot | null>(null);
  const [reason, setReason] = useState("");
  const [booked, setBooked] = useState<Appointment | null>(null);
  const [cancelled, setCancelled] = useState(false);
  const [asking, setAsking] = useState<Appointment | null>(null);
  const doctor = me?.gpName ?? "";
  const place = clinic?.address ?? "";

  const book = useAction(async (slot: Slot) => {
    setBooked(await patientApi.book(slot.id, reason));
    setChosen(null);
    setReason("");
    appointments.reload();
    slots.reload();
    first.reload();
  });
  const cancel = useAction(async (a: Appointment) => {
    await patientApi.cancel(a.id);
    setCancelled(true);
    setBooked(null);
    setAsking(null);
    appointments.reload();
    slots.reload();
  });
  const choose = (s: Slot) => { setChosen(s); setBooked(null); setCancelled(false); book.clear(); };

  const upcoming = (appointments.data ?? []).filter((a) => a.status === "booked" && new Date(a.starts_at) > new Date());
  const restricted = (me?.restrictions.length ?? 0) > 0;
  const mayBook = !restricted && upcoming.length === 0;
  const byDay = new Map<string, Slot[]>();
  for (const s of slots.data ?? []) {
    const day = isoDay(osloDay(new Date(s.starts_at)));
    byDay.set(day, [...(byDay.get(day) ?? []), s]);
  }
  const anyPhoneOnly = (slots.data ?? []).some((s) => phoneOnly(s));

  return (
    <Page title={words.book.title}>
      <Restrictions codes={me?.restrictions ?? []} />
      <section className="card rules" aria-labelledby="rules">
        <h2 id="rules">{words.book.rulesTitle}</h2>
        <ul>{words.book.rules.map((r) => <li key={r}><Say text={r} /></li>)}</ul>
      </section>
      {booked && (
        <Notice takeFocus>
          <p>{words.book.booked(formatDateTime(booked.starts_at))}</p>
          {doctor && <p>{words.book.withDoctor(doctor, place)}</p>}
          <a className="button secondary" download="legetime.ics"
            href={calendarFile(booked, words.book.calendarTitle(doctor), place)}>{words.book.addToCalendar}</a>
        </Notice>
      )}
      {cancelled && <Notice takeFocus>{words.book.cancelled}</Notice>}

      <Section title={words.book.myAppointments} state={appointments}>
        {(items: Appointment[]) => items.length === 0 ? <p>{words.book.noAppointments}</p> : (
          <ul className="plain">
            {items.map((a) => {
              const state = a.status === "booked" ? cancelState(a) : null;
              return (
                <li key={a.id} className="appointment">
                  <strong>{formatDateTime(a.starts_at)}</strong>
                  {a.status === "cancelled" && <>{" "}<span className="badge">{words.book.statusCancelled(a.cancelled_by)}</span></>}
                  {a.status === "booked" && doctor && <p className="hint">{words.book.withDoctor(doctor, place)}</p>}
                  {a.status === "booked" && a.patient_may_cancel_until && state === "ok" &&
                    <p className="hint">{words.book.cancelDeadline(formatDateTime(a.patient_may_cancel_until))}</p>}
                  {state === "too_late" && <p className="why"><Say text={words.book.tooLateToCancel} /></p>}
                  {state === "not_working_day" && <p className="why"><Say text={words.errors["booking.cancel_not_working_day"]} /></p>}
                  {state === "ok" && asking?.id !== a.id &&
                    <button type="button" className="secondary" onClick={() => { cancel.clear(); setCancelled(false); setAsking(a); }}>
                      {words.book.cancelAppointment}</button>}
                  {asking?.id === a.id && (
                    <div className="confirm" role="group" aria-labelledby={`cancel-${a.id}`}>
                      <FocusHeading id={`cancel-${a.id}`} level={3}>{words.book.cancelQuestion(formatDateTime(a.starts_at))}</FocusHeading>
                      <ErrorMessage error={cancel.error} />
                      <Busy type="button" className="danger" busy={cancel.busy} label={words.book.cancelConfirm} onClick={() => void cancel.run(a)} />
                      <button type="button" className="secondary" onClick={() => setAsking(null)}>{words.book.keep}</button>
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
          <FocusHeading id="confirm-title">{words.book.confirmTitle}</FocusHeading>
          <p className="big">{words.book.confirmWhen(formatDateTime(chosen.starts_at))}</p>
          {doctor && <p>{words.book.withDoctor(doctor, place)}</p>}
          {chosen.patient_may_cancel_until && (phoneOnly(chosen)
            ? <Notice kind="warning"><Say text={words.book.onlyByPhone(formatDateTime(chosen.patient_may_cancel_until))} /></Notice>
            : <Notice kind="info">{words.book.cancelDeadline(formatDateTime(chosen.patient_may_cancel_until))}</Notice>)}
          <form onSubmit={(e: FormEvent) => { e.preventDefault(); void book.run(chosen); }}>
            <Field label={words.book.reason}>
              {(p) => <textarea {...p} rows={2} maxLength={2000} value={reason} onChange={(e) => setReason(e.target.value)} />}
            </Field>
            <ErrorMessage error={book.error} />
            <Busy busy={book.busy} label={words.book.confirm} />
            <button type="button" className="secondary" onClick={() => { setChosen(null); book.clear(); }}>{words.app.cancel}</button>
          </form>
        </section>
      )}

      <section className="card" aria-labelledby="slots-title">
        <h2 id="slots-title">{doctor ? words.book.freeSlotsWith(doctor) : words.book.freeSlots}</h2>
        {upcoming.length > 0 && <p className="hint">{words.book.alreadyHave}</p>}
        {first.data && mayBook && !chosen && (
          <p><button type="button" onClick={() => choose(first.data!)}>
            {words.book.firstFree(formatDateTime(first.data.starts_at))}</button></p>
        )}
        <div className="week-nav">
          <button type="button" className="secondary" onClick={() => setMonday(addDays(week, -7))}
            disabled={isoDay(week) <= isoDay(mondayOf(today))}>{words.book.prevWeek}</button>
          <p aria-live="polite">{words.book.week(formatDate(isoDay(week)), formatDate(isoDay(sunday)))}</p>
          <button type="button" className="secondary" onClick={() => setMonday(addDays(week, 7))}>{words.book.nextWeek}</button>
        </div>
        {slots.error && <ErrorMessage error={slots.error} onRetry={slots.reload} />}
        {(slots.loading || first.loading) && <p role="status">{words.app.loading}</p>}
        {!slots.loading && !first.loading && !slots.error && byDay.size === 0 && <p>{words.book.noSlots}</p>}
        {anyPhoneOnly && <p className="hint">{words.book.phoneOnlyLegend}</p>}
        {[...byDay.entries()].map(([day, list]) => (
          <div key={day} className="slot-day">
            <h3>{formatDate(day)}</h3>
            <ul className="slots">
              {list.map((s) => {
                const late = phoneOnly(s);
                return (
                  <li key={s.id} className={late ? "phone-only" : undefined}>
                    <button type="button" className="slot" aria-label={words.book.choose(formatDateTime(s.starts_at))}
                      aria-describedby={late ? `note-${s.id}` : undefined}
                      aria-pressed={chosen?.id === s.id} disabled={!mayBook} onClick={() => choose(s)}>
                      {formatTime(s.starts_at)}
                    </button>
                    {late && <span className="slot-note" id={`note-${s.id}`}>{words.book.phoneOnlyShort}</span>}
                  </li>
                );
              })}
            </ul>
          </div>
        ))}
      </section>
    </Page>
  );
}
