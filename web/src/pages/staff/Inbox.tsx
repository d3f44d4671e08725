import { Link } from "react-router-dom";
import { staffApi } from "../../api/staff";
import type { InboxItem } from "../../api/types";
import { useLoad } from "../../components/hooks";
import { Page, PatientName, Section } from "../../components/ui";
import { formatDate, formatDateTime } from "../../logic/time";
import { words } from "../../text";

export function Inbox() {
  const inbox = useLoad(staffApi.inbox);
  return (
    <Page title={words.inbox.title} lead={words.inbox.lead}>
      <Section state={inbox}>
        {(items: InboxItem[]) => items.length === 0 ? <p>{words.inbox.empty}</p> : (
          <ol className="plain inbox">
            {items.map((i) => (
              <li key={`${i.kind}-${i.id}`} className={i.overdue ? "inbox-item overdue" : "inbox-item"}>
                <p>
                  <strong>{words.inbox.kind[i.kind] ?? i.kind}</strong> · <PatientName name={i.patient_name}
                    birthDate={i.patient_birth_date} />
                  {" · "}<span className="badge">{words.inbox.channel[i.channel] ?? i.channel}</span>
                </p>
                {i.preview && <p className="preview">{i.preview}</p>}
                <p>
                  {words.inbox.due(formatDate(i.due_date))}
                  {i.overdue && <>{" "}<strong className="badge badge-danger">{words.inbox.overdue}</strong></>}
                  <span className="hint"> · {words.inbox.received(formatDateTime(i.created_at))}</span>
                </p>
                <Link className="button" to={i.kind === "renewal" ? `/ansatt/resept/${i.id}` : `/ansatt/ekonsultasjon/${i.id}`}
                  aria-label={`${words.inbox.open}: ${words.inbox.kind[i.kind] ?? i.kind}, ${i.patient_name}`}>{words.inbox.open}</Link>
              </li>
            ))}
          </ol>
        )}
      </Section>
    </Page>
  );
}
