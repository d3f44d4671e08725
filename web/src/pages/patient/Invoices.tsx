import { patientApi } from "../../api/patient";
import type { Invoice } from "../../api/types";
import { useLoad } from "../../components/hooks";
import { Page, Section } from "../../components/ui";
import { formatAccount, formatDate, formatNok } from "../../logic/time";
import { words } from "../../text";

export function InvoiceStatus({ status }: { status: string }) {
  const tone = status === "overdue" ? "badge-danger" : status === "paid" || status === "over_paid" ? "badge-ok" : "";
  return <span className={`badge ${tone}`}>{words.invoices.statuses[status] ?? status}</span>;
}

export function Invoices() {
  const invoices = useLoad(patientApi.invoices);
  return (
    <Page title={words.invoices.title} lead={words.invoices.lead}>
      <Section state={invoices}>
        {(items: Invoice[]) => items.length === 0 ? <p>{words.invoices.none}</p> : (
          <ul className="plain invoices">
            {items.map((i) => (
              <li key={i.id} className="invoice">
                <dl className="facts">
                  <div><dt>{words.invoices.amount}</dt><dd className="big">{i.amount_nok}</dd></div>
                  <div><dt>{words.invoices.due}</dt><dd>{formatDate(i.due_date)}</dd></div>
                  <div><dt>{words.invoices.status}</dt><dd><InvoiceStatus status={i.status} />
                    {i.outstanding_ore > 0 && i.outstanding_ore !== i.amount_ore && <> {words.invoices.outstanding(formatNok(i.outstanding_ore))}</>}</dd></div>
                  <div><dt>{words.invoices.kid}</dt><dd className="mono">{i.kid}</dd></div>
                  <div><dt>{words.invoices.account}</dt><dd className="mono">{formatAccount(i.account_number)}</dd></div>
                </dl>
                <a className="button secondary" href={i.pdf_url ?? `/api/v1/invoices/${i.id}/pdf`} target="_blank"
                  rel="noopener" type="application/pdf">{words.invoices.pdf}</a>
              </li>
            ))}
          </ul>
        )}
      </Section>
    </Page>
  );
}
