// Who is logged in: a patient (GET /me) or a staff member (GET /staff/me), asked of the server, so a session
// works in every tab, after a reload and from a bookmark. When the server ends the session (30 minutes idle),
// the portal says so on the login page, and the page the patient was on comes back after logging in.

import { createContext, useCallback, useContext, useEffect, useState, type ReactNode } from "react";
import { api, ApiError, forgetSession, onLoggedOut, rememberCsrf } from "./api/client";
import { readMe, readStaffUser, type Me, type StaffUser } from "./api/types";
import { chosenLanguage, language, languageChoicePending, switchLanguage } from "./text";

type Session = {
  checked: boolean;
  me: Me | null;
  /** Why the profile could not be read, other than "not logged in" (the API down, a timeout). */
  meError: ApiError | null;
  staff: StaffUser | null;
  /** The server ended the session while the portal was open: the login page says so. */
  ended: boolean;
  /** The user logged out themselves: the login page does not send them back where they were. */
  loggedOut: boolean;
  refreshMe: () => Promise<void>;
  patientLoggedIn: (answer: unknown) => Promise<void>;
  staffLoggedIn: (answer: unknown) => void;
  logout: () => Promise<void>;
};

// Which login this browser used last: a staff member's new tab asks /staff/me first, a patient's /me, so
// neither asks the other's route (a refused attempt the audit log would keep). Not a secret, not a session.
const KIND = "eportal.kind";
const SessionContext = createContext<Session | null>(null);

function lastKind(): string | null {
  try {
    return localStorage.getItem(KIND);
  } catch {
    return null;
  }
}

function rememberKind(kind: "patient" | "staff"): void {
  try { localStorage.setItem(KIND, kind); } catch { /* only a hint */ }
}

type Found = { me?: Me; staff?: StaffUser };

/** Ask the server who this browser's session belongs to. 401: nobody; 403: the other kind of session. */
async function whoIsThere(): Promise<Found> {
  const staffFirst = window.location.pathname.startsWith("/ansatt") || lastKind() === "staff";
  for (const kind of staffFirst ? ["staff", "patient"] : ["patient", "staff"]) {
    try {
      const answer = await api.get(kind === "staff" ? "/api/v1/staff/me" : "/api/v1/me", { quiet401: true });
      rememberCsrf(answer); // a cookie session's answer carries its CSRF token: a new tab or a reload gets it back
      return kind === "staff" ? { staff: readStaffUser(answer) } : { me: readMe(answer) };
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) return {};
      if (!(e instanceof ApiError && e.status === 403)) throw e;
    }
  }
  return {};
}

/** The patient's language: a choice made in this browser before logging in goes to the profile (and so to
 * their SMS and e-mail); otherwise the profile's choice is this browser's too. */
async function settleLanguage(me: Me): Promise<void> {
  const chosen = chosenLanguage();
  if (languageChoicePending() && chosen) {
    await api.put("/api/v1/me/language", { language: chosen });
    switchLanguage(chosen, { reload: false });
  } else if (me.language !== language) {
    switchLanguage(me.language);
  }
}

export function SessionProvider({ children }: { children: ReactNode }) {
  const [me, setMe] = useState<Me | null>(null);
  const [staff, setStaff] = useState<StaffUser | null>(null);
  const [checked, setChecked] = useState(false);
  const [meError, setMeError] = useState<ApiError | null>(null);
  const [ended, setEnded] = useState(false);
  const [loggedOut, setLoggedOut] = useState(false);

  const refreshMe = useCallback(async () => {
    try {
      const found = await whoIsThere();
      setMe(found.me ?? null);
      setStaff(found.staff ?? null);
      setMeError(null);
      if (found.me) void settleLanguage(found.me).catch(() => undefined);
    } catch (e) {
      setMe(null);
      // Not "not logged in" (that is the login page): the API down, a timeout. Said, with a retry.
      setMeError(e instanceof ApiError ? e : new ApiError(0, "unknown"));
    } finally {
      setChecked(true);
    }
  }, []);

  useEffect(() => { void refreshMe(); }, [refreshMe]);

  useEffect(() => onLoggedOut(() => {
    forgetSession();
    setEnded(true);
    setMe(null);
    setStaff(null);
  }), []);

  const patientLoggedIn = useCallback(async (answer: unknown) => {
    rememberCsrf(answer);
    // Errors reach the login form: a patient whose profile cannot be read is told so, not left waiting.
    const found = readMe(await api.get("/api/v1/me"));
    rememberKind("patient");
    setMe(found);
    setEnded(false);
    setLoggedOut(false);
    setChecked(true);
    await settleLanguage(found).catch(() => undefined);
  }, []);

  const staffLoggedIn = useCallback((answer: unknown) => {
    rememberCsrf(answer);
    rememberKind("staff");
    setStaff(readStaffUser(answer));
    setEnded(false);
    setLoggedOut(false);
    setChecked(true);
  }, []);

  const logout = useCallback(async () => {
    if (!staff && me?.loginMethod === "idporten") {
      // Our session ends on the server; then the browser goes to ID-porten to end its session there too.
      let endSession: string | null = null;
      try {
        const answer = await api.post<{ end_session_url?: string | null }>("/api/v1/auth/idporten/logout", undefined,
          { quiet401: true });
        endSession = answer?.end_session_url ?? null;
      } catch { /* already gone: nothing to end at ID-porten from here */ }
      forgetSession();
      setEnded(false);
      setLoggedOut(true);
      setMe(null);
      if (endSession) window.location.assign(endSession);
      return;
    }
    try {
      await api.post(staff ? "/api/v1/staff/auth/logout" : "/api/v1/auth/logout", undefined, { quiet401: true });
    } catch {
      try { if (staff) await api.post("/api/v1/auth/logout", undefined, { quiet401: true }); } catch { /* gone */ }
    }
    forgetSession();
    setEnded(false);
    setLoggedOut(true);
    setMe(null);
    setStaff(null);
  }, [staff, me]);

  return (
    <SessionContext.Provider value={{ checked, me, meError, staff, ended, loggedOut, refreshMe, patientLoggedIn,
      staffLoggedIn, logout }}>
      {children}
    </SessionContext.Provider>
  );
}

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error("useSession outside SessionProvider");
  return session;
}
