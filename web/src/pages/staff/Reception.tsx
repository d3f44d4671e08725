import { useState, type FormEvent } from "react";
import { staffApi } from "../../api/staff";
import type { Medication } from "../../api/types";
import { useAction } from "../../components/hooks";
import { Busy, ErrorMessage, Field, Notice, Page } from "../../components/ui";
import { formatDate } from "../../logic/time";
import { useSession } from "../../session";
import { nb } from "../../text/nb";
import { DoctorPicker } from "./DoctorPicker";

const t = nb.reception;

type Chosen = { id: string; name: string; firstContactDone: boolean | null };

function chosenFrom(r: Record<string, unknown>, name = ""): Chosen {
  return { id: String(r.id ?? r.patient_id ?? ""), name: typeof r.name === "string" ? r.name : name,
    firstContactDone: typeof r.first_contact_done === "boolean" ? r.first_contact_done : null };
}

export function Reception() {
  const { staff } = useSession();
  const [chosen, setChosen] = useState<Chosen | null>(null);
  const isReception = staff?.role === "reception";
  // Reception (and a doctor, on their own list) finds patients by name or national ID; the billing office
  // may not search the list and comes here with the patient's id from an invoice.
  const maySearch = staff?.role === "reception" || staff?.role === "doctor";
  const patientId = chosen?.id ?? "";
  return (
    <Page title={t.title}>
      {isReception && <RegisterPatient onRegistered={setChosen} />}
      {maySearch ? <FindPatient chosen={chosen} onChosen={setChosen} /> : (
        <section className="card">
          <h2>{t.find}</h2>
          <Field label={t.patientId}>
            {(p) => <input {...p} value={patientId}
              onChange={(e) => setChosen({ id: e.target.value.trim(), name: "", firstContactDone: null })} />}
          </Field>
        </section>
      )}
      {patientId && isReception && <FirstContact key={`fc-${patientId}`} patientId={patientId} done={chosen?.firstContactDone ?? null} />}
      {patientId && isReception && <PhoneRenewal key={`pr-${patientId}`} patientId={patientId} />}
      {patientId && staff?.role !== "doctor" && <Frikort key={`fk-${patientId}`} patientId={patientId} />}
    </Page>
  );
}

/** Search by (part of) the name or the whole national ID. A POST: a national ID never travels in a URL. */
function FindPatient({ chosen, onChosen }: { chosen: Chosen | null; onChosen: (c: Chosen) => void }) {
  const [query, setQuery] = useState("");
  const [found, setFound] = useState<Record<string, unknown>[] | null>(null);
  const search = useAction(async () => setFound(await staffApi.findPatients(query.trim())));
  return (
    <section className="card">
      <h2>{t.find}</h2>
      <form role="search" aria-label={t.find} onSubmit={(e: FormEvent) => { e.preventDefault(); void search.run(); }}>
        <Field label={t.searchLabel} hint={t.searchHint}>
          {(p) => <input {...p} type="search" autoComplete="off" value={query} onChange={(e) => setQuery(e.target.value)} />}
        </Field>
        <ErrorMessage error={search.error} />
        <Busy busy={search.busy} label={t.search} busyLabel={t.searching} disabled={!query.trim()} />
      </form>
      {found !== null && (
        <div role="status">
          {found.length === 0 ? <p>{t.noneFound}</p> : (
            <ul className="plain">
              {found.map((r) => {
                const c = chosenFrom(r);
                const born = typeof r.birth_date === "string" ? r.birth_date.split("-").reverse().join(".") : "";
                return (
                  <li key={c.id}>
                    <strong>{c.name}</strong>{born && <>, {t.born(born)}</>}
                    {c.firstContactDone === false && <>{" "}<span className="badge">{t.noFirstContact}</span></>}
                    {" "}
                    {chosen?.id === c.id ? <span className="badge badge-ok">{t.chosen}</span> : (
                      <button type="button" className="secondary" aria-label={t.choose(c.name)}
                        onClick={() => onChosen(c)}>{t.chooseShort}</button>
                    )}
                  </li>
                );
              })}
            </ul>
          )}
        </div>
      )}
      {chosen?.name && <p>{t.selectedPatient(chosen.name)}</p>}
    </section>
  );
}

