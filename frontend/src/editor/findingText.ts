// Problems (validation findings) in the user's language, naming steps by their kind and text and exits by
// their label, never by internal ids like `buttons_f4cc8v` / `b_fefv2l`. The server's stable `code`, the
// JSON pointer `path`, the finding's `params` (when it sends them) and the values it quotes in its English
// `message` give the parameters; the words are chosen here (keys `finding.<code>[.<variant>]`).
import { dynamicKey, isEditorKey, type T } from "./i18n";
import { portsOf } from "./model/ports";
import type { NodeData, NodeType } from "./model/types";

export interface FindingIn {
  code: string;
  message: string;
  path?: string;
  node_id?: string | null;
  params?: Record<string, unknown> | null;
}

export interface NodeInfo {
  type: string;
  data: NodeData;
}

export type NodeLookup = (id: string) => NodeInfo | undefined;

// Every code the backend can send (builder/graph.py, builder/schema.py, runtime/connectors/templates.py);
// tests/builder/test_finding_texts.py enumerates them from the source and checks both dictionaries.
export const FINDING_CODES = [
  "duplicate_id", "start_missing", "edge_source_missing", "edge_target_missing", "edge_port_unknown",
  "port_multiple_edges", "optional_port_unconnected", "port_unconnected", "jump_target_missing", "unreachable_node",
  "infinite_loop", "variable_undeclared", "template_invalid", "expression_invalid", "department_missing",
  "node_type_unknown", "field_missing", "field_unknown", "wrong_type", "invalid_value", "invalid_format", "too_short",
  "too_long", "too_few", "too_many", "too_small", "too_large", "duplicate_item", "invalid", "template_not_approved",
  "template_unmapped", "url_scheme",
];

const TEXT_FIELDS = ["text", "prompt", "message", "template"];

function clip(text: string, n = 32): string {
  const one = text.replace(/\{\{.*?\}\}/g, "…").replace(/\s+/g, " ").trim();
  return one.length > n ? `${one.slice(0, n - 1)}…` : one;
}

/** "Buttons “Choose a topic”": the kind of step and the start of its text. */
export function nodeTitle(t: T, node: NodeInfo | undefined): string {
  if (!node) return t("finding.missing_step");
  const kind = t(dynamicKey(`type.${node.type}`));
  const text = TEXT_FIELDS.map((k) => node.data?.[k]).find((v) => typeof v === "string" && v.trim());
  return text ? t("finding.step_title", { kind, text: clip(text as string) }) : kind;
}

/** An exit of a step as the canvas labels it (a button's label, a rule's label, "Next", …). */
export function exitLabel(t: T, node: NodeInfo | undefined, port: string): string {
  if (node) {
    const p = portsOf(node.type as NodeType, node.data).find((x) => x.id === port);
    if (p) {
      const derived = (node.type === "buttons" || node.type === "condition") && p.kind === "required" && p.id !== "else";
      return derived ? p.label : t(dynamicKey(`port.${p.id}`));
    }
  }
  const key = `port.${port}`;
  return isEditorKey(key) ? t(key) : t("finding.removed_exit");
}

function quoted(message: string): string[] {
  return [...message.matchAll(/'([^']*)'/g)].map((m) => m[1]);
}

function numberIn(message: string): string {
  return message.match(/-?\d+(\.\d+)?/)?.[0] ?? "";
}

/** The field a schema finding is about, as the marketer knows it (`field.<name>` / `f.<name>` labels). */
function fieldName(t: T, path: string): string {
  const parts = path.split("/").filter(Boolean);
  const last = [...parts].reverse().find((p) => !/^\d+$/.test(p)) ?? "";
  for (const key of [`field.${last}`, `f.${last}`]) if (isEditorKey(key)) return t(key);
  return last;
}

export function findingMessage(t: T, f: FindingIn, lookup: NodeLookup): string {
  const p = f.params ?? {};
  const q = quoted(f.message || "");
  const path = f.path ?? "";
  const str = (v: unknown, fallback = "") => (typeof v === "string" || typeof v === "number" ? String(v) : fallback);
  const title = (id: string | null | undefined) => nodeTitle(t, id ? lookup(id) : undefined);
  const exit = (nodeId: string | null | undefined, port: string) => exitLabel(t, nodeId ? lookup(nodeId) : undefined, port);
  switch (f.code) {
    case "duplicate_id": {
      if (/^\/variables\//.test(path)) return t(/built-in/.test(f.message) ? "finding.duplicate_id.builtin" : "finding.duplicate_id.variable", { name: str(p.name, q[0]) });
      if (/^\/edges\//.test(path)) return t("finding.duplicate_id.edge");
      if (/^\/nodes\/\d+\/id$/.test(path)) return t("finding.duplicate_id.node", { node: title(f.node_id) });
      return t(/reserved/.test(f.message) ? "finding.duplicate_id.reserved" : "finding.duplicate_id.item");
    }
    case "start_missing":
      return t(q.length ? "finding.start_missing.unknown" : "finding.start_missing");
    case "edge_source_missing":
    case "edge_target_missing":
      return t(`finding.${f.code}`);
    case "edge_port_unknown":
      return t("finding.edge_port_unknown", { node: title(str(p.node, q[0]) || f.node_id) });
    case "port_multiple_edges":
    case "optional_port_unconnected":
    case "port_unconnected": {
      const node = str(p.node, q[1]) || f.node_id;
      return t(`finding.${f.code}`, { node: title(node), port: exit(node, str(p.port, q[0])) });
    }
    case "jump_target_missing":
      return /scenario/.test(f.message) ? t("finding.jump_target_missing.scenario", { scenario: str(p.scenario, q[0]) }) : t("finding.jump_target_missing");
    case "unreachable_node":
      return t("finding.unreachable_node", { node: title(f.node_id) });
    case "infinite_loop": {
      const members = Array.isArray(p.nodes) ? p.nodes.map(String) : (f.message.split(": ")[1] ?? "").split(", ").filter(Boolean);
      return t("finding.infinite_loop", { nodes: members.map((id) => title(id)).join(", ") || title(f.node_id) });
    }
    case "variable_undeclared":
      return t("finding.variable_undeclared", { name: str(p.name, q[0]) });
    case "department_missing":
      return t("finding.department_missing", { department: str(p.department, q[0]) });
    case "node_type_unknown":
      return t("finding.node_type_unknown", { type: str(p.type, q[0]) });
    case "template_not_approved":
      return t("finding.template_not_approved", { name: str(p.name, q[0]), language: f.message.match(/\(([\w-]+)\)/)?.[1] ?? "" });
    case "template_unmapped":
      return t("finding.template_unmapped", { placeholder: `{{${path.split("/").pop() ?? ""}}}` });
    case "too_short":
    case "too_long":
    case "too_few":
    case "too_many":
    case "too_small":
    case "too_large":
      return t(`finding.${f.code}`, { field: fieldName(t, path), n: str(p.limit, numberIn(f.message)) });
    case "field_missing":
    case "field_unknown":
    case "wrong_type":
    case "invalid_value":
    case "invalid_format":
    case "duplicate_item":
    case "invalid":
    case "template_invalid":
    case "expression_invalid":
    case "url_scheme":
      return t(`finding.${f.code}`, { field: fieldName(t, path) });
    default: {
      const key = `finding.${f.code}`;
      return isEditorKey(key) ? t(key) : t("finding.other");
    }
  }
}
