import { useState, type FormEvent } from "react";
import { Link } from "react-router-dom";
import { staffApi } from "../../api/staff";
import { useAction } from "../../components/hooks";
import { Busy, ErrorMessage, Field, Page } from "../../components/ui";
import { useSession } from "../../session";
import { nb } from "../../text/nb";

export function StaffLogin() {
  const { staffLoggedIn } = useSession();
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const login = useAction(async () => staffLoggedIn(await staffApi.login(username.trim(), password)));
  return (
    <Page title={nb.staffLogin.title}>
      <section className="card narrow">
        <form onSubmit={(e: FormEvent) => { e.preventDefault(); void login.run(); }}>
          <Field label={nb.staffLogin.username}>
            {(p) => <input {...p} name="username" autoComplete="username" value={username} onChange={(e) => setUsername(e.target.value)} />}
          </Field>
          <Field label={nb.staffLogin.password}>
            {(p) => <input {...p} name="password" type="password" autoComplete="current-password" value={password}
              onChange={(e) => setPassword(e.target.value)} />}
          </Field>
          <ErrorMessage error={login.error?.status === 401 ? Object.assign(login.error, { message: nb.errors["auth.invalid_credentials"] }) : login.error} />
          <Busy busy={login.busy} label={nb.staffLogin.submit} />
        </form>
      </section>
      <p><Link to="/">{nb.staffLogin.patientLink}</Link></p>
    </Page>
  );
}
