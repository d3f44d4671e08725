import { useState, type FormEvent } from "react";
import { staffApi } from "../../api/staff";
import { useAction } from "../../components/hooks";
import { Busy, ErrorMessage, Field, Notice } from "../../components/ui";
import { words } from "../../text";
import { DoctorPicker } from "./DoctorPicker";

const t = words.reception;
const WEEKDAYS = words.dates.weekdays.slice(1, 6); // Monday to Friday (the catalogue counts from Sunday)

/** Open one slot, or a weekly template of slots. A doctor opens their own; reception names the doctor. */
export function OpenSlots({ chooseDoctor, onOpened }: { chooseDoctor: boolean; onOpened: () => void }) {
  const [doctor, setDoctor] = useState("");
  const [weekly, setWeekly] = useState(false);
  const [start, setStart] = useState("");
  const [minutes, setMinutes] = useState("20");
  const [online, setOnline] = useState(true);
  const [days, setDays] = useState<number[]>([1, 2, 3, 4, 5]);
  const [from, setFrom] = useState("08:00");
  const [to, setTo] = useState("11:00");
  const [validFrom, setValidFrom] = useState("");
  const [done, setDone] = useState<string | null>(null);
  const open = useAction(async () => {
    const doctorId = chooseDoctor ? doctor : undefined;
    if (weekly) {
      const made = await staffApi.openWeekly(doctorId, { weekdays: days, day_starts: from, day_ends: to,
        slot_minutes: Number(minutes), online, valid_from: validFrom });
      setDone(t.weeklyOpened(made.slots_made ?? 0));
    } else {
      await staffApi.openSlot(doctorId, new Date(start).toISOString(), Number(minutes), online);
      setDone(t.slotOpened);
    }
    onOpened();
  });
  return (
    <section className="card">
      <h2>{t.openSlots}</h2>
      <form onSubmit={(e: FormEvent) => { e.preventDefault(); setDone(null); void open.run(); }}>
        {chooseDoctor && <DoctorPicker value={doctor} onChange={setDoctor} />}
        <fieldset>
          <legend>{t.slotKind}</legend>
          <span className="radio"><input type="radio" id="kind-one" name="kind" checked={!weekly} onChange={() => setWeekly(false)} />
            <label htmlFor="kind-one">{t.oneSlot}</label></span>
          <span className="radio"><input type="radio" id="kind-weekly" name="kind" checked={weekly} onChange={() => setWeekly(true)} />
            <label htmlFor="kind-weekly">{t.weekly}</label></span>
        </fieldset>
        {!weekly ? (
          <Field label={t.start} error={open.error?.fields.start}>{(p) => <input {...p} type="datetime-local" value={start} onChange={(e) => setStart(e.target.value)} />}</Field>
        ) : (
          <>
            <fieldset>
              <legend>{t.weekdays}</legend>
              {WEEKDAYS.map((name, n) => (
                <span className="checkbox" key={name}>
                  <input type="checkbox" id={`day-${n + 1}`} checked={days.includes(n + 1)}
                    onChange={() => setDays((d) => d.includes(n + 1) ? d.filter((x) => x !== n + 1) : [...d, n + 1].sort())} />
                  <label htmlFor={`day-${n + 1}`}>{name}</label>
                </span>
              ))}
            </fieldset>
            <Field label={t.dayStarts} error={open.error?.fields.day_starts}>{(p) => <input {...p} type="time" value={from} onChange={(e) => setFrom(e.target.value)} />}</Field>
            <Field label={t.dayEnds} error={open.error?.fields.day_ends}>{(p) => <input {...p} type="time" value={to} onChange={(e) => setTo(e.target.value)} />}</Field>
            <Field label={t.validFrom} error={open.error?.fields.valid_from}>{(p) => <input {...p} type="date" value={validFrom} onChange={(e) => setValidFrom(e.target.value)} />}</Field>
          </>
        )}
        <Field label={t.minutes} error={open.error?.fields.minutes ?? open.error?.fields.slot_minutes}>{(p) => <input {...p} type="number" min={5} max={240} value={minutes} onChange={(e) => setMinutes(e.target.value)} />}</Field>
        <div className="checkbox">
          <input type="checkbox" id="slot-online" checked={online} onChange={(e) => setOnline(e.target.checked)} />
          <label htmlFor="slot-online">{t.online}</label>
        </div>
        <ErrorMessage error={open.error} />
        {done && <Notice takeFocus>{done}</Notice>}
        <Busy busy={open.busy} label={t.openSlots} disabled={weekly ? !validFrom || days.length === 0 : !start} />
      </form>
    </section>
  );
}
