// Acting for a child (api.md, "Acting for someone else"): every page says whose page it is, and a parent
// switches between themselves and their children. The server keeps whom the session acts for; after a switch
// the profile is read again and the portal starts over on the home page of the person chosen.

import { useState } from "react";
import { useNavigate } from "react-router-dom";
import { patientApi } from "../api/patient";
import { ApiError } from "../api/client";
import type { Child, Me } from "../api/types";
import { useSession } from "../session";
import { words } from "../text";
import { ErrorMessage, Page, Say } from "./ui";

/** The patient pages a guardian may open for the child acted for now (all, or the appointments only). */
export function mayOpen(me: Me | null, path: string): boolean {
  if (!me) return false;
  if (path === "/" || path === "/om") return true;
  if (me.actingFor) return me.actingFor.may === "everything" || (me.actingFor.may === "appointments" && path === "/time");
  return me.kind !== "guardian"; // a parent who is not our patient has no pages of their own
}

function useSwitch(): { choose: (childId: string | null) => Promise<void>; error: ApiError | null; busy: boolean } {
  const { refreshMe } = useSession();
  const navigate = useNavigate();
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const choose = async (childId: string | null) => {
    setBusy(true);
    setError(null);
    try {
      await patientApi.actFor(childId);
      await refreshMe();
      navigate("/");
    } catch (e) {
      setError(e instanceof ApiError ? e : new ApiError(0, "unknown"));
    } finally {
      setBusy(false);
    }
  };
  return { choose, error, busy };
}

function childLabel(c: Child): string {
  const band = words.proxy.bands[c.ageBand];
  return band ? `${c.firstName} (${band})` : c.firstName;
}

/** Under the header of every page of a parent: whose page this is, unmistakably, and "Bytt person". */
export function PersonBar() {
  const { me } = useSession();
  const { choose, error, busy } = useSwitch();
  if (!me || (me.represents.length === 0 && !me.actingFor)) return null;
  const acting = me.actingFor;
  const current = acting?.id ?? "";
  return (
    <section className={acting ? "person-bar person-bar-child" : "person-bar"} aria-label={words.proxy.barLabel}>
      <div className="person-bar-inner">
        <p className="person-whose">
          {acting ? <strong>{words.proxy.childPage(acting.firstName)}</strong>
            : me.kind === "guardian" ? <strong>{words.proxy.chooseTitle}</strong> : words.proxy.ownPage}
        </p>
        <label className="person-switch">
          {words.proxy.switchLabel}{" "}
          <select value={current} disabled={busy} onChange={(e) => void choose(e.target.value || null)}>
            {(me.kind === "patient" || !acting) && (
              <option value="">{me.kind === "patient" ? words.proxy.myself : "–"}</option>
            )}
            {me.represents.map((c) => <option key={c.id} value={c.id}>{childLabel(c)}</option>)}
            {acting && !me.represents.some((c) => c.id === acting.id) && (
              <option value={acting.id}>{acting.firstName}</option>
            )}
          </select>
        </label>
      </div>
      {acting?.refusal && <p className="alert alert-warning">{words.proxy.ofAge(acting.firstName)}</p>}
      {acting && !acting.refusal && acting.may === "appointments" && (
        <p className="person-note">{words.proxy.appointmentsOnly(acting.firstName)}</p>
      )}
      {acting && !acting.refusal && acting.may === "everything" && (
        <p className="person-note">{words.proxy.childPageLead(acting.firstName)}</p>
      )}
      <ErrorMessage error={error} />
    </section>
  );
}

/** The home page of a parent who is not our patient and acts for nobody yet: their children, one button each. */
export function ChoosePerson() {
  const { me } = useSession();
  const { choose, error, busy } = useSwitch();
  if (!me) return null;
  return (
    <Page title={words.proxy.chooseTitle} lead={words.proxy.chooseLead}>
      {me.represents.length === 0 ? <p><Say text={words.proxy.noChildren} /></p> : (
        <ul className="person-choices">
          {me.represents.map((c) => (
            <li key={c.id}>
              <button type="button" disabled={busy} onClick={() => void choose(c.id)}>
                {words.proxy.switchTo(childLabel(c))}
              </button>
            </li>
          ))}
        </ul>
      )}
      <ErrorMessage error={error} />
    </Page>
  );
}
