// The one way the portal talks to the gateway: the public API only, with the session cookie and the CSRF
// header, a timeout so a hung request never freezes a page, and problem details turned into ApiError.

import { errorText, words } from "../text";

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly detail?: string;
  /** What is wrong with each field the server named, as sentences, keyed by the field's name. */
  readonly fields: Record<string, string>;
  /** How long to wait before trying again, when the server said (a login lockout). */
  readonly retryAfterSeconds: number | null;

  constructor(status: number, code: string, detail?: string,
    extra: { fields?: Record<string, string>; retryAfterSeconds?: number | null } = {}) {
    const fields = extra.fields ?? {};
    super(Object.keys(fields).length > 0 ? words.problems.checkFields : errorText(code, status, extra.retryAfterSeconds));
    this.status = status;
    this.code = code;
    this.detail = detail;
    this.fields = fields;
    this.retryAfterSeconds = extra.retryAfterSeconds ?? null;
  }
}

// Domain refusals that are about one field of a form (the rest name their field in `errors`).
const FIELD_OF_CODE: Record<string, string> = {
  "validation.national_id": "national_id", "auth.invalid_national_id": "national_id", "validation.mobile": "mobile",
  "validation.guardian_is_child": "national_id",
  "validation.name": "name", "validation.email": "email", "validation.unknown_gp": "gp_id", "validation.kid": "kid",
};

/** Each field's problem from a problem document: pydantic's `errors` (a location and a type) or a code that names
 * a field. Never the server's own text: it is English, and may echo what was typed. */
export function fieldErrors(body: { code?: unknown; errors?: unknown }): Record<string, string> {
  const fields: Record<string, string> = {};
  if (Array.isArray(body.errors)) {
    for (const e of body.errors as { loc?: unknown[]; type?: unknown }[]) {
      const name = [...(e.loc ?? [])].reverse().find((l): l is string => typeof l === "string" && l !== "body");
      if (name && !fields[name]) fields[name] = words.fieldErrors[String(e.type)] ?? words.fieldErrors.invalid;
    }
  }
  const named = typeof body.code === "string" ? FIELD_OF_CODE[body.code] : undefined;
  if (named) fields[named] = errorText(body.code as string);
  return fields;
}

const CSRF_KEY = "eportal.csrf";
const DEFAULT_CSRF_HEADER = "X-CSRF-Token";
export const TIMEOUT_MS = 20_000;

/** The CSRF token the API gave at login (kept for this tab only), or one from a readable cookie. */
export function csrfToken(): { header: string; token: string } | null {
  try {
    const stored = sessionStorage.getItem(CSRF_KEY);
    if (stored) return JSON.parse(stored) as { header: string; token: string };
  } catch {
    // storage may be disabled: fall back to the cookie
  }
  const cookie = document.cookie.split(";").map((c) => c.trim()).find((c) => /^(__Host-)?[\w-]*csrf[\w-]*=/i.test(c));
  if (cookie) return { header: DEFAULT_CSRF_HEADER, token: decodeURIComponent(cookie.split("=").slice(1).join("=")) };
  return null;
}

/** Remember how to send the CSRF token, from a login answer. Accepts the shapes an API may reasonably use. */
export function rememberCsrf(answer: unknown): void {
  if (!answer || typeof answer !== "object") return;
  const a = answer as Record<string, unknown>;
  let token: unknown = a.csrf_token ?? a.csrfToken;
  let header: unknown = a.csrf_header ?? DEFAULT_CSRF_HEADER;
  if (a.csrf && typeof a.csrf === "object") {
    const c = a.csrf as Record<string, unknown>;
    token = c.token ?? token;
    header = c.header ?? c.header_name ?? header;
  } else if (typeof a.csrf === "string") {
    token = a.csrf;
  }
  if (typeof token === "string" && typeof header === "string") {
    try {
      sessionStorage.setItem(CSRF_KEY, JSON.stringify({ header, token }));
    } catch {
      // without storage the cookie fallback is used
    }
  }
}

export function forgetSession(): void {
  try {
    sessionStorage.removeItem(CSRF_KEY);
  } catch {
    // nothing to forget
  }
}

