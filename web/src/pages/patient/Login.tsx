import { useState, type FormEvent } from "react";
import { Link, useLocation, useSearchParams } from "react-router-dom";
import { api, ApiError } from "../../api/client";
import { useAction } from "../../components/hooks";
import { Busy, ErrorMessage, Field, Notice, Page, Say } from "../../components/ui";
import { useSession } from "../../session";
import { words } from "../../text";
import { AboutText } from "./About";

/** Where ID-porten's login starts; it comes back to `returnTo`, a path in the portal. */
export function idportenStart(returnTo: string): string {
  return `/api/v1/auth/idporten/start?${new URLSearchParams({ return_to: returnTo })}`;
}

export function Login() {
  const { patientLoggedIn, ended } = useSession();
  const location = useLocation();
  // A refused login through ID-porten comes back here as ?innlogging=<code> (the code only, never a secret).
  const [params] = useSearchParams();
  const refused = params.get("innlogging");
  const kept = new URLSearchParams(params);
  kept.delete("innlogging");
  const returnTo = location.pathname + (kept.size ? `?${kept}` : "");
  const [nationalId, setNationalId] = useState("");
  const [challenge, setChallenge] = useState<string | null>(null);
  const [code, setCode] = useState("");
  const [formatError, setFormatError] = useState<string | null>(null);

  const start = useAction(async (id: string) => {
    const answer = await api.post<{ challenge_id: string }>("/api/v1/auth/login", { national_id: id }, { quiet401: true });
    setChallenge(answer.challenge_id);
  });
  const verify = useAction(async (c: string) => {
    const answer = await api.post<unknown>("/api/v1/auth/verify", { challenge_id: challenge, code: c }, { quiet401: true });
    await patientLoggedIn(answer);
  });

  const submitId = (e: FormEvent) => {
    e.preventDefault();
    const digits = nationalId.replace(/\s/g, "");
    if (!/^\d{11}$/.test(digits)) return setFormatError(words.login.invalidFormat);
    setFormatError(null);
    void start.run(digits);
  };
  const submitCode = (e: FormEvent) => {
    e.preventDefault();
    const digits = code.replace(/\s/g, "");
    if (!/^\d{6}$/.test(digits)) return setFormatError(words.login.invalidCodeFormat);
    setFormatError(null);
    void verify.run(digits);
  };
  const expired = verify.error && ["auth.code_expired", "auth.too_many_attempts"].includes(verify.error.code);

  return (
    <Page title={words.login.title} lead={words.login.lead}>
      {/* The session ended on the server while the portal was open: say why, and that the page comes back. */}
      {ended && <Notice kind="info">{words.login.sessionEnded}</Notice>}
      <section className="card narrow">
        {refused && <ErrorMessage error={new ApiError(401, refused)} />}
        <a className="button" href={idportenStart(returnTo)}>{words.login.idporten}</a>
        <p className="hint">{words.login.idportenHint}</p>
      </section>
      <section className="card narrow">
        <h2>{words.login.orSms}</h2>
        <p>{words.login.smsLead}</p>
        {!challenge ? (
          <form onSubmit={submitId} noValidate>
            <Field label={words.login.nationalId} hint={words.login.nationalIdHint}
              error={formatError ?? start.error?.fields.national_id}>
              {(p) => <input {...p} name="national_id" inputMode="numeric" autoComplete="off" maxLength={13}
                value={nationalId} onChange={(e) => setNationalId(e.target.value)} />}
            </Field>
            <ErrorMessage error={start.error} />
            <Busy busy={start.busy} label={words.login.sendCode} />
          </form>
        ) : (
          <form onSubmit={submitCode} noValidate>
            <Notice kind="info">{words.login.codeSent}</Notice>
            <Field label={words.login.code} error={formatError}>
              {(p) => <input {...p} name="code" inputMode="numeric" autoComplete="one-time-code" maxLength={6}
                value={code} onChange={(e) => setCode(e.target.value)} />}
            </Field>
            <ErrorMessage error={verify.error} />
            {!expired && <Busy busy={verify.busy} label={words.login.verify} />}
            <button type="button" className={expired ? "" : "secondary"} onClick={() => {
              setChallenge(null); setCode(""); verify.clear();
            }}>{expired ? words.login.sendCode : words.login.startOver}</button>
            <p className="hint"><Say text={words.login.noCode} /></p>
          </form>
        )}
      </section>
      <p><Link to="/ansatt/logg-inn">{words.login.staffLink}</Link></p>
      <AboutText headingLevel={2} />
    </Page>
  );
}
