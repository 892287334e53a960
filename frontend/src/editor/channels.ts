// Channels and WhatsApp templates as the editor sees them (runtime/channels_api.py): pure helpers plus
// the two fetches the template inspector needs.
import { api } from "../shared/api";

export type ChannelKind = "web" | "telegram" | "whatsapp" | string;

export interface Channel {
  id: number;
  kind: ChannelKind;
  name: string;
  key: string;
  scenario: string | null;
  config: Record<string, unknown>;
  is_active: boolean;
  webhook_url: string | null;
  secrets_set: string[];
  created_at: string | null;
  /** Only in the answer to a create or rotate: the secrets the server generated, shown once. */
  generated_secrets?: Record<string, string>;
  /** What it runs (runtime/channel_setup.describe). */
  scenario_name?: string | null;
  scenario_published?: boolean;
  /** What it does while it runs no scenario: straight to the operator queue, or an auto-reply text. */
  no_scenario_action?: NoScenarioAction;
  no_scenario_text?: string;
  /** Web widget only. */
  snippet?: string;
  test_url?: string;
  allowed_origins?: string[];
}

export type NoScenarioAction = "queue" | "auto_reply";

/** GET /channels/: the channels and what the caller may do with them. */
export interface ChannelList {
  results: Channel[];
  can_manage: boolean;
  /** May change which scenario a channel runs (admins; editors when the workspace allows it). */
  can_connect: boolean;
  editors_can_connect_channels: boolean;
}

/** A scenario as the pickers need it (GET /scenarios/). */
export interface ScenarioChoice {
  id: string;
  name: string;
  published_version: number | null;
}

/** Only published scenarios can run on a channel (the server refuses the others). */
export function publishedScenarios(list: ScenarioChoice[]): ScenarioChoice[] {
  return list.filter((s) => s.published_version != null).sort((a, b) => a.name.localeCompare(b.name));
}

/** The channels a customer can reach (the editor's preview channels are internal). */
export function customerChannels(list: Channel[]): Channel[] {
  return list.filter((c) => c.kind !== "preview");
}

export interface WaTemplate {
  id: number;
  name: string;
  language: string;
  category: string;
  body: string;
  placeholders: string[];
  status: string;
}

export const CREATABLE_KINDS = ["web", "telegram", "whatsapp"] as const;
export type CreatableKind = (typeof CREATABLE_KINDS)[number];

/** The create form's fields, all kinds together; only the chosen kind's ones are sent. */
export interface ChannelForm {
  name: string;
  /** A published scenario's id, or "" for none. */
  scenario: string;
  origins: string;
  bot_token: string;
  phone_number_id: string;
  access_token: string;
  app_secret: string;
}

export const EMPTY_FORM: ChannelForm = {
  name: "",
  scenario: "",
  origins: "",
  bot_token: "",
  phone_number_id: "",
  access_token: "",
  app_secret: "",
};

/** Origins typed one per line or comma-separated, trimmed, without trailing slashes, de-duplicated. */
export function parseOrigins(text: string): string[] {
  const out: string[] = [];
  for (const raw of text.split(/[\s,]+/)) {
    const origin = raw.trim().replace(/\/+$/, "");
    if (origin && !out.includes(origin)) out.push(origin);
  }
  return out;
}

/** The POST /channels/ body for a kind (runtime/channels_api.py: config and secrets per kind). */
export function createPayload(kind: CreatableKind, form: ChannelForm): Record<string, unknown> {
  const name = form.name.trim();
  const scenario = form.scenario || null;
  switch (kind) {
    case "web":
      return { kind, name, scenario, config: { allowed_origins: parseOrigins(form.origins) } };
    case "telegram":
      return { kind, name, scenario, secrets: { bot_token: form.bot_token.trim() } };
    case "whatsapp":
      return {
        kind,
        name,
        scenario,
        config: { phone_number_id: form.phone_number_id.trim() },
        secrets: { access_token: form.access_token.trim(), app_secret: form.app_secret.trim() },
      };
  }
}

/** Whether every field the kind needs is filled in (the server checks again). */
export function formComplete(kind: CreatableKind, form: ChannelForm): boolean {
  if (!form.name.trim()) return false;
  if (kind === "telegram") return !!form.bot_token.trim();
  if (kind === "whatsapp") return !!(form.phone_number_id.trim() && form.access_token.trim() && form.app_secret.trim());
  return true;
}

/** The secrets a rotate regenerates on our side, per kind (GENERATED_SECRETS in channels_api.py). */
export const GENERATED_SECRETS: Record<string, string[]> = { telegram: ["webhook_secret"], whatsapp: ["verify_token"] };

/** Numbered placeholders of a template body in order of first use: "Hi {{1}}, order {{2}}" → ["1", "2"]. */
export function placeholderNumbers(body: string): string[] {
  const seen: string[] = [];
  for (const m of body.matchAll(/\{\{\s*([1-9][0-9]{0,2})\s*\}\}/g)) if (!seen.includes(m[1])) seen.push(m[1]);
  return seen.sort((a, b) => Number(a) - Number(b));
}

/** The node's variables for a template's placeholders: keeps the values already typed, drops the rest. */
export function variablesFor(numbers: string[], current: Record<string, string> | undefined): Record<string, string> {
  return Object.fromEntries(numbers.map((n) => [n, current?.[n] ?? ""]));
}

/** Templates of every WhatsApp channel of the workspace, one entry per name + language. */
export async function loadWhatsAppTemplates(wsBase: string): Promise<WaTemplate[]> {
  const channels = await api.get<{ results: Channel[] }>(`${wsBase}channels/`);
  const whatsapp = (channels?.results ?? []).filter((c) => c.kind === "whatsapp");
  const lists = await Promise.all(
    whatsapp.map((c) => api.get<{ results: WaTemplate[] }>(`${wsBase}channels/${c.id}/templates/`).then((r) => r?.results ?? [])),
  );
  return mergeTemplates(lists.flat());
}

export function mergeTemplates(list: WaTemplate[]): WaTemplate[] {
  const byKey = new Map<string, WaTemplate>();
  for (const tpl of list) {
    const key = `${tpl.name}|${tpl.language}`;
    // An approved copy wins over a draft or rejected one of the same name on another number.
    if (!byKey.has(key) || (tpl.status === "approved" && byKey.get(key)!.status !== "approved")) byKey.set(key, tpl);
  }
  return [...byKey.values()].sort((a, b) => a.name.localeCompare(b.name) || a.language.localeCompare(b.language));
}
