// Autosave with optimistic concurrency. Every save sends the draft with the revision it was based on;
// the server answers 409 when someone else saved in between, and the page shows the conflict instead of
// overwriting. The rules (debounce, one save in flight, a save requested meanwhile runs once after it,
// nothing is sent after a conflict until the user chooses) live in the plain Autosaver class below.
import { useCallback, useEffect, useLayoutEffect, useState, useSyncExternalStore } from "react";

export type SaveState = "saved" | "dirty" | "saving" | "error" | "conflict";

export interface Conflict {
  current_revision: number;
  updated_by: string | null;
  updated_at: string;
}

export interface SaveStatus {
  state: SaveState;
  /** The last failure's message (empty after a success). */
  error: string;
  conflict: Conflict | null;
}

export const SAVE_DELAY_MS = 800;

export interface AutosaverOptions {
  /** Sends the draft based on `revision`; resolves to the new revision, rejects on failure. */
  send: (revision: number) => Promise<number>;
  /** The conflict a failure means, or null when it is another failure. */
  conflictOf: (error: unknown) => Conflict | null;
  /** A failure's message for the banner. */
  errorText: (error: unknown) => string;
  /** Whether this user may save at all (viewers may not). */
  enabled: () => boolean;
  delayMs?: number;
}

export class Autosaver {
  revision = 0;
  private status: SaveStatus = { state: "saved", error: "", conflict: null };
  private timer: ReturnType<typeof setTimeout> | undefined;
  private inFlight: Promise<boolean> | null = null;
  private again = false;
  private listeners = new Set<() => void>();
  private options: AutosaverOptions;

  constructor(options: AutosaverOptions) {
    this.options = options;
  }

  /** New callbacks (they close over the page's latest state); the save state is kept. */
  configure(options: AutosaverOptions): void {
    this.options = options;
  }

  subscribe = (fn: () => void) => {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  };

  getStatus = (): SaveStatus => this.status;

  /** A freshly loaded draft: its revision, nothing unsaved, no conflict. */
  loaded(revision: number): void {
    this.revision = revision;
    this.set({ state: "saved", conflict: null });
  }

  /** An edit: save after a pause in typing (a conflict stays shown). */
  schedule(): void {
    if (!this.options.enabled()) return;
    if (this.status.state !== "conflict") this.set({ state: "dirty" });
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.save(), this.options.delayMs ?? SAVE_DELAY_MS);
  }

  /** Save now; while a save is in flight, wait for it and then save once more. */
  save = async (): Promise<boolean> => {
    clearTimeout(this.timer);
    if (this.status.conflict || !this.options.enabled()) return false;
    if (this.inFlight) {
      this.again = true;
      return this.inFlight;
    }
    const run = this.run();
    this.inFlight = run;
    const ok = await run;
    if (this.again && ok) {
      this.again = false;
      return this.save();
    }
    return ok;
  };

  /** Before publishing or previewing: true at once when nothing is unsaved. */
  flush = async (): Promise<boolean> => {
    if (this.status.state === "saved" && !this.inFlight) return true;
    return this.save();
  };

  /** The user chose to keep their version: save it over the other one. */
  overwrite = async (): Promise<boolean> => {
    const conflict = this.status.conflict;
    if (!conflict) return false;
    this.revision = conflict.current_revision;
    this.set({ conflict: null });
    return this.save();
  };

  dispose(): void {
    clearTimeout(this.timer);
  }

  private async run(): Promise<boolean> {
    this.set({ state: "saving" });
    try {
      this.revision = await this.options.send(this.revision);
      this.set({ state: "saved", error: "" });
      return true;
    } catch (e) {
      const conflict = this.options.conflictOf(e);
      if (conflict) this.set({ state: "conflict", conflict });
      else this.set({ state: "error", error: this.options.errorText(e) });
      return false;
    } finally {
      this.inFlight = null;
    }
  }

  private set(patch: Partial<SaveStatus>): void {
    this.status = { ...this.status, ...patch };
    for (const fn of this.listeners) fn();
  }
}

/** The page's autosaver; the options are read at call time, so they may change between renders. */
export function useAutosave(options: AutosaverOptions) {
  const [saver] = useState(() => new Autosaver(options));
  useLayoutEffect(() => saver.configure(options));
  const status = useSyncExternalStore(saver.subscribe, saver.getStatus);
  useEffect(() => () => saver.dispose(), [saver]);

  // Leaving the page with unsaved changes asks first.
  useEffect(() => {
    const warn = (e: BeforeUnloadEvent) => {
      if (status.state !== "saved") e.preventDefault();
    };
    window.addEventListener("beforeunload", warn);
    return () => window.removeEventListener("beforeunload", warn);
  }, [status.state]);

  const schedule = useCallback(() => saver.schedule(), [saver]);
  return { saver, status, save: saver.save, flush: saver.flush, overwrite: saver.overwrite, schedule };
}
