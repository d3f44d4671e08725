import { useEffect, useState } from "react";
import { NavLink, Outlet, useLocation, useNavigate } from "react-router-dom";
import { useSession } from "../session";
import { nb } from "../text/nb";

const patientLinks = [
  ["/", nb.nav.home], ["/resept", nb.nav.renew], ["/time", nb.nav.book], ["/ekonsultasjon", nb.nav.econsult],
  ["/fakturaer", nb.nav.invoices], ["/tilgangslogg", nb.nav.accessLog], ["/om", nb.nav.about],
] as const;

const staffLinks: Record<string, readonly (readonly [string, string])[]> = {
  doctor: [["/ansatt/innboks", nb.nav.inbox], ["/ansatt/timebok", nb.nav.calendar],
    ["/ansatt/ekonsultasjon-av-pa", nb.nav.econsultAvailability]],
  reception: [["/ansatt/resepsjon", nb.nav.reception], ["/ansatt/timebok", nb.nav.calendar]],
  billing: [["/ansatt/regnskap", nb.nav.billing], ["/ansatt/resepsjon", nb.nav.reception]],
  admin: [["/ansatt/admin", nb.nav.admin]],
};

export function Layout() {
  const { me, staff, logout } = useSession();
  const navigate = useNavigate();
  const links = staff ? staffLinks[staff.role] ?? [] : me ? patientLinks : [["/om", nb.nav.about] as const];
  const who = staff?.name || me?.name;
  const [menuOpen, setMenuOpen] = useState(false);
  const location = useLocation();
  useEffect(() => setMenuOpen(false), [location.pathname]); // a chosen page closes the phone menu
  return (
    <>
      <a className="skip-link" href="#main">{nb.app.skipToContent}</a>
      <header className="site-header">
        <div className="header-inner">
          <a className="brand" href={staff ? "/ansatt" : "/"}>
            <span aria-hidden="true" className="brand-mark">+</span> {nb.app.clinic} <span className="brand-name">{nb.app.name}</span>
          </a>
          {(me || staff) && (
            <div className="who">
              {who && <span className="who-name">{nb.app.loggedInAs(who)}</span>}
              <button type="button" className="link-button" onClick={async () => {
                await logout();
                navigate(staff ? "/ansatt/logg-inn" : "/");
              }}>{nb.app.logout}</button>
            </div>
          )}
        </div>
        <nav aria-label={nb.app.mainNav}>
          {links.length > 1 && (
            <button type="button" className="menu-button" aria-expanded={menuOpen} aria-controls="main-menu"
              onClick={() => setMenuOpen((o) => !o)}>{nb.app.menu}</button>
          )}
          <ul id="main-menu" className={menuOpen || links.length <= 1 ? "nav-list open" : "nav-list"}>
            {links.map(([to, label]) => (
              <li key={to}><NavLink to={to} end={to === "/"}>{label}</NavLink></li>
            ))}
          </ul>
        </nav>
      </header>
      <main id="main" tabIndex={-1}>
        <Outlet />
      </main>
      <footer className="site-footer"><p>{nb.app.emergency}</p></footer>
    </>
  );
}
