// Undo/redo for the editor page. The snapshots and their rules live in ../model/history (pure); this file
// adds when to take one: an edit marks the change it is about to make (with its coalesce key), and the
// snapshot is taken once React has rendered the new nodes/edges/meta, so it is always the state on screen.
import { useCallback, useEffect, useState, useSyncExternalStore } from "react";
import type { EdgeChange, NodeChange } from "@xyflow/react";
import { canRedo, canUndo, commit, createHistory, redo, undo, type HistoryState } from "../model/history";

export interface HistoryFlags {
  undo: boolean;
  redo: boolean;
}

const NO_FLAGS: HistoryFlags = { undo: false, redo: false };

/** A React Flow node change the user would undo: an add, a removal or a finished drag (not each drag frame). */
export function isStructuralNodeChange(changes: NodeChange[]): boolean {
  return changes.some((c) => c.type === "remove" || c.type === "add" || (c.type === "position" && c.dragging === false));
}

export function isStructuralEdgeChange(changes: EdgeChange[]): boolean {
  return changes.some((c) => c.type === "remove" || c.type === "add");
}

/**
 * The editor's history as a small store: `mark` notes that the next rendered state is an undo step
 * (`undefined` = nothing pending, `null` = a step of its own, a string = coalesce with the previous step
 * of the same key), `commitPending` takes the snapshot, `undo`/`redo` return the document to restore.
 * Subscribers (the toolbar's buttons) hear about every change of the flags.
 */
export class HistoryStore<T> {
  private state: HistoryState<T> | null = null;
  private pending: string | null | undefined = undefined;
  private flags: HistoryFlags = NO_FLAGS;
  private listeners = new Set<() => void>();

  subscribe = (fn: () => void) => {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  };

  getFlags = (): HistoryFlags => this.flags;

  reset(present: T): void {
    this.state = createHistory(present);
    this.pending = undefined;
    this.update();
  }

  mark(key: string | null): void {
    this.pending = key;
  }

  /** Takes the snapshot an edit marked; false when nothing was pending (a load, an undo, a selection). */
  commitPending(snapshot: () => T): boolean {
    if (this.pending === undefined || !this.state) return false;
    const key = this.pending;
    this.pending = undefined;
    this.state = commit(this.state, snapshot(), key);
    this.update();
    return true;
  }

  undo(): T | null {
    if (!this.state || !canUndo(this.state)) return null;
    this.state = undo(this.state);
    this.update();
    return this.state.present;
  }

  redo(): T | null {
    if (!this.state || !canRedo(this.state)) return null;
    this.state = redo(this.state);
    this.update();
    return this.state.present;
  }

  private update(): void {
    const next = this.state ? { undo: canUndo(this.state), redo: canRedo(this.state) } : NO_FLAGS;
    if (next.undo === this.flags.undo && next.redo === this.flags.redo) return;
    this.flags = next;
    for (const fn of this.listeners) fn();
  }
}

interface Options<T> {
  /** The document as it is on screen now. */
  snapshot: () => T;
  /** Put a document from the history back on screen (undo/redo). */
  restore: (doc: T) => void;
  /** After an undo step was recorded or restored: the caller saves. */
  onChange: () => void;
  /** The rendered state: a new value of any of these is when a marked edit becomes an undo step. */
  nodes: unknown;
  edges: unknown;
  meta: unknown;
}

export function useHistory<T>({ snapshot, restore, onChange, nodes, edges, meta }: Options<T>) {
  const [store] = useState(() => new HistoryStore<T>());
  const flags = useSyncExternalStore(store.subscribe, store.getFlags);

  // Commit a marked edit once its state has rendered, then let the caller save.
  useEffect(() => {
    if (store.commitPending(snapshot)) onChange();
  }, [nodes, edges, meta, store, snapshot, onChange]);

  const doUndo = useCallback(() => {
    const doc = store.undo();
    if (doc) restore(doc);
  }, [restore, store]);

  const doRedo = useCallback(() => {
    const doc = store.redo();
    if (doc) restore(doc);
  }, [restore, store]);

  const mark = useCallback((key: string | null) => store.mark(key), [store]);
  const reset = useCallback((doc: T) => store.reset(doc), [store]);

  return { flags, mark, reset, undo: doUndo, redo: doRedo };
}
