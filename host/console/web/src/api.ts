// The HTTP client of the console: bearer tokens kept in localStorage, refreshed
// silently before they expire (and once more on a 401), errors in the API's shape.

export interface Session {
  access_token: string;
  refresh_token: string;
  /** Milliseconds since the epoch. */
  expires_at: number;
}

export class ApiError extends Error {
  constructor(
    public status: number,
    public code: string,
    message: string,
    public field?: string,
    /** The whole JSON answer, for errors that carry more than `error` (e.g. CRM's
     *  refused import: `{"error", "imported": 0, "errors": [{row, field, message}]}`). */
    public body?: any,
  ) {
    super(message);
  }
}

const KEY = "eoex.session";
let session: Session | null = read();
let refreshing: Promise<boolean> | null = null;
let timer: number | undefined;
const listeners = new Set<(s: Session | null) => void>();

function read(): Session | null {
  try {
    const raw = localStorage.getItem(KEY);
    return raw ? (JSON.parse(raw) as Session) : null;
  } catch {
    return null;
  }
}

export function currentSession(): Session | null {
  return session;
}

export function onSessionChange(listener: (s: Session | null) => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function setSession(tokens: { access_token: string; refresh_token: string; expires_in: number } | null) {
  session = tokens
    ? {
        access_token: tokens.access_token,
        refresh_token: tokens.refresh_token,
        expires_at: Date.now() + tokens.expires_in * 1000,
      }
    : null;
  if (session) localStorage.setItem(KEY, JSON.stringify(session));
  else localStorage.removeItem(KEY);
  schedule();
  listeners.forEach((l) => l(session));
}

/** Refreshes a minute before expiry, so that requests never wait for it. */
function schedule() {
  window.clearTimeout(timer);
  if (!session) return;
  const wait = Math.max(session.expires_at - Date.now() - 60_000, 5_000);
  timer = window.setTimeout(() => void refresh(), wait);
}
schedule();

/** One refresh at a time; false (and logged out) when the refresh token is spent. */
export function refresh(): Promise<boolean> {
  if (!session) return Promise.resolve(false);
  if (!refreshing) {
    const token = session.refresh_token;
    refreshing = fetch("/api/v1/auth/refresh", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ refresh_token: token }),
    })
      .then(async (r) => {
        if (r.ok) {
          setSession(await r.json());
          return true;
        }
        // Another tab may have refreshed with the same token meanwhile.
        const stored = read();
        if (stored && stored.refresh_token !== token) {
          session = stored;
          schedule();
          return true;
        }
        if (r.status === 401) setSession(null);
        return false;
      })
      .catch(() => false)
      .finally(() => {
        refreshing = null;
      });
  }
  return refreshing;
}

export interface RequestOptions {
  method?: string;
  body?: unknown;
  /** Sent as is with this content type instead of JSON. */
  raw?: { body: BodyInit; contentType: string };
  query?: Record<string, string | number | boolean | undefined | null>;
}

export function withQuery(path: string, query?: RequestOptions["query"]): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v !== undefined && v !== null && v !== "") params.set(k, String(v));
  }
  const qs = params.toString();
  return qs ? `${path}${path.includes("?") ? "&" : "?"}${qs}` : path;
}

/** A request with the session's token; the raw Response, errors thrown as ApiError. */
export async function send(path: string, options: RequestOptions = {}, retried = false): Promise<Response> {
  if (session && session.expires_at - Date.now() < 10_000) await refresh();
  const headers: Record<string, string> = {};
  if (session) headers.authorization = `Bearer ${session.access_token}`;
  let body: BodyInit | undefined;
  if (options.raw) {
    headers["content-type"] = options.raw.contentType;
    body = options.raw.body;
  } else if (options.body !== undefined) {
    headers["content-type"] = "application/json";
    body = JSON.stringify(options.body);
  }
  let response: Response;
  try {
    response = await fetch(withQuery(path, options.query), { method: options.method ?? "GET", headers, body });
  } catch {
    throw new ApiError(0, "network_error", "The server cannot be reached. Check your connection and try again.");
  }
  if (response.status === 401 && session && !retried && (await refresh())) {
    return send(path, options, true);
  }
  if (!response.ok) {
    let code = "http_error";
    let message = `${response.status} ${response.statusText}`;
    let field: string | undefined;
    let payload: any;
    try {
      payload = await response.json();
      if (payload?.error) {
        code = payload.error.code ?? code;
        message = payload.error.message ?? message;
        field = payload.error.field ?? undefined;
      }
    } catch {
      /* not JSON */
    }
    throw new ApiError(response.status, code, message, field, payload);
  }
  return response;
}

/** A JSON request; `null` for 204. */
export async function api<T = any>(path: string, options: RequestOptions = {}): Promise<T> {
  const response = await send(path, options);
  if (response.status === 204) return null as T;
  const text = await response.text();
  return (text ? JSON.parse(text) : null) as T;
}

/** A list answer of any module: `{items, total, page, limit}`, or a bare array. */
export interface ListPage<T = Record<string, any>> {
  items: T[];
  total: number;
  page: number;
  limit: number;
}

export function asPage<T = Record<string, any>>(value: any, page = 1, limit = 50): ListPage<T> {
  if (Array.isArray(value)) return { items: value, total: value.length, page: 1, limit: value.length || limit };
  const items: T[] = Array.isArray(value?.items) ? value.items : [];
  return {
    items,
    total: typeof value?.total === "number" ? value.total : items.length,
    page: typeof value?.page === "number" ? value.page : page,
    limit: typeof value?.limit === "number" ? value.limit : limit,
  };
}
