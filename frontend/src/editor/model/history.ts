// Undo/redo over whole-document snapshots. Snapshots are plain JSON, so restoring one can never
// leave the editor half-updated. Consecutive edits with the same coalesce key (typing into one
// field) collapse into one step.
export interface HistoryState<T> {
  past: T[];
  present: T;
  future: T[];
  lastKey: string | null;
}

export const HISTORY_LIMIT = 100;

export function createHistory<T>(present: T): HistoryState<T> {
  return { past: [], present, future: [], lastKey: null };
}

export function commit<T>(h: HistoryState<T>, next: T, coalesceKey: string | null = null): HistoryState<T> {
  if (coalesceKey !== null && coalesceKey === h.lastKey && h.past.length > 0) {
    return { ...h, present: next, future: [] };
  }
  const past = [...h.past, h.present];
  if (past.length > HISTORY_LIMIT) past.splice(0, past.length - HISTORY_LIMIT);
  return { past, present: next, future: [], lastKey: coalesceKey };
}

export function undo<T>(h: HistoryState<T>): HistoryState<T> {
  if (h.past.length === 0) return h;
  const present = h.past[h.past.length - 1];
  return { past: h.past.slice(0, -1), present, future: [h.present, ...h.future], lastKey: null };
}

export function redo<T>(h: HistoryState<T>): HistoryState<T> {
  if (h.future.length === 0) return h;
  const [present, ...future] = h.future;
  return { past: [...h.past, h.present], present, future, lastKey: null };
}

export const canUndo = <T>(h: HistoryState<T>) => h.past.length > 0;
export const canRedo = <T>(h: HistoryState<T>) => h.future.length > 0;
