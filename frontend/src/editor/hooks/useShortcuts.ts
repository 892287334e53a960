// The editor's keyboard shortcuts: Ctrl/Cmd+S saves anywhere; undo, redo and select-all only outside text
// fields (there the browser's own undo and select-all win).
import { useEffect } from "react";
import { isTyping } from "./useClipboard";

export type Shortcut = "save" | "undo" | "redo" | "selectAll";

export function shortcutOf(e: { key: string; ctrlKey: boolean; metaKey: boolean; shiftKey: boolean; target: EventTarget | null }): Shortcut | null {
  const mod = e.ctrlKey || e.metaKey;
  if (!mod) return null;
  const key = e.key.toLowerCase();
  if (key === "s") return "save";
  if (isTyping(e.target)) return null;
  if (key === "z" && !e.shiftKey) return "undo";
  if ((key === "z" && e.shiftKey) || key === "y") return "redo";
  if (key === "a") return "selectAll";
  return null;
}

export function useShortcuts(actions: Record<Shortcut, () => void>) {
  const { save, undo, redo, selectAll } = actions;
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const shortcut = shortcutOf(e);
      if (!shortcut) return;
      e.preventDefault();
      ({ save, undo, redo, selectAll })[shortcut]();
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [save, undo, redo, selectAll]);
}
