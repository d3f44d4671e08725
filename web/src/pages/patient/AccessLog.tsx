import { useState } from "react";
import { patientApi } from "../../api/patient";
import type { AccessEntry } from "../../api/types";
import { useAction, useLoad } from "../../components/hooks";
import { Busy, ErrorMessage, Page, Say, Section } from "../../components/ui";
import { groupAccess } from "../../logic/accessLog";
import { formatDateTime, formatTime } from "../../logic/time";
import { words } from "../../text";

const t = words.accessLog;

type Log = { entries: AccessEntry[]; next: string | null };

/** Who has read or changed my data: one plain sentence per entry, newest first, older pages on request. The
 * clinic's staff first: the patient's own reads (most of the log) are shown when asked for. */
export function AccessLog() {
  const [own, setOwn] = useState(false);
  const first = useLoad(() => patientApi.accessLog(undefined, !own), [own]);
  const [older, setOlder] = useState<Log | null>(null);
  const log: Log | undefined = first.data &&
    (older ? { entries: [...first.data.entries, ...older.entries], next: older.next } : first.data);
  const more = useAction(async () => {
    if (!log?.next) return;
    const page = await patientApi.accessLog(log.next, !own);
    setOlder({ entries: [...(older?.entries ?? []), ...page.entries], next: page.next });
  });
  return (
    <Page title={t.title} lead={t.lead}>
      <div className="checkbox">
        <input type="checkbox" id="show-own" checked={own} onChange={(e) => { setOlder(null); setOwn(e.target.checked); }} />
        <label htmlFor="show-own">{t.showOwn}</label>
      </div>
      <Section state={{ ...first, data: log, reload: () => { setOlder(null); first.reload(); } }}>
        {({ entries, next }: Log) => entries.length === 0 ? <p>{own ? t.none : t.noneByOthers}</p> : (
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
                  {line.reason && <p className="hint"><Say text={line.reason} /></p>}
                </li>
              ))}
            </ol>
            <ErrorMessage error={more.error} />
            {next ? <Busy type="button" className="secondary" busy={more.busy} label={t.more}
              busyLabel={words.app.loading} onClick={() => void more.run()} /> : <p className="hint">{t.end}</p>}
          </>
        )}
      </Section>
      <p><Say text={t.unfamiliar} /></p>
    </Page>
  );
}
