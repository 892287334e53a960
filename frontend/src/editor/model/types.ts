// The scenario document (README "The scenario format", builder/schemas/scenario.v1.json).
export const NODE_TYPES = [
  "message",
  "buttons",
  "ask",
  "condition",
  "set_variable",
  "http_request",
  "wait",
  "jump",
  "handoff",
  "rating",
  "template",
  "tag",
  "end",
] as const;
export type NodeType = (typeof NODE_TYPES)[number];

export const BUILTIN_VARIABLES = [
  "ref",
  "channel",
  "contact_name",
  "contact_phone",
  "contact_email",
  "last_input",
  "business_hours",
  "http_status",
  "rating",
  "rating_comment",
];

export type NodeData = Record<string, any>;

export interface ScenarioNode {
  id: string;
  type: NodeType;
  position?: { x: number; y: number };
  data: NodeData;
}

export interface ScenarioEdge {
  id: string;
  source: string;
  source_port: string;
  target: string;
}

export interface Variable {
  name: string;
  type: "string" | "number" | "boolean" | "json";
  default?: unknown;
  description?: string;
}

export interface ScenarioSettings {
  language?: string;
  operator_button?: { enabled?: boolean; label?: string; keywords?: string[]; department?: string | null };
  fallback_text?: string;
  timezone?: string;
  /** contact field → the variable that names the person (default: the variable named like the field; "" = off). */
  contact_fields?: { name?: string; email?: string; phone?: string };
}

export interface ScenarioDocument {
  format: "botflow/scenario";
  version: 1;
  name?: string;
  start?: string;
  variables?: Variable[];
  settings?: ScenarioSettings;
  nodes: ScenarioNode[];
  edges: ScenarioEdge[];
}

export interface Finding {
  severity: "error" | "warning";
  code: string;
  node_id?: string | null;
  path?: string;
  message: string;
  /** What the editor needs to word the problem itself, e.g. an expression's `reason` and `column`. */
  params?: Record<string, unknown> | null;
}

export function emptyDocument(name = ""): ScenarioDocument {
  return { format: "botflow/scenario", version: 1, name, start: "", variables: [], settings: {}, nodes: [], edges: [] };
}
