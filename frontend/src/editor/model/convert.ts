// Scenario JSON ⇄ React Flow graph. The document is the source of truth; the flow graph only adds
// what React Flow needs (handles = ports). Round-trips losslessly for every valid document.
import type { Edge, Node } from "@xyflow/react";
import type { NodeData, NodeType, ScenarioDocument, ScenarioEdge, ScenarioNode } from "./types";

export type FlowNode = Node<NodeData, NodeType>;
export type FlowEdge = Edge;
/** Everything in the document except the graph itself (name, start, variables, settings, …). */
export type DocMeta = Omit<ScenarioDocument, "nodes" | "edges">;

export interface FlowGraph {
  nodes: FlowNode[];
  edges: FlowEdge[];
  meta: DocMeta;
  /** True when some node had no position (e.g. a hand-written import): the editor offers auto-layout. */
  missingPositions: boolean;
}

export function nodeToFlow(n: ScenarioNode, fallbackIndex = 0): FlowNode {
  const position = n.position ?? { x: (fallbackIndex % 5) * 320, y: Math.floor(fallbackIndex / 5) * 220 };
  return { id: n.id, type: n.type, position: { x: position.x, y: position.y }, data: n.data ?? {} };
}

export function edgeToFlow(e: ScenarioEdge): FlowEdge {
  return { id: e.id, source: e.source, sourceHandle: e.source_port, target: e.target };
}

export function docToFlow(doc: ScenarioDocument): FlowGraph {
  const { nodes = [], edges = [], ...meta } = doc;
  return {
    nodes: nodes.map((n, i) => nodeToFlow(n, i)),
    edges: edges.map(edgeToFlow),
    meta: meta as DocMeta,
    missingPositions: nodes.some((n) => !n.position),
  };
}

export function nodeToDoc(n: FlowNode): ScenarioNode {
  return {
    id: n.id,
    type: n.type as NodeType,
    position: { x: Math.round(n.position.x), y: Math.round(n.position.y) },
    data: n.data,
  };
}

export function edgeToDoc(e: FlowEdge): ScenarioEdge {
  return { id: e.id, source: e.source, source_port: e.sourceHandle ?? "next", target: e.target };
}

export function flowToDoc(nodes: FlowNode[], edges: FlowEdge[], meta: DocMeta): ScenarioDocument {
  return {
    ...meta,
    format: "botflow/scenario",
    version: 1,
    nodes: nodes.map(nodeToDoc),
    edges: edges.map(edgeToDoc),
  } as ScenarioDocument;
}
