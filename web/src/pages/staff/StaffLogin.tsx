import { useState, type FormEvent } from "react";
import { Link } from "react-router-dom";
import { staffApi } from "../../api/staff";
import { useAction } from "../../components/hooks";
import { Busy, ErrorMessage, Field, Notice, Page } from "../../components/ui";
import { useSession } from "../../session";
import { words } from "../../text";

export function StaffLogin() {
  const { staffLoggedIn, ended } = useSession();
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const login = useAction(async () => staffLoggedIn(await staffApi.login(username.trim(), password)));
  return (
    <Page title={words.staffLogin.title}>
      {ended && <Notice kind="info">{words.staffLogin.sessionEnded}</Notice>}
      <section className="card narrow">
        <form onSubmit={(e: FormEvent) => { e.preventDefault(); void login.run(); }}>
          <Field label={words.staffLogin.username}>
            {(p) => <input {...p} name="username" autoComplete="username" value={username} onChange={(e) => setUsername(e.target.value)} />}
          </Field>
          <Field label={words.staffLogin.password}>
            {(p) => <input {...p} name="password" type="password" autoComplete="current-password" value={password}
              onChange={(e) => setPassword(e.target.value)} />}
          </Field>
          <ErrorMessage error={login.error?.status === 401 ? Object.assign(login.error, { message: words.errors["auth.invalid_credentials"] }) : login.error} />
          <Busy busy={login.busy} label={words.staffLogin.submit} />
        </form>
      </section>
      <p><Link to="/">{words.staffLogin.patientLink}</Link></p>
    </Page>
  );
}
