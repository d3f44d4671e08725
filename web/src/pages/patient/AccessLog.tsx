import { useState } from "react";
import { patientApi } from "../../api/patient";
import type { AccessEntry } from "../../api/types";
import { useAction, useLoad } from "../../components/hooks";
import { Busy, ErrorMessage, Page, Section } from "../../components/ui";
import { groupAccess } from "../../logic/accessLog";
import { formatDateTime, formatTime } from "../../logic/time";
import { nb } from "../../text/nb";

const t = nb.accessLog;

type Log = { entries: AccessEntry[]; next: string | null };

/** Who has read or changed my data: one plain sentence per entry, newest first, older pages on request. */
export function AccessLog() {
  const first = useLoad(() => patientApi.accessLog());
  const [older, setOlder] = useState<Log | null>(null);
  const log: Log | undefined = first.data &&
    (older ? { entries: [...first.data.entries, ...older.entries], next: older.next } : first.data);
  const more = useAction(async () => {
    if (!log?.next) return;
    const page = await patientApi.accessLog(log.next);
    setOlder({ entries: [...(older?.entries ?? []), ...page.entries], next: page.next });
  });
  return (
    <Page title={t.title} lead={t.lead}>
      <Section state={{ ...first, data: log, reload: () => { setOlder(null); first.reload(); } }}>
        {({ entries, next }: Log) => entries.length === 0 ? <p>{t.none}</p> : (
          <>
            <ol className="plain access-log">
              {groupAccess(entries).map(({ line, newest, oldest, count }, n) => (
                <li key={`${newest.at}-${n}`} className={line.refused ? "refused" : undefined}>
                  {newest.at && <time dateTime={newest.at}>{formatDateTime(newest.at)}</time>}
                  <p>
                    {line.refused && <><span className="badge badge-danger">{t.refused}</span>{" "}</>}
                    {line.text}
                    {count > 1 && <span className="hint"> {t.times(count, formatTime(oldest.at))}</span>}
                  </p>
                  {line.reason && <p className="hint">{line.reason}</p>}
                </li>
              ))}
            </ol>
            <ErrorMessage error={more.error} />
            {next ? <Busy type="button" className="secondary" busy={more.busy} label={t.more}
              busyLabel={nb.app.loading} onClick={() => void more.run()} /> : <p className="hint">{t.end}</p>}
          </>
        )}
      </Section>
      <p>{t.unfamiliar}</p>
    </Page>
  );
}
