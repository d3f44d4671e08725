import { patientApi } from "../../api/patient";
import type { AccessEntry } from "../../api/types";
import { useLoad } from "../../components/hooks";
import { Page, Section } from "../../components/ui";
import { formatDateTime } from "../../logic/time";
import { nb } from "../../text/nb";

const t = nb.accessLog;

export function AccessLog() {
  const log = useLoad(patientApi.accessLog);
  return (
    <Page title={t.title} lead={t.lead}>
      <Section state={log}>
        {(items: AccessEntry[]) => items.length === 0 ? <p>{t.none}</p> : (
          <div className="table-wrap" role="region" aria-label={t.title} tabIndex={0}>
            <table>
              <thead><tr><th scope="col">{t.when}</th><th scope="col">{t.who}</th><th scope="col">{t.what}</th>
                <th scope="col">{t.action}</th><th scope="col">{t.outcome}</th></tr></thead>
              <tbody>
                {items.map((e, n) => (
                  <tr key={`${e.at}-${n}`}>
                    <td>{e.at ? formatDateTime(e.at) : ""}</td>
                    <td>{e.role === "patient" ? t.you : [e.who, t.roles[e.role] ?? e.role].filter(Boolean).join(", ")}</td>
                    <td>{t.objects[e.object_type] ?? e.object_type}</td>
                    <td>{t.actions[e.action] ?? e.action}</td>
                    <td>{e.outcome === "success" ? t.ok : t.refused}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Section>
    </Page>
  );
}
