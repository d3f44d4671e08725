import { useState, type FormEvent } from "react";
import { Link } from "react-router-dom";
import { staffApi } from "../../api/staff";
import { useAction } from "../../components/hooks";
import { Busy, ErrorMessage, Field, Notice, Page, PatientName, RequiredNote } from "../../components/ui";
import { birthDateFromNationalId } from "../../logic/nationalId";
import { useSession } from "../../session";
import { words } from "../../text";
import { ClosedDays } from "./ClosedDays";
import { DoctorPicker } from "./DoctorPicker";

const t = words.reception;

type Found = { id: string; name: string; birth_date: string | null; first_contact_done: boolean | null };

function foundFrom(r: Record<string, unknown>): Found {
  return { id: String(r.id ?? r.patient_id ?? ""), name: typeof r.name === "string" ? r.name : "",
    birth_date: typeof r.birth_date === "string" ? r.birth_date : null,
    first_contact_done: typeof r.first_contact_done === "boolean" ? r.first_contact_done : null };
}

/** Reception's desk: register a patient, find one, and open their page (appointments, phone renewals, frikort). */
export function Reception() {
  const { staff } = useSession();
  return (
    <Page title={t.title}>
      {staff?.role === "reception" && <RegisterPatient />}
      <FindPatient />
      {staff?.role === "reception" && <ClosedDays />}
    </Page>
  );
}

/** Search by (part of) the name or the whole national ID. A POST: a national ID never travels in a URL. */
function FindPatient() {
  const [query, setQuery] = useState("");
  const [found, setFound] = useState<Found[] | null>(null);
  const search = useAction(async () => setFound((await staffApi.findPatients(query.trim())).map(foundFrom)));
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
              {found.map((c) => (
                <li key={c.id}>
                  <Link to={`/ansatt/pasient/${c.id}`}><PatientName name={c.name} birthDate={c.birth_date} /></Link>
                  {c.first_contact_done === false && <>{" "}<span className="badge">{t.noFirstContact}</span></>}
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
    </section>
  );
}

function RegisterPatient() {
  const empty = { national_id: "", name: "", birth_date: "", mobile: "", email: "", gp_id: "" };
  const [f, setF] = useState(empty);
  const [done, setDone] = useState<{ id: string; name: string } | null>(null);
  const register = useAction(async () => {
    const body: Record<string, unknown> = { national_id: f.national_id.replace(/\s/g, ""), name: f.name.trim(),
      gp_id: f.gp_id || null, ...(f.birth_date ? { birth_date: f.birth_date } : {}),
      ...(f.mobile.trim() ? { mobile: f.mobile.trim() } : {}), ...(f.email.trim() ? { email: f.email.trim() } : {}) };
    const created = await staffApi.registerPatient(body);
    setDone({ id: String(created.id ?? ""), name: f.name.trim() });
    setF(empty);
  });
  // The birth date follows from the national ID where the number tells it; reception checks it.
  const setNationalId = (value: string) => {
    const told = birthDateFromNationalId(value);
    setF((old) => ({ ...old, national_id: value,
      birth_date: told && (!old.birth_date || old.birth_date === birthDateFromNationalId(old.national_id)) ? told
        : old.birth_date }));
  };
  const error = (field: string) => register.error?.fields[field];
  const input = (key: keyof typeof f, label: string, opts: { type?: string; required?: boolean; hint?: string } = {}) => (
    <Field label={label} hint={opts.hint} required={opts.required} error={error(key)}>
      {(p) => <input {...p} type={opts.type ?? "text"} autoComplete="off" value={f[key]}
        onChange={(e) => key === "national_id" ? setNationalId(e.target.value) : setF({ ...f, [key]: e.target.value })} />}
    </Field>
  );
  return (
    <section className="card">
      <h2>{t.register}</h2>
      <RequiredNote />
      <form onSubmit={(e: FormEvent) => { e.preventDefault(); setDone(null); void register.run(); }} noValidate>
        {input("national_id", t.nationalId, { required: true, hint: t.nationalIdHint })}
        {input("name", t.name, { required: true })}
        {input("birth_date", t.birthDate, { type: "date", required: true, hint: t.birthDateHint })}
        {input("mobile", t.mobile, { type: "tel", hint: t.mobileHint })}
        {input("email", t.email, { type: "email" })}
        <DoctorPicker label={t.gp} value={f.gp_id} onChange={(gp_id) => setF({ ...f, gp_id })} required
          error={error("gp_id")} />
        <ErrorMessage error={register.error} />
        {done && (
          <Notice takeFocus>
            {t.registered(done.name)} <Link to={`/ansatt/pasient/${done.id}`}>{t.openPatient(done.name)}</Link>
          </Notice>
        )}
        <Busy busy={register.busy} label={t.register} />
      </form>
    </section>
  );
}
