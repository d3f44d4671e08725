import { Link } from "react-router-dom";
import { staffApi } from "../../api/staff";
import type { InboxItem } from "../../api/types";
import { useLoad } from "../../components/hooks";
import { Page, Section } from "../../components/ui";
import { formatDate, formatDateTime } from "../../logic/time";
import { nb } from "../../text/nb";

export function Inbox() {
  const inbox = useLoad(staffApi.inbox);
  return (
    <Page title={nb.inbox.title} lead={nb.inbox.lead}>
      <Section state={inbox}>
        {(items: InboxItem[]) => items.length === 0 ? <p>{nb.inbox.empty}</p> : (
          <ol className="plain inbox">
            {items.map((i) => (
              <li key={`${i.kind}-${i.id}`} className={i.overdue ? "inbox-item overdue" : "inbox-item"}>
                <p>
                  <strong>{nb.inbox.kind[i.kind] ?? i.kind}</strong> · {i.patient_name}
                  {" · "}<span className="badge">{nb.inbox.channel[i.channel] ?? i.channel}</span>
                </p>
                <p>
                  {nb.inbox.due(formatDate(i.due_date))}
                  {i.overdue && <>{" "}<strong className="badge badge-danger">{nb.inbox.overdue}</strong></>}
                  <span className="hint"> · {nb.inbox.received(formatDateTime(i.created_at))}</span>
                </p>
                <Link className="button" to={i.kind === "renewal" ? `/ansatt/resept/${i.id}` : `/ansatt/ekonsultasjon/${i.id}`}
                  aria-label={`${nb.inbox.open}: ${nb.inbox.kind[i.kind] ?? i.kind}, ${i.patient_name}`}>{nb.inbox.open}</Link>
              </li>
            ))}
          </ol>
        )}
      </Section>
    </Page>
  );
}
