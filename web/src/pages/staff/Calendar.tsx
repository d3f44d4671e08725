import { useState } from "react";
import { Link } from "react-router-dom";
import { staffApi, type CalendarItem } from "../../api/staff";
import { useAction, useLoad } from "../../components/hooks";
import { Busy, ErrorMessage, Field, FocusHeading, Notice, Page, PatientName, Section } from "../../components/ui";
import { formatDate, formatTime, isoDay, osloDay } from "../../logic/time";
import { useSession } from "../../session";
import { words } from "../../text";
import { DoctorPicker } from "./DoctorPicker";
import { OpenSlots } from "./OpenSlots";

const t = words.calendar;

type Booked = NonNullable<CalendarItem["appointment"]>;

/** Cancelling from the calendar: asked first (the patient is told at once), and the result said where it
 * happened, not at the top of a long page. */
export function CancelAppointment({ appointment, startsAt, onCancelled }: {
  appointment: Pick<Booked, "id" | "patient_name">; startsAt: string; onCancelled?: () => void;
}) {
  const [asking, setAsking] = useState(false);
  const [done, setDone] = useState(false);
  const cancel = useAction(async () => { await staffApi.cancelAppointment(appointment.id); setDone(true); onCancelled?.(); });
  if (done) return <Notice takeFocus>{t.cancelled}</Notice>;
  if (!asking) {
    return <button type="button" className="secondary" onClick={() => { cancel.clear(); setAsking(true); }}>{t.cancel}</button>;
  }
  return (
    <div className="confirm" role="group" aria-labelledby={`cancel-${appointment.id}`}>
      <FocusHeading id={`cancel-${appointment.id}`} level={3}>
        {t.cancelQuestion(formatTime(startsAt), appointment.patient_name ?? "")}</FocusHeading>
      <ErrorMessage error={cancel.error} />
      <Busy type="button" className="danger" busy={cancel.busy} label={t.cancelConfirm} onClick={() => void cancel.run()} />
      <button type="button" className="secondary" onClick={() => setAsking(false)}>{words.book.keep}</button>
    </div>
  );
}

export function Calendar() {
  const { staff } = useSession();
  const isDoctor = staff?.role === "doctor";
  const [doctor, setDoctor] = useState("");
  const [day, setDay] = useState(() => isoDay(osloDay(new Date())));
  const ready = isDoctor || doctor !== "";
  const calendar = useLoad(async () => ready ? (await staffApi.calendar(isDoctor ? undefined : doctor, day)).items : [],
    [doctor, day, ready]);
  return (
    <Page title={t.title}>
      <section className="card filters">
        {!isDoctor && <DoctorPicker value={doctor} onChange={setDoctor} />}
        <Field label={t.day}>{(p) => <input {...p} type="date" value={day} onChange={(e) => setDay(e.target.value)} />}</Field>
      </section>
      <Section title={formatDate(day)} state={calendar}>
        {(items: CalendarItem[]) => items.length === 0 ? <p>{t.empty}</p> : (
          <ul className="plain calendar">
            {items.map((s) => (
              <li key={s.slot_id} className={s.appointment ? "booked" : "free"}>
                <strong>{formatTime(s.starts_at)}–{formatTime(s.ends_at)}</strong>{" "}
                {s.appointment ? <>{t.booked}{" "}
                  {isDoctor ? <PatientName name={s.appointment.patient_name} birthDate={s.appointment.patient_birth_date} />
                    : <Link to={`/ansatt/pasient/${s.appointment.patient_id}`}>
                      <PatientName name={s.appointment.patient_name} birthDate={s.appointment.patient_birth_date} /></Link>}
                </> : t.free}
                {!s.online && <>{" "}<span className="badge">{t.offline}</span></>}
                {s.appointment?.reason && <p className="hint">{t.reason(s.appointment.reason)}</p>}
                {/* The list is not reloaded after a cancel: the result stays where it was done, until the day changes. */}
                {s.appointment && <CancelAppointment appointment={s.appointment} startsAt={s.starts_at} />}
              </li>
            ))}
          </ul>
        )}
      </Section>
      <OpenSlots chooseDoctor={!isDoctor} onOpened={calendar.reload} />
    </Page>
  );
}
