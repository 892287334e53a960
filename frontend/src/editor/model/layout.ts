// Auto-layout for imported or messy graphs: dagre, left to right, ports in order.
import dagre from "@dagrejs/dagre";
import type { ScenarioEdge, ScenarioNode } from "./types";

export const NODE_WIDTH = 260;

export function autoLayout(
  nodes: ScenarioNode[],
  edges: ScenarioEdge[],
  sizes: Map<string, { width: number; height: number }> = new Map(),
): Map<string, { x: number; y: number }> {
  const g = new dagre.graphlib.Graph();
  g.setGraph({ rankdir: "LR", nodesep: 40, ranksep: 90, marginx: 20, marginy: 20 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const n of nodes) {
    const size = sizes.get(n.id) ?? { width: NODE_WIDTH, height: 120 };
    g.setNode(n.id, { width: size.width, height: size.height });
  }
  const ids = new Set(nodes.map((n) => n.id));
  for (const e of edges) if (ids.has(e.source) && ids.has(e.target)) g.setEdge(e.source, e.target);
  dagre.layout(g);
  const out = new Map<string, { x: number; y: number }>();
  for (const n of nodes) {
    const p = g.node(n.id);
    const size = sizes.get(n.id) ?? { width: NODE_WIDTH, height: 120 };
    // dagre returns centres; React Flow positions are top-left corners.
    if (p) out.set(n.id, { x: Math.round(p.x - size.width / 2), y: Math.round(p.y - size.height / 2) });
  }
  return out;
}
