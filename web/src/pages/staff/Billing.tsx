import { useState, type FormEvent } from "react";
import { staffApi, type OcrReport } from "../../api/staff";
import type { Invoice } from "../../api/types";
import { useAction, useLoad } from "../../components/hooks";
import { Busy, ErrorMessage, Field, Notice, Page, Section } from "../../components/ui";
import { formatDate } from "../../logic/time";
import { nb } from "../../text/nb";
import { InvoiceStatus } from "../patient/Invoices";

const t = nb.billing;
const STATUSES = ["", "open", "overdue", "part_paid", "paid", "over_paid"];

export function Billing() {
  const [status, setStatus] = useState("");
  const invoices = useLoad(() => staffApi.invoices(status), [status]);
  const [file, setFile] = useState<File | null>(null);
  const [report, setReport] = useState<OcrReport | null>(null);
  const upload = useAction(async () => { if (file) { setReport(await staffApi.uploadOcr(file)); invoices.reload(); } });
  return (
    <Page title={t.title}>
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
      <section className="card">
        <h2>{t.invoices}</h2>
        <Field label={t.status}>
          {(p) => (
            <select {...p} value={status} onChange={(e) => setStatus(e.target.value)}>
              {STATUSES.map((s) => <option key={s} value={s}>{s ? nb.invoices.statuses[s] : t.all}</option>)}
            </select>
          )}
        </Field>
      </section>
      <Section state={invoices}>
        {(items: Invoice[]) => items.length === 0 ? <p>{t.none}</p> : (
          <div className="table-wrap" role="region" aria-label={t.invoices} tabIndex={0}>
            <table>
              <thead><tr><th scope="col">{t.patient}</th><th scope="col">{nb.invoices.kid}</th><th scope="col">{nb.invoices.amount}</th>
                <th scope="col">{nb.invoices.due}</th><th scope="col">{t.status}</th></tr></thead>
              <tbody>
                {items.map((i) => (
                  <tr key={i.id}><td>{i.patient_name}</td><td className="mono">{i.kid}</td><td>{i.amount_nok}</td>
                    <td>{formatDate(i.due_date)}</td><td><InvoiceStatus status={i.status} /></td></tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Section>
    </Page>
  );
}

function OcrResult({ report }: { report: OcrReport }) {
  const lines = report.payments ?? [];
  return (
    <div role="status">
      <h3>{t.report}</h3>
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