function RegisterPatient({ onRegistered }: { onRegistered: (c: Chosen) => void }) {
  const [f, setF] = useState({ national_id: "", name: "", birth_date: "", mobile: "", email: "", gp_id: "" });
  const [done, setDone] = useState<string | null>(null);
  const register = useAction(async () => {
    const body: Record<string, unknown> = { national_id: f.national_id.trim(), name: f.name.trim(), gp_id: f.gp_id,
      ...(f.birth_date ? { birth_date: f.birth_date } : {}), ...(f.mobile.trim() ? { mobile: f.mobile.trim() } : {}),
      ...(f.email.trim() ? { email: f.email.trim() } : {}) };
    const created = await staffApi.registerPatient(body);
    setDone(t.registered(f.name.trim()));
    onRegistered(chosenFrom(created, f.name.trim()));
  });
  const input = (key: keyof typeof f, label: string, type = "text", autoComplete = "off") => (
    <Field label={label}>
      {(p) => <input {...p} type={type} autoComplete={autoComplete} value={f[key]} onChange={(e) => setF({ ...f, [key]: e.target.value })} />}
    </Field>
  );
  return (
    <section className="card">
      <h2>{t.register}</h2>
      <form onSubmit={(e: FormEvent) => { e.preventDefault(); setDone(null); void register.run(); }}>
        {input("national_id", t.nationalId)}
        {input("name", t.name)}
        {input("birth_date", t.birthDate, "date")}
        {input("mobile", t.mobile, "tel")}
        {input("email", t.email, "email")}
        <DoctorPicker label={t.gp} value={f.gp_id} onChange={(gp_id) => setF({ ...f, gp_id })} />
        <ErrorMessage error={register.error} />
        {done && <Notice>{done}</Notice>}
        <Busy busy={register.busy} label={t.register} />
      </form>
    </section>
  );
}

function FirstContact({ patientId, done: already }: { patientId: string; done: boolean | null }) {
  const [done, setDone] = useState(false);
  const mark = useAction(async () => { await staffApi.updatePatient(patientId, { first_contact_done: true }); setDone(true); });
  return (
    <section className="card">
      <h2>{t.firstContact}</h2>
      <ErrorMessage error={mark.error} />
      {already === true && !done ? <p>{t.firstContactAlready}</p> : done ? <Notice>{t.updated}</Notice> :
        <Busy type="button" busy={mark.busy} label={t.markFirstContact} onClick={() => void mark.run()} />}
    </section>
  );
}

function PhoneRenewal({ patientId }: { patientId: string }) {
  const [meds, setMeds] = useState<Medication[] | null>(null);
  const [chosen, setChosen] = useState<string[]>([]);
  const [message, setMessage] = useState("");
  const [done, setDone] = useState<string | null>(null);
  const load = useAction(async () => setMeds(await staffApi.patientMedications(patientId)));
  const send = useAction(async () => {
    const r = await staffApi.phoneRenewal(patientId, chosen, message);
    setDone(t.phoneRenewalSent(r.due_date ? formatDate(r.due_date) : ""));
    setChosen([]);
  });
  return (
    <section className="card">
      <h2>{t.phoneRenewal}</h2>
      {meds === null ? (
        <>
          <ErrorMessage error={load.error} />
          <Busy type="button" busy={load.busy} label={t.medicationIds} busyLabel={nb.app.loading} onClick={() => void load.run()} />
        </>
      ) : (
        <form onSubmit={(e: FormEvent) => { e.preventDefault(); void send.run(); }}>
          <fieldset>
            <legend>{t.medicationIds}</legend>
            {meds.map((m) => (
              <div className="checkbox" key={m.id}>
                <input type="checkbox" id={`phone-${m.id}`} checked={chosen.includes(m.id)}
                  disabled={!chosen.includes(m.id) && chosen.length >= 3}
                  onChange={() => setChosen((c) => c.includes(m.id) ? c.filter((x) => x !== m.id) : [...c, m.id])} />
                <label htmlFor={`phone-${m.id}`}>{m.name}{!m.renewable && <> – {nb.renewalReasons[m.code ?? ""] ?? nb.renew.notRenewable}</>}</label>
              </div>
            ))}
          </fieldset>
          <Field label={nb.renew.message}>
            {(p) => <textarea {...p} rows={2} value={message} onChange={(e) => setMessage(e.target.value)} />}
          </Field>
          <ErrorMessage error={send.error} />
          {done && <Notice>{done}</Notice>}
          <Busy busy={send.busy} label={nb.renew.submit} disabled={chosen.length === 0} />
        </form>
      )}
    </section>
  );
}

function Frikort({ patientId }: { patientId: string }) {
  const [year, setYear] = useState(String(new Date().getFullYear()));
  const [card, setCard] = useState("");
  const [done, setDone] = useState(false);
  const save = useAction(async () => { await staffApi.frikort(patientId, Number(year), card.trim()); setDone(true); });
  return (
    <section className="card">
      <h2>{t.frikort}</h2>
      <form onSubmit={(e: FormEvent) => { e.preventDefault(); setDone(false); void save.run(); }}>
        <Field label={t.year}>{(p) => <input {...p} inputMode="numeric" value={year} onChange={(e) => setYear(e.target.value)} />}</Field>
        <Field label={t.cardNumber}>{(p) => <input {...p} value={card} onChange={(e) => setCard(e.target.value)} />}</Field>
        <ErrorMessage error={save.error} />
        {done && <Notice>{t.frikortSaved}</Notice>}
        <Busy busy={save.busy} label={nb.app.save} />
      </form>
    </section>
  );
}