type Listener = () => void;
const loggedOutListeners = new Set<Listener>();
/** Called when the API says the session is gone (401), so the app can show the login page. */
export function onLoggedOut(listener: Listener): () => void {
  loggedOutListeners.add(listener);
  return () => loggedOutListeners.delete(listener);
}

export interface RequestOptions {
  json?: unknown;
  form?: FormData;
  query?: Record<string, string | undefined>;
  signal?: AbortSignal;
  timeoutMs?: number;
  /** A 401 here is an answer (wrong code, not logged in yet), not a lost session. */
  quiet401?: boolean;
}

export async function request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
  const response = await send(method, path, options);
  if (response.status === 204) return undefined as T;
  const type = response.headers.get("content-type") ?? "";
  if (!type.includes("json")) return (await response.text()) as T;
  return (await response.json()) as T;
}

/** The raw response of a successful request (for PDFs); failures raise ApiError as for JSON. */
export async function send(method: string, path: string, options: RequestOptions = {}): Promise<Response> {
  const url = new URL(path, window.location.origin);
  for (const [k, v] of Object.entries(options.query ?? {})) if (v !== undefined && v !== "") url.searchParams.set(k, v);
  const headers: Record<string, string> = { Accept: "application/json, application/problem+json" };
  let body: BodyInit | undefined;
  if (options.json !== undefined) {
    headers["Content-Type"] = "application/json";
    body = JSON.stringify(options.json);
  } else if (options.form) {
    body = options.form;
  }
  if (method !== "GET" && method !== "HEAD") {
    const csrf = csrfToken();
    if (csrf) headers[csrf.header] = csrf.token;
  }
  const timeout = new AbortController();
  const timer = window.setTimeout(() => timeout.abort(), options.timeoutMs ?? TIMEOUT_MS);
  const onAbort = () => timeout.abort();
  options.signal?.addEventListener("abort", onAbort);
  let response: Response;
  try {
    response = await fetch(url, { method, headers, body, credentials: "same-origin", signal: timeout.signal });
  } catch (e) {
    if (options.signal?.aborted) throw e;
    throw new ApiError(0, timeout.signal.aborted ? "network.timeout" : "network.offline");
  } finally {
    window.clearTimeout(timer);
    options.signal?.removeEventListener("abort", onAbort);
  }
  if (response.ok) return response;
  const error = await problem(response);
  if (error.status === 401 && !options.quiet401) loggedOutListeners.forEach((l) => l());
  throw error;
}

async function problem(response: Response): Promise<ApiError> {
  let code = response.status >= 500 ? "server" : response.status === 404 ? "not_found" : "unknown";
  let detail: string | undefined;
  let fields: Record<string, string> = {};
  let retryAfterSeconds: number | null = null;
  try {
    const body = (await response.json()) as { code?: unknown; detail?: unknown; errors?: unknown;
      retry_after_seconds?: unknown };
    if (typeof body.code === "string") code = body.code;
    if (typeof body.detail === "string") detail = body.detail;
    fields = fieldErrors(body);
    if (typeof body.retry_after_seconds === "number") retryAfterSeconds = body.retry_after_seconds;
  } catch {
    // not a problem document (a proxy's HTML page): keep the status-based code
  }
  if (response.status === 401 && code === "unknown") code = "auth.required";
  if (response.status === 403 && code === "unknown") code = "forbidden";
  if (response.status === 422 && code === "unknown") code = "validation";
  return new ApiError(response.status, code, detail, { fields, retryAfterSeconds });
}

export const api = {
  get: <T>(path: string, options?: RequestOptions) => request<T>("GET", path, options),
  post: <T>(path: string, json?: unknown, options?: RequestOptions) => request<T>("POST", path, { ...options, json }),
  put: <T>(path: string, json?: unknown, options?: RequestOptions) => request<T>("PUT", path, { ...options, json }),
  patch: <T>(path: string, json?: unknown, options?: RequestOptions) => request<T>("PATCH", path, { ...options, json }),
  del: <T>(path: string, options?: RequestOptions) => request<T>("DELETE", path, options),
};
