import { Navigate, Route, Routes } from "react-router-dom";
import { Layout } from "./components/Layout";
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
import { Reception } from "./pages/staff/Reception";
import { StaffLogin } from "./pages/staff/StaffLogin";
import { useSession } from "./session";
import { nb } from "./text/nb";

const STAFF_HOME: Record<string, string> = {
  doctor: "/ansatt/innboks", reception: "/ansatt/resepsjon", billing: "/ansatt/regnskap", admin: "/ansatt/admin",
};

function Patient({ children }: { children: React.ReactNode }) {
  const { checked, me, meError, refreshMe } = useSession();
  if (!checked) return <Loading />;
  if (!me && meError) {
    return <Page title={nb.app.name}><ErrorMessage error={meError} onRetry={() => void refreshMe()} /></Page>;
  }
  return me ? <>{children}</> : <Login />;
}

function Staff({ children }: { children: React.ReactNode }) {
  const { staff } = useSession();
  return staff ? <>{children}</> : <Navigate to="/ansatt/logg-inn" replace />;
}

export function App() {
  const { staff } = useSession();
  const staffHome = STAFF_HOME[staff?.role ?? ""] ?? "/ansatt/resepsjon";
  return (
    <Routes>
      <Route element={<Layout />}>
        <Route index element={staff ? <Navigate to={staffHome} replace /> : <Patient><Home /></Patient>} />
        <Route path="om" element={<About />} />
        <Route path="resept" element={<Patient><Renew /></Patient>} />
        <Route path="time" element={<Patient><Book /></Patient>} />
        <Route path="ekonsultasjon" element={<Patient><EConsult /></Patient>} />
        <Route path="fakturaer" element={<Patient><Invoices /></Patient>} />
        <Route path="tilgangslogg" element={<Patient><AccessLog /></Patient>} />
        <Route path="ansatt/logg-inn" element={staff ? <Navigate to={staffHome} replace /> : <StaffLogin />} />
        <Route path="ansatt" element={<Staff><Navigate to={staffHome} replace /></Staff>} />
        <Route path="ansatt/innboks" element={<Staff><Inbox /></Staff>} />
        <Route path="ansatt/resept/:id" element={<Staff><Decision /></Staff>} />
        <Route path="ansatt/ekonsultasjon/:id" element={<Staff><Answer /></Staff>} />
        <Route path="ansatt/ekonsultasjon-av-pa" element={<Staff><Availability /></Staff>} />
        <Route path="ansatt/resepsjon" element={<Staff><Reception /></Staff>} />
        <Route path="ansatt/timebok" element={<Staff><Calendar /></Staff>} />
        <Route path="ansatt/regnskap" element={<Staff><Billing /></Staff>} />
        <Route path="ansatt/admin" element={<Staff><Admin /></Staff>} />
        <Route path="*" element={<Page title={nb.app.notFound}><a href="/">{nb.app.toHome}</a></Page>} />
      </Route>
    </Routes>
  );
}
