// Tiny fetch wrapper: session auth, the CSRF header, JSON in/out, errors as data.
export interface ApiErrorItem {
  path?: string;
  node_id?: string | null;
  code?: string;
  message: string;
}

export class ApiError extends Error {
  status: number;
  body: any;
  errors: ApiErrorItem[];
  constructor(status: number, body: any) {
    const errors: ApiErrorItem[] = Array.isArray(body?.errors) ? body.errors : [];
    super(errors.map((e) => e.message).join("; ") || `HTTP ${status}`);
    this.status = status;
    this.body = body;
    this.errors = errors;
  }
}

let csrfToken = "";

export function setCsrfToken(token: string): void {
  csrfToken = token;
}

function cookieCsrf(): string {
  const m = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
  return m ? decodeURIComponent(m[1]) : "";
}

export async function request<T = any>(method: string, url: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { Accept: "application/json" };
  let payload: BodyInit | undefined;
  if (body instanceof FormData) {
    payload = body;
  } else if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    payload = JSON.stringify(body);
  }
  if (method !== "GET" && method !== "HEAD") headers["X-CSRFToken"] = csrfToken || cookieCsrf();
  const res = await fetch(url, { method, headers, body: payload, credentials: "same-origin" });
  const text = await res.text();
  let data: any = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = { errors: [{ message: text.slice(0, 300) }] };
    }
  }
  if (!res.ok) throw new ApiError(res.status, data);
  return data as T;
}

export const api = {
  get: <T = any>(url: string) => request<T>("GET", url),
  post: <T = any>(url: string, body?: unknown) => request<T>("POST", url, body ?? {}),
  put: <T = any>(url: string, body?: unknown) => request<T>("PUT", url, body),
  patch: <T = any>(url: string, body?: unknown) => request<T>("PATCH", url, body),
  del: <T = any>(url: string) => request<T>("DELETE", url),
};

/** Base URL of a workspace's API, e.g. /api/w/acme/ */
export function wsUrl(workspace: string, rest = ""): string {
  return `/api/w/${encodeURIComponent(workspace)}/${rest}`;
}
