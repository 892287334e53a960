// Bootstrap data rendered by the Django shell page with json_script (never string-interpolated).
export interface Bootstrap {
  workspace: string; // slug
  workspaces: { slug: string; name: string; role: string }[];
  user: { id: number; username: string };
  role: "admin" | "editor" | "operator" | string;
  csrf_token: string;
  language: string;
  scenario_id?: string;
  urls: Record<string, string>;
}

let cached: Bootstrap | null = null;

export function readBootstrap(id = "bootstrap"): Bootstrap {
  if (cached) return cached;
  const el = document.getElementById(id);
  if (!el || !el.textContent) throw new Error(`#${id} bootstrap data missing`);
  cached = JSON.parse(el.textContent) as Bootstrap;
  return cached;
}
