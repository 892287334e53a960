// Copy/paste through the system clipboard as scenario JSON, so a selection can move between
// scenarios, browser tabs and installations. Pasted node and edge ids are remapped so they never
// collide; edges to nodes outside the selection are dropped; jump targets inside the selection follow.
import { uniqueId } from "./ids";
import { NODE_TYPES, type ScenarioDocument, type ScenarioEdge, type ScenarioNode } from "./types";

export function copySelection(doc: ScenarioDocument, selectedIds: Iterable<string>): ScenarioDocument {
  const ids = new Set(selectedIds);
  const nodes = doc.nodes.filter((n) => ids.has(n.id));
  const edges = doc.edges.filter((e) => ids.has(e.source) && ids.has(e.target));
  return {
    format: "botflow/scenario",
    version: 1,
    name: doc.name,
    variables: doc.variables ?? [],
    nodes: structuredClone(nodes),
    edges: structuredClone(edges),
  };
}

/** Accepts a scenario document or an export bundle; returns null for anything else. */
export function parseClipboard(text: string): ScenarioDocument | null {
  let value: any;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (value?.format === "botflow/bundle" && Array.isArray(value.scenarios) && value.scenarios[0]?.document) {
    value = value.scenarios[0].document;
  }
  if (value?.format !== "botflow/scenario" || !Array.isArray(value.nodes)) return null;
  const types = new Set<string>(NODE_TYPES);
  const nodes = value.nodes.filter((n: any) => n && typeof n.id === "string" && types.has(n.type));
  const edges = Array.isArray(value.edges) ? value.edges.filter((e: any) => e && typeof e.source === "string") : [];
  return { ...value, nodes, edges };
}

export interface PasteResult {
  nodes: ScenarioNode[];
  edges: ScenarioEdge[];
  idMap: Map<string, string>;
}

/**
 * Remap ids of `clip` so they are unique against `existingNodeIds`/`existingEdgeIds`, and move the
 * pasted group so its top-left corner lands at `at` (or offset by 40px from where it was).
 */
export function remapForPaste(
  clip: ScenarioDocument,
  existingNodeIds: Set<string>,
  existingEdgeIds: Set<string>,
  at?: { x: number; y: number },
): PasteResult {
  const takenNodes = new Set(existingNodeIds);
  const takenEdges = new Set(existingEdgeIds);
  const idMap = new Map<string, string>();
  for (const n of clip.nodes) {
    const id = takenNodes.has(n.id) || idMap.has(n.id) ? uniqueId(n.type, takenNodes) : n.id;
    takenNodes.add(id);
    idMap.set(n.id, id);
  }
  const xs = clip.nodes.map((n) => n.position?.x ?? 0);
  const ys = clip.nodes.map((n) => n.position?.y ?? 0);
  const minX = xs.length ? Math.min(...xs) : 0;
  const minY = ys.length ? Math.min(...ys) : 0;
  const dx = at ? at.x - minX : 40;
  const dy = at ? at.y - minY : 40;
  const nodes: ScenarioNode[] = clip.nodes.map((n) => {
    const data = structuredClone(n.data ?? {});
    if (n.type === "jump" && typeof data.node === "string" && idMap.has(data.node)) data.node = idMap.get(data.node);
    return {
      id: idMap.get(n.id)!,
      type: n.type,
      position: { x: Math.round((n.position?.x ?? 0) + dx), y: Math.round((n.position?.y ?? 0) + dy) },
      data,
    };
  });
  const edges: ScenarioEdge[] = [];
  for (const e of clip.edges) {
    if (!idMap.has(e.source) || !idMap.has(e.target)) continue;
    const id = takenEdges.has(e.id) ? uniqueId("e", takenEdges) : e.id;
    takenEdges.add(id);
    edges.push({ id, source: idMap.get(e.source)!, source_port: e.source_port, target: idMap.get(e.target)! });
  }
  return { nodes, edges, idMap };
}
