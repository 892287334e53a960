// Per-node decorations (findings badges, diff status, the preview's active node, the start marker)
// live outside React Flow's node objects: changing one node's badge re-renders that node only, and a
// findings update never rebuilds the whole graph.
import { createContext, useContext, useSyncExternalStore } from "react";
import type { Finding } from "./model/types";

export type DiffState = "added" | "removed" | "changed" | null;

export interface NodeStatus {
  errors: string[];
  warnings: string[];
  diff: DiffState;
  active: boolean;
  start: boolean;
}

const EMPTY: NodeStatus = Object.freeze({ errors: [], warnings: [], diff: null, active: false, start: false }) as NodeStatus;

export class StatusStore {
  private findings = new Map<string, { errors: string[]; warnings: string[] }>();
  private diff = new Map<string, DiffState>();
  private active: string | null = null;
  private start: string | null = null;
  // Does a WhatsApp channel run this scenario? Only then is the `outside_window` exit worth offering.
  whatsappUsed = false;
  private cache = new Map<string, NodeStatus>();
  private listeners = new Set<() => void>();

  subscribe = (fn: () => void) => {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  };

  get = (id: string): NodeStatus => {
    const f = this.findings.get(id);
    const diff = this.diff.get(id) ?? null;
    const active = this.active === id;
    const start = this.start === id;
    if (!f && !diff && !active && !start) return EMPTY;
    const prev = this.cache.get(id);
    const errors = f?.errors ?? EMPTY.errors;
    const warnings = f?.warnings ?? EMPTY.warnings;
    if (
      prev &&
      prev.errors === errors &&
      prev.warnings === warnings &&
      prev.diff === diff &&
      prev.active === active &&
      prev.start === start
    )
      return prev;
    const next = { errors, warnings, diff, active, start };
    this.cache.set(id, next);
    return next;
  };

  private emit() {
    for (const fn of this.listeners) fn();
  }

  setFindings(findings: Finding[]) {
    const next = new Map<string, { errors: string[]; warnings: string[] }>();
    for (const f of findings) {
      if (!f.node_id) continue;
      const entry = next.get(f.node_id) ?? { errors: [], warnings: [] };
      (f.severity === "error" ? entry.errors : entry.warnings).push(f.message);
      next.set(f.node_id, entry);
    }
    // Keep the old arrays where nothing changed so unchanged nodes keep their snapshot.
    for (const [id, entry] of next) {
      const old = this.findings.get(id);
      if (old && JSON.stringify(old) === JSON.stringify(entry)) next.set(id, old);
    }
    this.findings = next;
    this.emit();
  }

  setDiff(diff: Map<string, DiffState>) {
    this.diff = diff;
    this.emit();
  }

  setActive(id: string | null) {
    if (this.active === id) return;
    this.active = id;
    this.emit();
  }

  /** The kinds of the channels that run this scenario (the scenario detail's `channel_kinds`). */
  setChannelKinds(kinds: string[]) {
    const used = kinds.includes("whatsapp");
    if (used === this.whatsappUsed) return;
    this.whatsappUsed = used;
    this.emit();
  }

  setStart(id: string | null | undefined) {
    if (this.start === (id ?? null)) return;
    this.start = id ?? null;
    this.emit();
  }
}

export const StatusContext = createContext<StatusStore>(new StatusStore());

export function useNodeStatus(id: string): NodeStatus {
  const store = useContext(StatusContext);
  return useSyncExternalStore(store.subscribe, () => store.get(id));
}

export function useWhatsappUsed(): boolean {
  const store = useContext(StatusContext);
  return useSyncExternalStore(store.subscribe, () => store.whatsappUsed);
}
