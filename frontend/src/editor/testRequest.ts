// "Test request" for http_request nodes: which variables the node's templates read, and the API payload.

/** Same placeholder grammar as the engine's templating (`{{name}}`, `{{ a.b }}`, `{{name|default}}`, `\{{`). */
const PLACEHOLDER = /\\\{\{|\{\{\s*([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)*)\s*(?:\|([^{}]*?))?\s*\}\}/g;

/** Top-level variable names a template reads, in order of first use (cf. templating.template_names). */
export function templateNames(template: string): string[] {
  const names: string[] = [];
  for (const m of template.matchAll(PLACEHOLDER)) {
    if (!m[1]) continue; // an escaped `\{{`
    const name = m[1].split(".")[0];
    if (!names.includes(name)) names.push(name);
  }
  return names;
}

export interface HttpNodeData {
  url?: string;
  headers?: { name: string; value: string }[];
  body?: string;
  [key: string]: unknown;
}

/** Variables the request needs (URL, header values, body), each once, in the order they appear. */
export function requestVariableNames(data: HttpNodeData): string[] {
  const templates = [
    typeof data.url === "string" ? data.url : "",
    ...(Array.isArray(data.headers) ? data.headers.map((h) => (typeof h?.value === "string" ? h.value : "")) : []),
    typeof data.body === "string" ? data.body : "",
  ];
  const names: string[] = [];
  for (const tpl of templates) for (const n of templateNames(tpl)) if (!names.includes(n)) names.push(n);
  return names;
}

export interface TestRequestResult {
  request: { method: string; url: string; headers: { name: string; value: string }[]; body: string | null };
  status: number | null;
  error: string | null;
  body: unknown;
  mapped: Record<string, unknown>;
  port: "ok" | "error";
}

/** The POST body: the node's data as edited (unsaved) and a value for each variable it reads. */
export function testRequestPayload(data: HttpNodeData, values: Record<string, string>) {
  const variables: Record<string, string> = {};
  for (const name of requestVariableNames(data)) variables[name] = values[name] ?? "";
  return { node: data, variables };
}

/** A response body for display: pretty JSON, or "" when there is none. */
export function prettyJson(value: unknown): string {
  return value === null || value === undefined ? "" : JSON.stringify(value, null, 2);
}
