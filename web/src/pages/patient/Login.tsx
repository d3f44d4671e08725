import { useState, type FormEvent } from "react";
import { Link, useLocation, useSearchParams } from "react-router-dom";
import { api, ApiError } from "../../api/client";
import { useAction } from "../../components/hooks";
import { Busy, ErrorMessage, Field, Notice, Page } from "../../components/ui";
import { useSession } from "../../session";
import { nb } from "../../text/nb";
import { AboutText } from "./About";

/** Where ID-porten's login starts; it comes back to `returnTo`, a path in the portal. */
export function idportenStart(returnTo: string): string {
  return `/api/v1/auth/idporten/start?${new URLSearchParams({ return_to: returnTo })}`;
}

export function Login() {
  const { patientLoggedIn } = useSession();
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
    if (!/^\d{11}$/.test(digits)) return setFormatError(nb.login.invalidFormat);
    setFormatError(null);
    void start.run(digits);
  };
  const submitCode = (e: FormEvent) => {
    e.preventDefault();
    const digits = code.replace(/\s/g, "");
    if (!/^\d{6}$/.test(digits)) return setFormatError(nb.login.invalidCodeFormat);
    setFormatError(null);
    void verify.run(digits);
  };
  const expired = verify.error && ["auth.code_expired", "auth.too_many_attempts"].includes(verify.error.code);

  return (
    <Page title={nb.login.title} lead={nb.login.lead}>
      <section className="card narrow">
        {refused && <ErrorMessage error={new ApiError(401, refused)} />}
        <a className="button" href={idportenStart(returnTo)}>{nb.login.idporten}</a>
        <p className="hint">{nb.login.idportenHint}</p>
      </section>
      <section className="card narrow">
        <h2>{nb.login.orSms}</h2>
        <p>{nb.login.smsLead}</p>
        {!challenge ? (
          <form onSubmit={submitId} noValidate>
            <Field label={nb.login.nationalId} hint={nb.login.nationalIdHint} error={formatError}>
              {(p) => <input {...p} name="national_id" inputMode="numeric" autoComplete="off" maxLength={13}
                value={nationalId} onChange={(e) => setNationalId(e.target.value)} />}
            </Field>
            <ErrorMessage error={start.error} />
            <Busy busy={start.busy} label={nb.login.sendCode} />
          </form>
        ) : (
          <form onSubmit={submitCode} noValidate>
            <Notice kind="info">{nb.login.codeSent}</Notice>
            <Field label={nb.login.code} error={formatError}>
              {(p) => <input {...p} name="code" inputMode="numeric" autoComplete="one-time-code" maxLength={6}
                value={code} onChange={(e) => setCode(e.target.value)} />}
            </Field>
            <ErrorMessage error={verify.error} />
            {!expired && <Busy busy={verify.busy} label={nb.login.verify} />}
            <button type="button" className={expired ? "" : "secondary"} onClick={() => {
              setChallenge(null); setCode(""); verify.clear();
            }}>{expired ? nb.login.sendCode : nb.login.startOver}</button>
            <p className="hint">{nb.login.noCode}</p>
          </form>
        )}
      </section>
      <p><Link to="/ansatt/logg-inn">{nb.login.staffLink}</Link></p>
      <AboutText headingLevel={2} />
    </Page>
  );
}
