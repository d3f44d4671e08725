// Small building blocks with accessibility built in: labelled fields, announced messages, loading states.

import { useEffect, useId, useRef, type ReactNode } from "react";
import type { ApiError } from "../api/client";
import { nb } from "../text/nb";

let firstPage = true;

export function Page({ title, children, lead }: { title: string; lead?: ReactNode; children: ReactNode }) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    document.title = `${title} – ${nb.app.name}`;
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

export function ErrorMessage({ error, onRetry }: { error: ApiError | null; onRetry?: () => void }) {
  if (!error) return null;
  return (
    <div className="alert alert-error" role="alert">
      <p>{error.message}</p>
      {onRetry && <button type="button" className="secondary" onClick={onRetry}>{nb.app.retry}</button>}
    </div>
  );
}

export function Notice({ kind = "success", children }: { kind?: "success" | "info" | "warning"; children: ReactNode }) {
  return <div className={`alert alert-${kind}`} role="status">{children}</div>;
}

export function Loading({ label = nb.app.loading }: { label?: string }) {
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
  label: string; hint?: string; error?: string | null; children: (props: {
    id: string; "aria-describedby"?: string; "aria-invalid"?: boolean;
  }) => ReactNode;
};

export function Field({ label, hint, error, children }: FieldProps) {
  const id = useId();
  const hintId = hint ? `${id}-hint` : undefined;
  const errorId = error ? `${id}-error` : undefined;
  const describedBy = [hintId, errorId].filter(Boolean).join(" ") || undefined;
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {hint && <p className="hint" id={hintId}>{hint}</p>}
      {children({ id, "aria-describedby": describedBy, "aria-invalid": error ? true : undefined })}
      {error && <p className="field-error" id={errorId}>{error}</p>}
    </div>
  );
}

export function Busy({ busy, label, busyLabel = nb.app.sending, ...rest }: {
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
export function FocusHeading({ id, children }: { id?: string; children: ReactNode }) {
  const ref = useRef<HTMLHeadingElement>(null);
  useEffect(() => { ref.current?.focus(); }, []);
  return <h2 id={id} ref={ref} tabIndex={-1}>{children}</h2>;
}
