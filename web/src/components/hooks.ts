// Loading and acting without ever leaving a page broken: every request has a loading, a failed and a done state.

import { useCallback, useEffect, useRef, useState } from "react";
import { ApiError } from "../api/client";

export type Loaded<T> = { data: T | undefined; error: ApiError | null; loading: boolean; reload: () => void };

function asApiError(e: unknown): ApiError {
  return e instanceof ApiError ? e : new ApiError(0, "unknown");
}

/** Load on mount (and when `deps` change); a late answer for an old request is ignored. */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[] = []): Loaded<T> {
  const [data, setData] = useState<T>();
  const [error, setError] = useState<ApiError | null>(null);
  const [loading, setLoading] = useState(true);
  const [round, setRound] = useState(0);
  useEffect(() => {
    let live = true;
    setLoading(true);
    setError(null);
    load().then(
      (d) => { if (live) { setData(d); setLoading(false); } },
      (e: unknown) => { if (live) { setError(asApiError(e)); setLoading(false); } },
    );
    return () => { live = false; };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...deps, round]);
  const reload = useCallback(() => setRound((r) => r + 1), []);
  return { data, error, loading, reload };
}

export type Action<A extends unknown[], R> = {
  run: (...args: A) => Promise<R | undefined>; busy: boolean; error: ApiError | null; clear: () => void;
};

/** A button's action: one at a time (no double booking by a double click), its error kept for display. */
export function useAction<A extends unknown[], R>(act: (...args: A) => Promise<R>): Action<A, R> {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const running = useRef(false);
  const run = useCallback(async (...args: A) => {
    if (running.current) return undefined;
    running.current = true;
    setBusy(true);
    setError(null);
    try {
      return await act(...args);
    } catch (e) {
      setError(asApiError(e));
      return undefined;
    } finally {
      running.current = false;
      setBusy(false);
    }
  }, [act]);
  return { run, busy, error, clear: () => setError(null) };
}

/** Text typed into a form, kept in this tab (sessionStorage) until `clear`: a session that ends while the patient
 * writes, or a reload, does not lose it. */
export function useDraft(key: string): [string, (value: string) => void, () => void] {
  const [value, setValue] = useState(() => {
    try { return sessionStorage.getItem(key) ?? ""; } catch { return ""; }
  });
  const set = useCallback((next: string) => {
    setValue(next);
    try { if (next) sessionStorage.setItem(key, next); else sessionStorage.removeItem(key); } catch { /* kept in memory */ }
  }, [key]);
  const clear = useCallback(() => set(""), [set]);
  return [value, set, clear];
}
