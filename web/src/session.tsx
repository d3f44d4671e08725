// Who is logged in in this tab: a patient (known from GET /me) or a staff member (from the login answer).

import { createContext, useCallback, useContext, useEffect, useState, type ReactNode } from "react";
import { api, ApiError, forgetSession, onLoggedOut, rememberCsrf } from "./api/client";
import { readMe, readStaffUser, type Me, type StaffUser } from "./api/types";

type Session = {
  checked: boolean;
  me: Me | null;
  /** Why the profile could not be read, other than "not logged in" (the API down, a timeout). */
  meError: ApiError | null;
  staff: StaffUser | null;
  refreshMe: () => Promise<void>;
  patientLoggedIn: (answer: unknown) => Promise<void>;
  staffLoggedIn: (answer: unknown) => void;
  logout: () => Promise<void>;
};

const STAFF_KEY = "eportal.staff";
const SessionContext = createContext<Session | null>(null);

function storedStaff(): StaffUser | null {
  try {
    const raw = sessionStorage.getItem(STAFF_KEY);
    return raw ? (JSON.parse(raw) as StaffUser) : null;
  } catch {
    return null;
  }
}

export function SessionProvider({ children }: { children: ReactNode }) {
  const [me, setMe] = useState<Me | null>(null);
  const [staff, setStaff] = useState<StaffUser | null>(storedStaff);
  const [checked, setChecked] = useState(false);
  const [meError, setMeError] = useState<ApiError | null>(null);

  const refreshMe = useCallback(async () => {
    try {
      const answer = await api.get("/api/v1/me", { quiet401: true });
      rememberCsrf(answer); // a cookie session's /me carries its CSRF token: a new tab or a reload gets it back
      setMe(readMe(answer));
      setMeError(null);
    } catch (e) {
      setMe(null);
      // 401/403/404: not logged in as a patient, so the login page. Anything else is said, with a retry.
      const error = e instanceof ApiError ? e : new ApiError(0, "unknown");
      setMeError([401, 403, 404].includes(error.status) ? null : error);
    } finally {
      setChecked(true);
    }
  }, []);

  useEffect(() => {
    if (storedStaff()) setChecked(true);
    else void refreshMe();
  }, [refreshMe]);

  useEffect(() => onLoggedOut(() => {
    forgetSession();
    try { sessionStorage.removeItem(STAFF_KEY); } catch { /* nothing stored */ }
    setMe(null);
    setStaff(null);
  }), []);

  const patientLoggedIn = useCallback(async (answer: unknown) => {
    rememberCsrf(answer);
    // Errors reach the login form: a patient whose profile cannot be read is told so, not left waiting.
    setMe(readMe(await api.get("/api/v1/me")));
    setChecked(true);
  }, []);

  const staffLoggedIn = useCallback((answer: unknown) => {
    rememberCsrf(answer);
    const user = readStaffUser(answer);
    try { sessionStorage.setItem(STAFF_KEY, JSON.stringify(user)); } catch { /* tab-only anyway */ }
    setStaff(user);
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
    try { sessionStorage.removeItem(STAFF_KEY); } catch { /* nothing stored */ }
    setMe(null);
    setStaff(null);
  }, [staff, me]);

  return (
    <SessionContext.Provider value={{ checked, me, meError, staff, refreshMe, patientLoggedIn, staffLoggedIn, logout }}>
      {children}
    </SessionContext.Provider>
  );
}

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error("useSession outside SessionProvider");
  return session;
}
