// Small pure graph edits shared by the canvas and the tests.
import { portIds } from "./ports";
import type { NodeData, NodeType } from "./types";

interface EdgeLike {
  id: string;
  source: string;
  sourceHandle?: string | null;
  target: string;
}
interface NodeLike {
  id: string;
  type?: string;
  data: NodeData;
}

/** A port feeds exactly one edge (port_multiple_edges is an error): a new connection replaces the old. */
export function connectEdge<E extends EdgeLike>(edges: E[], edge: E): E[] {
  return [...edges.filter((e) => !(e.source === edge.source && (e.sourceHandle ?? null) === (edge.sourceHandle ?? null))), edge];
}

/** Drop edges whose source port no longer exists (a deleted button or rule) or whose ends are gone. */
export function pruneEdges<E extends EdgeLike>(edges: E[], nodes: NodeLike[]): E[] {
  const ports = new Map<string, Set<string>>();
  for (const n of nodes) ports.set(n.id, new Set(portIds(n.type as NodeType, n.data)));
  const kept = edges.filter((e) => {
    const p = ports.get(e.source);
    return p !== undefined && ports.has(e.target) && p.has(e.sourceHandle ?? "");
  });
  return kept.length === edges.length ? edges : kept;
}
