import { Link } from "react-router-dom";
import { patientApi } from "../../api/patient";
import type { Appointment, EConsultation, Invoice, Renewal } from "../../api/types";
import { useLoad } from "../../components/hooks";
import { Page, Section } from "../../components/ui";
import { itemStatus } from "../../logic/renewal";
import { formatDate, formatDateTime } from "../../logic/time";
import { useSession } from "../../session";
import { nb } from "../../text/nb";

export function Restrictions({ codes }: { codes: string[] }) {
  if (codes.length === 0) return null;
  return (
    <section className="alert alert-warning" aria-labelledby="restrictions-title">
      <h2 id="restrictions-title">{nb.home.restrictionsTitle}</h2>
      <ul>
        {codes.map((code) => {
          const r = nb.restrictions[code] ?? nb.unknownRestriction;
          return <li key={code}><strong>{r.what}</strong> {r.todo}</li>;
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
    <Page title={nb.home.title(me.name)} lead={me.gpName ? nb.home.gp(me.gpName) : undefined}>
      <Restrictions codes={me.restrictions} />
      <div className="grid">
        <Section title={nb.home.nextAppointment} state={appointments}>
          {(items: Appointment[]) => {
            const next = nextAppointment(items);
            return next ? (
              <>
                <p className="big">{formatDateTime(next.starts_at)}</p>
                {next.patient_may_cancel_until && <p className="hint">{nb.book.cancelDeadline(formatDateTime(next.patient_may_cancel_until))}</p>}
                <Link to="/time">{nb.book.myAppointments}</Link>
              </>
            ) : (
              <><p>{nb.home.noAppointment}</p>{me.restrictions.length === 0 && <Link className="button" to="/time">{nb.home.bookNow}</Link>}</>
            );
          }}
        </Section>
        <section className="card">
          <h2>{nb.home.openRequests}</h2>
          <OpenRequests renewals={renewals.data} econsults={econsults.data} />
          {(renewals.error || econsults.error) && <p className="hint">{nb.home.partFailed}</p>}
        </section>
        <Section title={nb.home.answers} state={econsults}>
          {(items: EConsultation[]) => {
            const answered = items.filter((c) => c.status !== "open");
            const decided = (renewals.data ?? []).filter((r) => r.items.some((i) => i.outcome === "approved" || i.outcome === "rejected"));
            if (answered.length === 0 && decided.length === 0) return <p>{nb.home.noAnswers}</p>;
            return (
              <ul className="plain">
                {answered.slice(0, 3).map((c) => (
                  <li key={c.id}><strong>{nb.home.econsultRequest}: {nb.econsult.status[c.status]}</strong>
                    <p className="answer">{c.answer ?? c.declined_reason}</p></li>
                ))}
                {decided.slice(0, 3).map((r) => (
                  <li key={r.id}><strong>{nb.home.renewalRequest}</strong>
                    <ul>{r.items.map((i) => <li key={i.medication_id}>{i.name}: {nb.renew.status[itemStatus(i)] ?? itemStatus(i)}
                      {i.reason && <> – {nb.renew.reason(i.reason)}</>}</li>)}</ul></li>
                ))}
              </ul>
            );
          }}
        </Section>
        <Section title={nb.home.invoices} state={invoices}>
          {(items: Invoice[]) => {
            const unpaid = items.filter((i) => UNPAID.has(i.status));
            return unpaid.length === 0 ? <p>{nb.home.noInvoices}</p> : (
              <ul className="plain">
                {unpaid.map((i) => (
                  <li key={i.id}>{i.amount_nok} – {nb.invoices.due} {formatDate(i.due_date)}
                    {i.status === "overdue" && <>{" "}<strong className="badge badge-danger">{nb.invoices.statuses.overdue}</strong></>}</li>
                ))}
                <li><Link to="/fakturaer">{nb.nav.invoices}</Link></li>
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
      .map((r) => ({ id: r.id, kind: nb.home.renewalRequest, due: r.due_date, overdue: r.overdue })),
    ...(econsults ?? []).filter((c) => c.status === "open")
      .map((c) => ({ id: c.id, kind: nb.home.econsultRequest, due: c.due_date, overdue: c.overdue })),
  ];
  if (renewals === undefined && econsults === undefined) return null;
  if (open.length === 0) return <p>{nb.home.noOpenRequests}</p>;
  return (
    <ul className="plain">
      {open.map((o) => (
        <li key={o.id}><strong>{o.kind}</strong>{o.due && <> – {nb.home.due(formatDate(o.due))}</>}
          {o.overdue && <>{" "}<span className="badge badge-danger">{nb.home.overdue}</span></>}</li>
      ))}
    </ul>
  );
}
