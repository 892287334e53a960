// Which steps are selected on the canvas. React Flow keeps the flag on each node; these helpers change
// it without touching anything else, so a selection change is never an undo step or a save.
import { useCallback, useMemo } from "react";
import type { Dispatch, SetStateAction } from "react";
import type { ReactFlowInstance } from "@xyflow/react";
import type { FlowEdge, FlowNode } from "../model/convert";

interface Selectable {
  id: string;
  selected?: boolean;
}

export function selectedOf<N extends Selectable>(nodes: N[]): N[] {
  return nodes.filter((n) => n.selected);
}

/** Every node selected (Ctrl+A); unchanged nodes keep their object so React Flow does not redraw them. */
export function selectAll<N extends Selectable>(nodes: N[]): N[] {
  return nodes.map((n) => (n.selected ? n : { ...n, selected: true }));
}

/** Exactly one node selected (a problem in the list was clicked). */
export function selectOnly<N extends Selectable>(nodes: N[], id: string): N[] {
  return nodes.map((n) => ({ ...n, selected: n.id === id }));
}

/** New nodes (added, pasted) become the selection: the previous one is cleared. */
export function selectAdded<N extends Selectable>(nodes: N[], added: N[]): N[] {
  return [...nodes.map((n) => (n.selected ? { ...n, selected: false } : n)), ...added.map((n) => ({ ...n, selected: true }))];
}

export function useSelection(
  nodes: FlowNode[],
  setNodes: Dispatch<SetStateAction<FlowNode[]>>,
  flow: ReactFlowInstance<FlowNode, FlowEdge>,
) {
  const selected = useMemo(() => selectedOf(nodes), [nodes]);
  const single = selected.length === 1 ? selected[0] : null;

  const selectEverything = useCallback(() => setNodes(selectAll), [setNodes]);

  /** Select a step and bring it to the middle of the canvas. */
  const focusNode = useCallback(
    (id: string | null | undefined) => {
      if (!id) return;
      const node = flow.getNode(id);
      if (!node) return;
      setNodes((nds) => selectOnly(nds, id));
      const w = node.measured?.width ?? 260;
      const h = node.measured?.height ?? 120;
      flow.setCenter(node.position.x + w / 2, node.position.y + h / 2, { zoom: Math.max(flow.getZoom(), 1), duration: 300 });
    },
    [flow, setNodes],
  );

  return { selected, single, selectAll: selectEverything, focusNode };
}
