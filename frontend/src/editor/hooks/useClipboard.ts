// Copy, cut and paste of steps through the system clipboard (as scenario JSON, see ../model/clipboard),
// outside text fields, where the browser's own behaviour wins. The paste position follows the mouse.
import { useCallback, useEffect, useRef } from "react";
import { copySelection, parseClipboard, remapForPaste } from "../model/clipboard";
import type { DocMeta } from "../model/convert";
import type { ScenarioDocument, ScenarioEdge, ScenarioNode, Variable } from "../model/types";

export function isTyping(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null;
  if (!el) return false;
  return el.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(el.tagName);
}

export interface PastePlan {
  nodes: ScenarioNode[];
  edges: ScenarioEdge[];
  /** Variables the pasted steps use that this scenario does not declare yet. */
  variables: Variable[];
  /** The first pasted step when the scenario had no start yet. */
  start: string | null;
}

/** What pasting `text` adds to a scenario, or null when the text is not steps. */
export function planPaste(
  text: string,
  current: { nodeIds: Iterable<string>; edgeIds: Iterable<string>; meta: DocMeta },
  at?: { x: number; y: number },
): PastePlan | null {
  const clip = parseClipboard(text);
  if (!clip || !clip.nodes.length) return null;
  const result = remapForPaste(clip, new Set(current.nodeIds), new Set(current.edgeIds), at);
  const known = new Set((current.meta.variables ?? []).map((v) => v.name));
  const variables = (clip.variables ?? []).filter((v) => !known.has(v.name));
  return { nodes: result.nodes, edges: result.edges, variables, start: current.meta.start ? null : result.nodes[0].id };
}

interface Options {
  canEdit: boolean;
  /** The document on screen and the ids of the selected steps. */
  snapshot: () => ScenarioDocument;
  selectedIds: () => string[];
  /** Screen point → canvas point. */
  toCanvas: (p: { x: number; y: number }) => { x: number; y: number };
  /** Copy/cut/paste's visible effect, given the pasted plan or the removed ids. */
  onCopied: (count: number) => void;
  onCut: (ids: Set<string>) => void;
  onPaste: (plan: PastePlan) => void;
  /** Only the current document's state is needed to plan a paste. */
  current: () => { nodeIds: string[]; edgeIds: string[]; meta: DocMeta };
}

export function useClipboard({ canEdit, snapshot, selectedIds, toCanvas, onCopied, onCut, onPaste, current }: Options) {
  const lastMouse = useRef<{ x: number; y: number } | null>(null);

  const paste = useCallback(
    (text: string) => {
      const plan = planPaste(text, current(), lastMouse.current ? toCanvas(lastMouse.current) : undefined);
      if (!plan) return false;
      onPaste(plan);
      return true;
    },
    [current, onPaste, toCanvas],
  );

  useEffect(() => {
    const copy = (e: ClipboardEvent) => {
      const ids = selectedIds();
      if (isTyping(e.target) || !ids.length) return;
      e.clipboardData?.setData("text/plain", JSON.stringify(copySelection(snapshot(), ids), null, 2));
      e.preventDefault();
      onCopied(ids.length);
    };
    const cut = (e: ClipboardEvent) => {
      if (isTyping(e.target) || !selectedIds().length || !canEdit) return;
      copy(e);
      onCut(new Set(selectedIds()));
    };
    const pasteEvent = (e: ClipboardEvent) => {
      if (isTyping(e.target) || !canEdit) return;
      const text = e.clipboardData?.getData("text/plain") ?? "";
      if (paste(text)) e.preventDefault();
    };
    document.addEventListener("copy", copy);
    document.addEventListener("cut", cut);
    document.addEventListener("paste", pasteEvent);
    return () => {
      document.removeEventListener("copy", copy);
      document.removeEventListener("cut", cut);
      document.removeEventListener("paste", pasteEvent);
    };
  }, [canEdit, onCopied, onCut, paste, selectedIds, snapshot]);

  /** The canvas's mouse handlers: a paste lands where the mouse is. */
  const mouse = {
    onMouseMove: (e: React.MouseEvent) => {
      lastMouse.current = { x: e.clientX, y: e.clientY };
    },
    onMouseLeave: () => {
      lastMouse.current = null;
    },
  };
  return { paste, mouse };
}
