import { useEffect, useRef, useState } from "react";
import { NavLink, Outlet, useLocation, useNavigate } from "react-router-dom";
import { api } from "../api/client";
import { useSession } from "../session";
import { language, LANGUAGES, switchLanguage, words, type Language } from "../text";
import { openingHours, PhoneLink, useClinic } from "./clinic";
import { mayOpen, PersonBar } from "./Person";
import { Say } from "./ui";

const patientLinks = [
  ["/", words.nav.home], ["/resept", words.nav.renew], ["/time", words.nav.book], ["/ekonsultasjon", words.nav.econsult],
  ["/fakturaer", words.nav.invoices], ["/tilgangslogg", words.nav.accessLog], ["/om", words.nav.about],
] as const;

const staffLinks: Record<string, readonly (readonly [string, string])[]> = {
  doctor: [["/ansatt/innboks", words.nav.inbox], ["/ansatt/timebok", words.nav.calendar],
    ["/ansatt/ekonsultasjon-av-pa", words.nav.econsultAvailability]],
  reception: [["/ansatt/resepsjon", words.nav.reception], ["/ansatt/timebok", words.nav.calendar]],
  billing: [["/ansatt/regnskap", words.nav.billing]],
  admin: [["/ansatt/admin", words.nav.admin]],
};

/** Bokmål, nynorsk, English: each named in its own language. A logged-in patient's choice goes to their profile
 * (their SMS and e-mail follow it); before login it waits for the next login. */
function LanguageChoice({ patient }: { patient: boolean }) {
  const [failed, setFailed] = useState(false);
  const choose = async (next: Language) => {
    if (next === language) return;
    if (patient) {
      try {
        await api.put("/api/v1/me/language", { language: next });
      } catch {
        setFailed(true);
        return;
      }
    }
    switchLanguage(next, { pending: !patient });
  };
  return (
    <div className="languages" role="group" aria-label={words.app.languageChoice}>
      {LANGUAGES.map((l) => (
        <button key={l} type="button" className="link-button" lang={l} aria-pressed={l === language}
          onClick={() => void choose(l)}>{words.app.languageNames[l]}</button>
      ))}
      {failed && <span role="alert" className="language-failed">{words.errors.unknown}</span>}
    </div>
  );
}

function ClinicFooter() {
  const clinic = useClinic();
  return (
    <footer className="site-footer">
      <p className="emergency"><Say text={words.app.emergency} /></p>
      {clinic && (
        <address>
          <strong>{clinic.name}</strong>
          <span>{clinic.address}</span>
          <span>{words.app.phone}: <PhoneLink /></span>
          {openingHours(clinic).map((line) => <span key={line}>{line}</span>)}
          <a href={clinic.web}>{clinic.web.replace(/^https?:\/\//, "").replace(/\/$/, "")}</a>
        </address>
      )}
    </footer>
  );
}

export function Layout() {
  const { me, staff, logout } = useSession();
  const navigate = useNavigate();
  const clinic = useClinic();
  const links = staff ? staffLinks[staff.role] ?? []
    : me ? patientLinks.filter(([to]) => mayOpen(me, to)) : [["/om", words.nav.about] as const];
  const who = staff?.name || me?.name;
  const [menuOpen, setMenuOpen] = useState(false);
  const menuButton = useRef<HTMLButtonElement>(null);
  const location = useLocation();
  useEffect(() => setMenuOpen(false), [location.pathname]); // a chosen page closes the phone menu
  useEffect(() => {
    if (!menuOpen) return undefined;
    const close = (e: KeyboardEvent) => {
      if (e.key !== "Escape") return;
      setMenuOpen(false);
      menuButton.current?.focus(); // back where the keyboard user opened it
    };
    document.addEventListener("keydown", close);
    return () => document.removeEventListener("keydown", close);
  }, [menuOpen]);
  return (
    <>
      <a className="skip-link" href="#main">{words.app.skipToContent}</a>
      <header className="site-header">
        <div className="header-inner">
          <a className="brand" href={staff ? "/ansatt" : "/"}>
            <span aria-hidden="true" className="brand-mark">+</span> {clinic?.name ?? words.app.clinic}{" "}
            <span className="brand-name">{words.app.name}</span>
          </a>
          <div className="who">
            {!staff && <LanguageChoice patient={me?.kind === "patient"} />}
            {who && <span className="who-name">{words.app.loggedInAs(who)}</span>}
            {(me || staff) && (
              <button type="button" className="link-button" onClick={async () => {
                await logout();
                navigate(staff ? "/ansatt/logg-inn" : "/");
              }}>{words.app.logout}</button>
            )}
          </div>
        </div>
        <nav aria-label={words.app.mainNav}>
          {links.length > 1 && (
            <button ref={menuButton} type="button" className="menu-button" aria-expanded={menuOpen}
              aria-controls="main-menu" onClick={() => setMenuOpen((o) => !o)}>{words.app.menu}</button>
          )}
          <ul id="main-menu" className={menuOpen || links.length <= 1 ? "nav-list open" : "nav-list"}>
            {links.map(([to, label]) => (
              <li key={to}><NavLink to={to} end={to === "/"}>{label}</NavLink></li>
            ))}
          </ul>
        </nav>
      </header>
      {!staff && <PersonBar />}
      <main id="main" tabIndex={-1}>
        <Outlet />
      </main>
      {/* The emergency numbers and the clinic's facts are for patients; staff pages need the room. */}
      {!staff && !location.pathname.startsWith("/ansatt") && <ClinicFooter />}
    </>
  );
}
