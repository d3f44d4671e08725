import { useState } from "react";
import { staffApi, type CalendarItem } from "../../api/staff";
import { useAction, useLoad } from "../../components/hooks";
import { Busy, ErrorMessage, Field, Notice, Page, Section } from "../../components/ui";
import { formatDate, formatTime, isoDay, osloDay } from "../../logic/time";
import { useSession } from "../../session";
import { nb } from "../../text/nb";
import { DoctorPicker } from "./DoctorPicker";
import { OpenSlots } from "./OpenSlots";

const t = nb.calendar;

export function Calendar() {
  const { staff } = useSession();
  const isDoctor = staff?.role === "doctor";
  const [doctor, setDoctor] = useState("");
  const [day, setDay] = useState(() => isoDay(osloDay(new Date())));
  const ready = isDoctor || doctor !== "";
  const calendar = useLoad(async () => ready ? (await staffApi.calendar(isDoctor ? undefined : doctor, day)).items : [],
    [doctor, day, ready]);
  const [done, setDone] = useState(false);
  const cancel = useAction(async (id: string) => { await staffApi.cancelAppointment(id); setDone(true); calendar.reload(); });
  return (
    <Page title={t.title}>
      <section className="card filters">
        {!isDoctor && <DoctorPicker value={doctor} onChange={setDoctor} />}
        <Field label={t.day}>{(p) => <input {...p} type="date" value={day} onChange={(e) => setDay(e.target.value)} />}</Field>
      </section>
      {done && <Notice>{t.cancelled}</Notice>}
      <ErrorMessage error={cancel.error} />
      <Section title={formatDate(day)} state={calendar}>
        {(items: CalendarItem[]) => items.length === 0 ? <p>{t.empty}</p> : (
          <ul className="plain calendar">
            {items.map((s) => (
              <li key={s.slot_id} className={s.appointment ? "booked" : "free"}>
                <strong>{formatTime(s.starts_at)}–{formatTime(s.ends_at)}</strong>{" "}
                {s.appointment ? t.booked(s.appointment.patient_name ?? "") : t.free}
                {!s.online && <>{" "}<span className="badge">{t.offline}</span></>}
                {s.appointment?.reason && <p className="hint">{t.reason(s.appointment.reason)}</p>}
                {s.appointment && (
                  <Busy type="button" className="secondary" busy={cancel.busy} label={t.cancel}
                    onClick={() => { setDone(false); void cancel.run(s.appointment!.id); }} />
                )}
              </li>
            ))}
          </ul>
        )}
      </Section>
      <OpenSlots chooseDoctor={!isDoctor} onOpened={calendar.reload} />
    </Page>
  );
}
