import { Navigate, Route, Routes, useLocation } from "react-router-dom";
import { Layout } from "./components/Layout";
import { ChoosePerson } from "./components/Person";
import { ErrorMessage, Loading, Page } from "./components/ui";
import { About } from "./pages/patient/About";
import { AccessLog } from "./pages/patient/AccessLog";
import { Book } from "./pages/patient/Book";
import { EConsult } from "./pages/patient/EConsult";
import { Home } from "./pages/patient/Home";
import { Invoices } from "./pages/patient/Invoices";
import { Login } from "./pages/patient/Login";
import { Renew } from "./pages/patient/Renew";
import { Admin } from "./pages/staff/Admin";
import { Answer } from "./pages/staff/Answer";
import { Availability } from "./pages/staff/Availability";
import { Billing } from "./pages/staff/Billing";
import { Calendar } from "./pages/staff/Calendar";
import { Decision } from "./pages/staff/Decision";
import { Inbox } from "./pages/staff/Inbox";
import { PatientPage } from "./pages/staff/PatientPage";
import { Reception } from "./pages/staff/Reception";
import { StaffLogin } from "./pages/staff/StaffLogin";
import { useSession } from "./session";
import { words } from "./text";

const STAFF_HOME: Record<string, string> = {
  doctor: "/ansatt/innboks", reception: "/ansatt/resepsjon", billing: "/ansatt/regnskap", admin: "/ansatt/admin",
};

/** The home page of whomever the session acts for: a parent who is not our patient chooses a child first; for
 * a child of 12 to 15 a parent has the appointments only. */
function HomeOf() {
  const { me } = useSession();
  if (me?.kind === "guardian" && !me.actingFor) return <ChoosePerson />;
  if (me?.actingFor && me.actingFor.may !== "everything") return <Navigate to="/time" replace />;
  return <Home />;
}

function Patient({ children }: { children: React.ReactNode }) {
  const { checked, me, meError, refreshMe } = useSession();
  if (!checked) return <Loading />;
  if (!me && meError) {
    return <Page title={words.app.name}><ErrorMessage error={meError} onRetry={() => void refreshMe()} /></Page>;
  }
  return me ? <>{children}</> : <Login />;
}

/** A staff page: the session is asked of the server first (a new tab, a bookmark); without one, the login, which
 * comes back here afterwards. */
function Staff({ children }: { children: React.ReactNode }) {
  const { checked, staff, meError, refreshMe, loggedOut } = useSession();
  const location = useLocation();
  if (!checked) return <Loading />;
  if (!staff && meError) {
    return <Page title={words.app.name}><ErrorMessage error={meError} onRetry={() => void refreshMe()} /></Page>;
  }
  return staff ? <>{children}</> : <Navigate to="/ansatt/logg-inn" replace state={loggedOut ? null : { from: location.pathname }} />;
}

function StaffLoginRoute({ home }: { home: string }) {
  const { checked, staff } = useSession();
  const from = (useLocation().state as { from?: string } | null)?.from;
  if (!checked) return <Loading />;
  return staff ? <Navigate to={from ?? home} replace /> : <StaffLogin />;
}

export function App() {
  const { staff } = useSession();
  const staffHome = STAFF_HOME[staff?.role ?? ""] ?? "/ansatt/resepsjon";
  return (
    <Routes>
      <Route element={<Layout />}>
        <Route index element={staff ? <Navigate to={staffHome} replace /> : <Patient><HomeOf /></Patient>} />
        <Route path="om" element={<About />} />
        <Route path="resept" element={<Patient><Renew /></Patient>} />
        <Route path="time" element={<Patient><Book /></Patient>} />
        <Route path="ekonsultasjon" element={<Patient><EConsult /></Patient>} />
        <Route path="fakturaer" element={<Patient><Invoices /></Patient>} />
        <Route path="tilgangslogg" element={<Patient><AccessLog /></Patient>} />
        <Route path="ansatt/logg-inn" element={<StaffLoginRoute home={staffHome} />} />
        <Route path="ansatt" element={<Staff><Navigate to={staffHome} replace /></Staff>} />
        <Route path="ansatt/innboks" element={<Staff><Inbox /></Staff>} />
        <Route path="ansatt/resept/:id" element={<Staff><Decision /></Staff>} />
        <Route path="ansatt/ekonsultasjon/:id" element={<Staff><Answer /></Staff>} />
        <Route path="ansatt/ekonsultasjon-av-pa" element={<Staff><Availability /></Staff>} />
        <Route path="ansatt/resepsjon" element={<Staff><Reception /></Staff>} />
        <Route path="ansatt/pasient/:id" element={<Staff><PatientPage /></Staff>} />
        <Route path="ansatt/timebok" element={<Staff><Calendar /></Staff>} />
        <Route path="ansatt/regnskap" element={<Staff><Billing /></Staff>} />
        <Route path="ansatt/admin" element={<Staff><Admin /></Staff>} />
        <Route path="*" element={<Page title={words.app.notFound}><a href="/">{words.app.toHome}</a></Page>} />
      </Route>
    </Routes>
  );
}
