import { useState, type FormEvent } from "react";
import { staffApi, type CopaymentLine, type OcrReport, type Payment } from "../../api/staff";
import type { Invoice } from "../../api/types";
import { useAction, useLoad } from "../../components/hooks";
import { Busy, ErrorMessage, Field, FocusHeading, Notice, Page, PatientName, RequiredNote, Section } from "../../components/ui";
import { formatDate, formatNok, isoDay, osloDay, parseKroner } from "../../logic/time";
import { words } from "../../text";
import { InvoiceStatus } from "../patient/Invoices";
import { FrikortForm } from "./FrikortForm";

const t = words.billing;
const STATUSES = ["", "open", "overdue", "part_paid", "paid", "over_paid"];
const UNSETTLED = new Set(["open", "part_paid", "overdue"]);

/** The billing office: the bank's OCR file, invoices with what is still owed, a payment by hand, payments the
 * KID did not match put on their invoice, the year's co-payments and frikort. */
export function Billing() {
  const [round, setRound] = useState(0); // a payment anywhere on the page: the lists are read again
  const changed = () => setRound((r) => r + 1);
  const [prefill, setPrefill] = useState<{ kid: string; amount: string; asked: number } | null>(null);
  return (
    <Page title={t.title}>
      <OcrUpload onImported={changed} />
      <Invoices round={round} onPay={(i) => setPrefill({ kid: i.kid, amount: kroner(i.outstanding_ore), asked: Date.now() })} />
      <ManualPayment key={prefill?.asked ?? 0} prefill={prefill} onPaid={changed} />
      <Unmatched round={round} onPlaced={changed} />
      <Copayments />
    </Page>
  );
}

const kroner = (ore: number) => (ore / 100).toFixed(2).replace(".", ",");

function OcrUpload({ onImported }: { onImported: () => void }) {
  const [file, setFile] = useState<File | null>(null);
  const [report, setReport] = useState<OcrReport | null>(null);
  const upload = useAction(async () => { if (file) { setReport(await staffApi.uploadOcr(file)); onImported(); } });
  return (
    <section className="card">
      <h2>{t.ocr}</h2>
      <form onSubmit={(e: FormEvent) => { e.preventDefault(); void upload.run(); }}>
        <Field label={t.ocrFile}>
          {(p) => <input {...p} type="file" name="file" accept=".txt,.ocr,text/plain" onChange={(e) => setFile(e.target.files?.[0] ?? null)} />}
        </Field>
        <ErrorMessage error={upload.error} />
        <Busy busy={upload.busy} label={t.upload} disabled={!file} />
      </form>
      {report && <OcrResult report={report} />}
    </section>
  );
}

function OcrResult({ report }: { report: OcrReport }) {
  const lines = report.payments ?? [];
  return (
    <div role="status" className="report">
      <FocusHeading level={3}>{t.report}</FocusHeading>
      {report.already_imported && <Notice kind="info">{t.alreadyImported}</Notice>}
      <p>{t.transactions(lines.length)}</p>
      <ul className="plain">
        {lines.map((l, n) => (
          <li key={n}><span className="mono">{l.kid}</span> · {l.amount_nok} · {t.outcomes[l.outcome] ?? l.outcome}</li>
        ))}
      </ul>
    </div>
  );
}

