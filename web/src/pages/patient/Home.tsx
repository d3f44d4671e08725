import { Link } from "react-router-dom";
import { patientApi } from "../../api/patient";
import type { Appointment, EConsultation, Invoice, Renewal } from "../../api/types";
import { useLoad } from "../../components/hooks";
import { Page, Say, Section } from "../../components/ui";
import { itemStatus } from "../../logic/renewal";
import { formatDate, formatDateTime } from "../../logic/time";
import { useSession } from "../../session";
import { cancelState } from "./Book";
import { words } from "../../text";

export function Restrictions({ codes }: { codes: string[] }) {
  if (codes.length === 0) return null;
  return (
    <section className="alert alert-warning" aria-labelledby="restrictions-title">
      <h2 id="restrictions-title">{words.home.restrictionsTitle}</h2>
      <ul>
        {codes.map((code) => {
          const r = words.restrictions[code] ?? words.unknownRestriction;
          return <li key={code}><strong>{r.what}</strong> <Say text={r.todo} /></li>;
        })}
      </ul>
    </section>
  );
}

const UNPAID = new Set(["open", "part_paid", "overdue"]);

export function nextAppointment(items: Appointment[], now = new Date()): Appointment | undefined {
  return items.filter((a) => a.status === "booked" && new Date(a.starts_at) > now)
    .sort((a, b) => a.starts_at.localeCompare(b.starts_at))[0];
}

export function Home() {
  const { me } = useSession();
  const appointments = useLoad(patientApi.appointments);
  const renewals = useLoad(patientApi.renewals);
  const econsults = useLoad(patientApi.econsultations);
  const invoices = useLoad(patientApi.invoices);
  if (!me) return null;
  return (
    <Page title={words.home.title(me.name)} lead={me.gpName ? words.home.gp(me.gpName) : undefined}>
      <Restrictions codes={me.restrictions} />
      <nav className="shortcuts" aria-label={words.home.shortcuts}>
        <Link className="button" to="/resept">{words.nav.renew}</Link>
        <Link className="button" to="/ekonsultasjon">{words.nav.econsult}</Link>
        <Link className="button secondary" to="/time">{words.nav.book}</Link>
      </nav>
      <div className="grid">
        <Section title={words.home.nextAppointment} state={appointments}>
          {(items: Appointment[]) => {
            const next = nextAppointment(items);
            return next ? (
              <>
                <p className="big">{formatDateTime(next.starts_at)}</p>
                {cancelState(next) === "too_late" ? <p className="hint"><Say text={words.book.tooLateToCancel} /></p>
                  : next.patient_may_cancel_until && <p className="hint">{words.book.cancelDeadline(formatDateTime(next.patient_may_cancel_until))}</p>}
                <Link to="/time">{words.book.myAppointments}</Link>
              </>
            ) : (
              <><p>{words.home.noAppointment}</p>{me.restrictions.length === 0 && <Link className="button" to="/time">{words.home.bookNow}</Link>}</>
            );
          }}
        </Section>
        <section className="card">
          <h2>{words.home.openRequests}</h2>
          <OpenRequests renewals={renewals.data} econsults={econsults.data} />
          {(renewals.error || econsults.error) && <p className="hint">{words.home.partFailed}</p>}
        </section>
        <Section title={words.home.answers} state={econsults}>
          {(items: EConsultation[]) => {
            const answered = items.filter((c) => c.status !== "open");
            const decided = (renewals.data ?? []).filter((r) => r.items.some((i) => i.outcome === "approved" || i.outcome === "rejected"));
            if (answered.length === 0 && decided.length === 0) return <p>{words.home.noAnswers}</p>;
            return (
              <ul className="plain">
                {answered.slice(0, 3).map((c) => (
                  <li key={c.id}><strong>{words.home.econsultRequest}: {words.econsult.status[c.status]}</strong>
                    <p className="answer">{c.answer ?? c.declined_reason}</p></li>
                ))}
                {decided.slice(0, 3).map((r) => (
                  <li key={r.id}><strong>{words.home.renewalRequest}</strong>
                    <ul>{r.items.map((i) => <li key={i.medication_id}>{i.name}: {words.renew.status[itemStatus(i)] ?? itemStatus(i)}
                      {i.reason && <> – {words.renew.reason(i.reason)}</>}</li>)}</ul></li>
                ))}
              </ul>
            );
          }}
        </Section>
        <Section title={words.home.invoices} state={invoices}>
          {(items: Invoice[]) => {
            const unpaid = items.filter((i) => UNPAID.has(i.status));
            return unpaid.length === 0 ? <p>{words.home.noInvoices}</p> : (
              <ul className="plain">
                {unpaid.map((i) => (
                  <li key={i.id}>{i.amount_nok} – {words.invoices.due} {formatDate(i.due_date)}
                    {i.status === "overdue" && <>{" "}<strong className="badge badge-danger">{words.invoices.statuses.overdue}</strong></>}</li>
                ))}
                <li><Link to="/fakturaer">{words.nav.invoices}</Link></li>
              </ul>
            );
          }}
        </Section>
      </div>
    </Page>
  );
}

function OpenRequests({ renewals, econsults }: { renewals?: Renewal[]; econsults?: EConsultation[] }) {
  const open = [
    ...(renewals ?? []).filter((r) => ["open", "pending", "submitted"].includes(r.status))
      .map((r) => ({ id: r.id, kind: words.home.renewalRequest, due: r.due_date, overdue: r.overdue })),
    ...(econsults ?? []).filter((c) => c.status === "open")
      .map((c) => ({ id: c.id, kind: words.home.econsultRequest, due: c.due_date, overdue: c.overdue })),
  ];
  if (renewals === undefined && econsults === undefined) return null;
  if (open.length === 0) return <p>{words.home.noOpenRequests}</p>;
  return (
    <ul className="plain">
      {open.map((o) => (
        <li key={o.id}><strong>{o.kind}</strong>{o.due && <> – {words.home.due(formatDate(o.due))}</>}
          {o.overdue && <>{" "}<span className="badge badge-danger">{words.home.overdue}</span></>}</li>
      ))}
    </ul>
  );
}
