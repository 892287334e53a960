// Output ports per node type, exactly as the schema's x-ports / x-ports-from / x-ports-extra /
// x-ports-soft / x-ports-optional annotations (mirrored by runtime/engine/ir.py) define them.
import type { NodeData, NodeType } from "./types";

export type PortKind = "required" | "soft" | "optional";

export interface Port {
  id: string;
  kind: PortKind;
  /** Text shown next to the handle; for derived ports the button label / rule label. */
  label: string;
}

interface PortSpec {
  ports?: string[];
  from?: { list: string; labelField?: string };
  extra?: string[];
  soft?: string[];
  optional?: string[];
}

const OUTSIDE_WINDOW = ["outside_window"];

export const PORT_SPECS: Record<NodeType, PortSpec> = {
  message: { ports: ["next"], optional: OUTSIDE_WINDOW },
  buttons: { from: { list: "buttons", labelField: "label" }, optional: OUTSIDE_WINDOW },
  ask: { ports: ["next", "invalid", "timeout"], soft: ["invalid", "timeout"] },
  condition: { from: { list: "rules", labelField: "label" }, extra: ["else"] },
  set_variable: { ports: ["next"] },
  http_request: { ports: ["ok", "error"], soft: ["error"] },
  wait: { ports: ["next"] },
  jump: { ports: [] },
  handoff: { ports: [] },
  rating: { ports: ["next"] },
  template: { ports: ["next"] },
  tag: { ports: ["next"] },
  end: { ports: [] },
};

/** All output ports of a node in a stable order: fixed, derived from data, extra, optional. */
export function portsOf(type: NodeType, data: NodeData): Port[] {
  const spec = PORT_SPECS[type];
  if (!spec) return [];
  const soft = new Set(spec.soft ?? []);
  const out: Port[] = [];
  for (const p of spec.ports ?? []) out.push({ id: p, kind: soft.has(p) ? "soft" : "required", label: p });
  if (spec.from) {
    const items: any[] = Array.isArray(data?.[spec.from.list]) ? data[spec.from.list] : [];
    const seen = new Set<string>();
    items.forEach((item, i) => {
      const id = typeof item?.id === "string" ? item.id : "";
      if (!id || seen.has(id)) return;
      seen.add(id);
      const text = spec.from!.labelField ? item?.[spec.from!.labelField] : "";
      const fallback = type === "condition" ? item?.expression || `#${i + 1}` : id;
      out.push({ id, kind: "required", label: (typeof text === "string" && text) || fallback });
    });
  }
  for (const p of spec.extra ?? []) out.push({ id: p, kind: "required", label: p });
  for (const p of spec.optional ?? []) out.push({ id: p, kind: "optional", label: p });
  return out;
}

export function portIds(type: NodeType, data: NodeData): string[] {
  return portsOf(type, data).map((p) => p.id);
}