function Invoices({ round, onPay }: { round: number; onPay: (i: Invoice) => void }) {
  const [status, setStatus] = useState("");
  const [query, setQuery] = useState("");
  const [asked, setAsked] = useState("");
  const invoices = useLoad(() => staffApi.invoices(status, asked), [status, asked, round]);
  return (
    <section className="card" aria-labelledby="invoices-title">
      <h2 id="invoices-title">{t.invoices}</h2>
      <form role="search" aria-label={t.searchInvoices} className="filters"
        onSubmit={(e: FormEvent) => { e.preventDefault(); setAsked(query); }}>
        <Field label={t.search} hint={t.searchHint}>
          {(p) => <input {...p} type="search" autoComplete="off" value={query} onChange={(e) => setQuery(e.target.value)} />}
        </Field>
        <Field label={t.status}>
          {(p) => (
            <select {...p} value={status} onChange={(e) => setStatus(e.target.value)}>
              {STATUSES.map((s) => <option key={s} value={s}>{s ? words.invoices.statuses[s] : t.all}</option>)}
            </select>
          )}
        </Field>
        <button type="submit" className="secondary">{t.find}</button>
      </form>
      {invoices.error && <ErrorMessage error={invoices.error} onRetry={invoices.reload} />}
      {invoices.data && (
        <>
          {invoices.data.totals && (
            <p className="totals" role="status">{t.totals(invoices.data.totals.count, formatNok(invoices.data.totals.amount_ore),
              formatNok(invoices.data.totals.outstanding_ore))}</p>
          )}
          {invoices.data.items.length === 0 ? <p>{t.none}</p> : (
            <div className="table-wrap" role="region" aria-label={t.invoices} tabIndex={0}>
              <table>
                <thead><tr><th scope="col">{t.patient}</th><th scope="col">{words.invoices.kid}</th>
                  <th scope="col">{words.invoices.amount}</th><th scope="col">{t.outstanding}</th>
                  <th scope="col">{words.invoices.due}</th><th scope="col">{t.status}</th><th scope="col">{t.action}</th></tr></thead>
                <tbody>
                  {invoices.data.items.map((i) => (
                    <tr key={i.id}>
                      <td><PatientName name={i.patient_name} birthDate={i.patient_birth_date} /></td>
                      <td className="mono">{i.kid}</td><td>{formatNok(i.amount_ore)}</td>
                      <td>{formatNok(i.outstanding_ore)}</td><td>{formatDate(i.due_date)}</td>
                      <td><InvoiceStatus status={i.status} /></td>
                      <td>{UNSETTLED.has(i.status) && (
                        <button type="button" className="secondary" aria-label={t.payInvoice(i.kid)}
                          onClick={() => onPay(i)}>{t.pay}</button>)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </>
      )}
      {invoices.loading && !invoices.data && <p role="status">{words.app.loading}</p>}
    </section>
  );
}

/** A payment by hand (cash at the desk, a transfer without KID): to the invoice with this KID. */
function ManualPayment({ prefill, onPaid }: { prefill: { kid: string; amount: string } | null; onPaid: () => void }) {
  const [kid, setKid] = useState(prefill?.kid ?? "");
  const [amount, setAmount] = useState(prefill?.amount ?? "");
  const [paidOn, setPaidOn] = useState(() => isoDay(osloDay(new Date())));
  const [done, setDone] = useState<string | null>(null);
  const [amountProblem, setAmountProblem] = useState<string | null>(null);
  const pay = useAction(async (ore: number) => {
    const paid = await staffApi.payment(kid.trim(), ore, paidOn);
    setDone(t.paid(formatNok(ore), kid.trim(), t.outcomes[paid.outcome] ?? paid.outcome));
    setKid("");
    setAmount("");
    onPaid();
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setDone(null);
    const ore = parseKroner(amount);
    if (ore === null || ore <= 0) return setAmountProblem(t.amountProblem);
    setAmountProblem(null);
    void pay.run(ore);
  };
  return (
    <section className="card" aria-labelledby="manual-title">
      {/* Asked for from an invoice's row: the form takes focus, filled in with its KID and what is owed. */}
      {prefill ? <FocusHeading id="manual-title">{t.manual}</FocusHeading> : <h2 id="manual-title">{t.manual}</h2>}
      <RequiredNote />
      <form onSubmit={submit} noValidate>
        <Field label={words.invoices.kid} required error={pay.error?.fields.kid ?? (pay.error?.code === "not_found" ? t.noSuchKid : null)}>
          {(p) => <input {...p} inputMode="numeric" autoComplete="off" value={kid} onChange={(e) => setKid(e.target.value)} />}
        </Field>
        <Field label={t.amount} hint={t.amountHint} required error={amountProblem ?? pay.error?.fields.amount_ore}>
          {(p) => <input {...p} inputMode="decimal" autoComplete="off" value={amount} onChange={(e) => setAmount(e.target.value)} />}
        </Field>
        <Field label={t.paidOn} required error={pay.error?.fields.paid_on}>
          {(p) => <input {...p} type="date" value={paidOn} onChange={(e) => setPaidOn(e.target.value)} />}
        </Field>
        {pay.error?.code !== "not_found" && <ErrorMessage error={pay.error} />}
        {done && <Notice takeFocus>{done}</Notice>}
        <Busy busy={pay.busy} label={t.register} />
      </form>
    </section>
  );
}

/** Payments whose KID matched no invoice: kept, and put on the right invoice here. */
function Unmatched({ round, onPlaced }: { round: number; onPlaced: () => void }) {
  const payments = useLoad(staffApi.unmatchedPayments, [round]);
  const [placing, setPlacing] = useState<Payment | null>(null);
  const [done, setDone] = useState<string | null>(null);
  return (
    <Section title={t.unmatched} state={payments}>
      {(items: Payment[]) => (
        <>
          {done && <Notice takeFocus>{done}</Notice>}
          {items.length === 0 ? <p>{t.noUnmatched}</p> : (
            <ul className="plain">
              {items.map((p) => (
                <li key={p.id}>
                  <span className="mono">{p.kid ?? "–"}</span> · {formatNok(p.amount_ore)} · {formatDate(p.paid_on)}{" "}
                  {placing?.id === p.id ? (
                    <PlaceOnInvoice payment={p} onCancel={() => setPlacing(null)} onPlaced={(kid) => {
                      setPlacing(null);
                      setDone(t.placed(formatNok(p.amount_ore), kid));
                      onPlaced();
                    }} />
                  ) : (
                    <button type="button" className="secondary" onClick={() => { setDone(null); setPlacing(p); }}>
                      {t.place}</button>
                  )}
                </li>
              ))}
            </ul>
          )}
        </>
      )}
    </Section>
  );
}

function PlaceOnInvoice({ payment, onCancel, onPlaced }: {
  payment: Payment; onCancel: () => void; onPlaced: (kid: string) => void;
}) {
  const [query, setQuery] = useState("");
  const [found, setFound] = useState<Invoice[] | null>(null);
  const search = useAction(async () => setFound((await staffApi.invoices("", query)).items.filter((i) => UNSETTLED.has(i.status))));
  const place = useAction(async (invoice: Invoice) => {
    await staffApi.settle(payment.id, invoice.id);
    onPlaced(invoice.kid);
  });
  return (
    <div className="confirm" role="group" aria-labelledby={`place-${payment.id}`}>
      <FocusHeading id={`place-${payment.id}`} level={3}>{t.placeTitle(formatNok(payment.amount_ore))}</FocusHeading>
      <form role="search" aria-label={t.searchInvoices} onSubmit={(e: FormEvent) => { e.preventDefault(); void search.run(); }}>
        <Field label={t.search} hint={t.searchHint}>
          {(p) => <input {...p} type="search" autoComplete="off" value={query} onChange={(e) => setQuery(e.target.value)} />}
        </Field>
        <ErrorMessage error={search.error} />
        <Busy busy={search.busy} className="secondary" label={t.find} disabled={!query.trim()} />
        <button type="button" className="secondary" onClick={onCancel}>{words.app.cancel}</button>
      </form>
      <ErrorMessage error={place.error} />
      {found && (found.length === 0 ? <p role="status">{t.none}</p> : (
        <ul className="plain" role="status">
          {found.map((i) => (
            <li key={i.id}>
              <PatientName name={i.patient_name} birthDate={i.patient_birth_date} /> · <span className="mono">{i.kid}</span>
              {" · "}{t.outstandingAmount(formatNok(i.outstanding_ore))}{" "}
              <Busy type="button" busy={place.busy} label={t.placeHere} onClick={() => void place.run(i)} />
            </li>
          ))}
        </ul>
      ))}
    </div>
  );
}

/** The co-payments billed in a year per patient (what counts toward the frikort), with the frikort registered. */
function Copayments() {
  const [year, setYear] = useState(new Date().getFullYear());
  const report = useLoad(() => staffApi.copayments(year), [year]);
  const [frikortFor, setFrikortFor] = useState<CopaymentLine | null>(null);
  const years = [0, 1, 2].map((n) => new Date().getFullYear() - n);
  return (
    <Section title={t.copayments} state={report}>
      {(lines: CopaymentLine[]) => (
        <>
          <p className="hint">{t.copaymentsLead}</p>
          <Field label={t.year}>
            {(p) => <select {...p} value={year} onChange={(e) => setYear(Number(e.target.value))}>
              {years.map((y) => <option key={y} value={y}>{y}</option>)}</select>}
          </Field>
          {lines.length === 0 ? <p>{t.noCopayments}</p> : (
            <div className="table-wrap" role="region" aria-label={t.copayments} tabIndex={0}>
              <table>
                <thead><tr><th scope="col">{t.patient}</th><th scope="col">{t.invoiceCount}</th>
                  <th scope="col">{t.copayment}</th><th scope="col">{t.frikort}</th></tr></thead>
                <tbody>
                  {lines.map((l) => (
                    <tr key={l.patient_id}>
                      <td><PatientName name={l.name} birthDate={l.birth_date} /></td><td>{l.invoices}</td><td>{formatNok(l.copayment_ore)}</td>
                      <td>{l.frikort_card ?? (
                        <button type="button" className="secondary" aria-label={t.registerFrikortFor(l.name ?? "")}
                          onClick={() => setFrikortFor(l)}>{t.registerFrikort}</button>)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          {frikortFor && <FrikortForm key={frikortFor.patient_id} patientId={frikortFor.patient_id}
            name={frikortFor.name ?? ""} headingLevel={3} onSaved={report.reload} />}
        </>
      )}
    </Section>
  );
}
