// Small building blocks with accessibility built in: labelled fields, announced messages, loading states.

import { Fragment, useEffect, useId, useRef, type ReactNode } from "react";
import type { ApiError } from "../api/client";
import { formatBirthDate } from "../logic/time";
import { words } from "../text";
import { PhoneLink } from "./clinic";

let firstPage = true;

export function Page({ title, children, lead }: { title: string; lead?: ReactNode; children: ReactNode }) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    document.title = `${title} – ${words.app.name}`;
    // After moving to another page, the new heading takes focus: screen readers announce it and keyboard users
    // start there. The first page of a visit keeps the browser's own start, so "Hopp til innholdet" comes first.
    if (firstPage) firstPage = false;
    else heading.current?.focus();
  }, [title]);
  return (
    <>
      <h1 ref={heading} tabIndex={-1}>{title}</h1>
      {lead && <p className="lead">{lead}</p>}
      {children}
    </>
  );
}

/** A sentence from the catalogue, with the clinic's phone number where it says {tel} ("Ring legekontoret på
 * {tel}."), so every "ring oss" carries the number to ring. */
export function Say({ text }: { text: string }) {
  const parts = text.split("{tel}");
  return <>{parts.map((part, n) => <Fragment key={n}>{n > 0 && <PhoneLink />}{part}</Fragment>)}</>;
}

export function ErrorMessage({ error, onRetry }: { error: ApiError | null; onRetry?: () => void }) {
  if (!error) return null;
  return (
    <div className="alert alert-error" role="alert">
      <p><Say text={error.message} /></p>
      {onRetry && <button type="button" className="secondary" onClick={onRetry}>{words.app.retry}</button>}
    </div>
  );
}

/** A message in place. `takeFocus`: the result of what the user just did, moved to so it is seen and read out
 * (on a phone it may otherwise be off-screen). */
export function Notice({ kind = "success", children, takeFocus = false }: {
  kind?: "success" | "info" | "warning"; children: ReactNode; takeFocus?: boolean;
}) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => { if (takeFocus) ref.current?.focus(); }, [takeFocus]);
  return <div ref={ref} className={`alert alert-${kind}`} role="status" tabIndex={takeFocus ? -1 : undefined}>{children}</div>;
}

/** Whom a staff page is about: the name and the birth date (never the national ID). */
export function PatientName({ name, birthDate }: { name: string | null | undefined; birthDate?: string | null }) {
  if (!name) return null;
  return <>{name}{birthDate && <span className="born">, {words.staff.born(formatBirthDate(birthDate))}</span>}</>;
}

/** Above a form with required fields: what the mark means. */
export function RequiredNote() {
  return <p className="hint">{words.app.requiredNote}</p>;
}

export function Loading({ label = words.app.loading }: { label?: string }) {
  return <p className="loading" role="status" aria-live="polite">{label}</p>;
}

/** What a loaded section shows: a spinner, the error with a retry button, or the content. */
export function Section<T>({ title, state, children, level = 2 }: {
  title?: string; level?: 2 | 3;
  state: { data: T | undefined; error: ApiError | null; loading: boolean; reload: () => void };
  children: (data: T) => ReactNode;
}) {
  const Heading = level === 2 ? "h2" : "h3";
  return (
    <section className="card">
      {title && <Heading>{title}</Heading>}
      {state.loading && state.data === undefined && <Loading />}
      {state.error && <ErrorMessage error={state.error} onRetry={state.reload} />}
      {state.data !== undefined && children(state.data)}
    </section>
  );
}

type FieldProps = {
  label: string; hint?: string; error?: string | null; required?: boolean; children: (props: {
    id: string; "aria-describedby"?: string; "aria-invalid"?: boolean; "aria-required"?: boolean;
  }) => ReactNode;
};

/** A labelled field with its hint and, from the server or the form, its own error beside it. `required` marks
 * the label (see RequiredNote) and tells assistive technology (aria-required: the portal's own messages, not the
 * browser's, say what is missing). */
export function Field({ label, hint, error, required, children }: FieldProps) {
  const id = useId();
  const hintId = hint ? `${id}-hint` : undefined;
  const errorId = error ? `${id}-error` : undefined;
  const describedBy = [hintId, errorId].filter(Boolean).join(" ") || undefined;
  return (
    <div className="field">
      <label htmlFor={id}>{label}{required && <span className="required" aria-hidden="true"> *</span>}</label>
      {hint && <p className="hint" id={hintId}>{hint}</p>}
      {children({ id, "aria-describedby": describedBy, "aria-invalid": error ? true : undefined,
        "aria-required": required || undefined })}
      {error && <p className="field-error" id={errorId}>{error}</p>}
    </div>
  );
}

export function Busy({ busy, label, busyLabel = words.app.sending, ...rest }: {
  busy: boolean; label: string; busyLabel?: string; className?: string; disabled?: boolean;
  type?: "submit" | "button"; onClick?: () => void;
}) {
  return (
    <button type={rest.type ?? "submit"} className={rest.className} disabled={busy || rest.disabled}
      aria-busy={busy || undefined} onClick={rest.onClick}>
      {busy ? busyLabel : label}
    </button>
  );
}

/** A heading that takes focus when it appears (a confirmation step, a result), so it is read out. */
export function FocusHeading({ id, children, level = 2 }: { id?: string; children: ReactNode; level?: 2 | 3 }) {
  const ref = useRef<HTMLHeadingElement>(null);
  useEffect(() => { ref.current?.focus(); }, []);
  const Heading = level === 2 ? "h2" : "h3";
  return <Heading id={id} ref={ref} tabIndex={-1}>{children}</Heading>;
}
