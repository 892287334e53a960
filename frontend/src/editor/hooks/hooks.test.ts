// The editor page's hooks keep their rules in plain code (stores, planners, predicates); these tests run
// that code directly: the autosave's concurrency rules, the undo history's steps, selection, paste, keys.
import { afterEach, describe, expect, it, vi } from "vitest";
import type { NodeChange } from "@xyflow/react";
import type { ScenarioDocument } from "../model/types";
import { Autosaver, type Conflict } from "./useAutosave";
import { isTyping, planPaste } from "./useClipboard";
import { HistoryStore, isStructuralEdgeChange, isStructuralNodeChange } from "./useHistory";
import { selectAdded, selectAll, selectedOf, selectOnly } from "./useSelection";
import { shortcutOf } from "./useShortcuts";

/** A server stand-in: each send is answered when the test says so. */
function fakeServer() {
  const calls: { revision: number; answer: (r: number) => void; fail: (e: unknown) => void }[] = [];
  const send = (revision: number) =>
    new Promise<number>((answer, fail) => {
      calls.push({ revision, answer, fail });
    });
  return { calls, send };
}

const CONFLICT: Conflict = { current_revision: 7, updated_by: "anna", updated_at: "2026-01-01T00:00:00Z" };

function saver(send: (r: number) => Promise<number>, enabled = true) {
  return new Autosaver({
    send,
    enabled: () => enabled,
    conflictOf: (e) => (e === "409" ? CONFLICT : null),
    errorText: (e) => `failed: ${String(e)}`,
    delayMs: 800,
  });
}

const flushPromises = () => new Promise((r) => setTimeout(r, 0));

describe("Autosaver", () => {
  afterEach(() => vi.useRealTimers());

  it("saves after the pause with the loaded revision and then the returned one", async () => {
    vi.useFakeTimers();
    const server = fakeServer();
    const s = saver(server.send);
    s.loaded(3);
    s.schedule();
    expect(s.getStatus().state).toBe("dirty");
    expect(server.calls).toHaveLength(0);
    vi.advanceTimersByTime(800);
    expect(server.calls.map((c) => c.revision)).toEqual([3]);
    expect(s.getStatus().state).toBe("saving");
    server.calls[0].answer(4);
    await vi.runAllTimersAsync();
    expect(s.getStatus()).toEqual({ state: "saved", error: "", conflict: null });
    expect(s.revision).toBe(4);
  });

  it("a save asked for while one is in flight runs once after it, based on its revision", async () => {
    const server = fakeServer();
    const s = saver(server.send);
    s.loaded(1);
    const first = s.save();
    const second = s.save();
    const third = s.save();
    expect(server.calls).toHaveLength(1);
    server.calls[0].answer(2);
    await flushPromises();
    expect(server.calls.map((c) => c.revision)).toEqual([1, 2]);
    server.calls[1].answer(3);
    expect(await first).toBe(true);
    expect(await second).toBe(true);
    expect(await third).toBe(true);
    expect(server.calls).toHaveLength(2);
    expect(s.revision).toBe(3);
  });

  it("stops saving on a conflict until the user overwrites, then saves on the server's revision", async () => {
    const server = fakeServer();
    const s = saver(server.send);
    s.loaded(5);
    const p = s.save();
    server.calls[0].fail("409");
    expect(await p).toBe(false);
    expect(s.getStatus().state).toBe("conflict");
    expect(s.getStatus().conflict).toEqual(CONFLICT);
    s.schedule();
    expect(s.getStatus().state).toBe("conflict");
    expect(await s.save()).toBe(false);
    expect(server.calls).toHaveLength(1);
    const o = s.overwrite();
    expect(server.calls.map((c) => c.revision)).toEqual([5, 7]);
    server.calls[1].answer(8);
    expect(await o).toBe(true);
    expect(s.getStatus()).toEqual({ state: "saved", error: "", conflict: null });
  });

  it("reports other failures with their text and clears it after a success", async () => {
    const server = fakeServer();
    const s = saver(server.send);
    const p = s.save();
    server.calls[0].fail("offline");
    expect(await p).toBe(false);
    expect(s.getStatus()).toMatchObject({ state: "error", error: "failed: offline" });
    const retry = s.save();
    server.calls[1].answer(1);
    expect(await retry).toBe(true);
    expect(s.getStatus().error).toBe("");
  });

  it("flush sends nothing when all is saved, and saves when something is pending", async () => {
    const server = fakeServer();
    const s = saver(server.send);
    expect(await s.flush()).toBe(true);
    expect(server.calls).toHaveLength(0);
    s.schedule();
    const f = s.flush();
    server.calls[0].answer(1);
    expect(await f).toBe(true);
    s.dispose();
  });

  it("never saves for a viewer", async () => {
    const server = fakeServer();
    const s = saver(server.send, false);
    s.schedule();
    expect(s.getStatus().state).toBe("saved");
    expect(await s.save()).toBe(false);
    expect(server.calls).toHaveLength(0);
  });

  it("tells subscribers about each change", async () => {
    const server = fakeServer();
    const s = saver(server.send);
    const seen: string[] = [];
    const off = s.subscribe(() => seen.push(s.getStatus().state));
    const p = s.save();
    server.calls[0].answer(1);
    await p;
    off();
    s.schedule();
    s.dispose();
    expect(seen).toEqual(["saving", "saved"]);
  });
});

describe("HistoryStore", () => {
  it("records only marked edits, coalesces typing into one field, undoes and redoes", () => {
    const h = new HistoryStore<string>();
    let doc = "a";
    h.reset(doc);
    expect(h.getFlags()).toEqual({ undo: false, redo: false });
    expect(h.commitPending(() => doc)).toBe(false); // a render nobody marked (load, selection)
    h.mark("n1:text");
    doc = "ab";
    expect(h.commitPending(() => doc)).toBe(true);
    h.mark("n1:text");
    doc = "abc";
    h.commitPending(() => doc);
    h.mark(null);
    doc = "abc+node";
    h.commitPending(() => doc);
    expect(h.getFlags()).toEqual({ undo: true, redo: false });
    expect(h.undo()).toBe("abc");
    expect(h.undo()).toBe("a"); // both keystrokes were one step
    expect(h.undo()).toBeNull();
    expect(h.getFlags()).toEqual({ undo: false, redo: true });
    expect(h.redo()).toBe("abc");
  });

  it("notifies when the flags change and starts over on reset", () => {
    const h = new HistoryStore<number>();
    h.reset(0);
    let calls = 0;
    h.subscribe(() => calls++);
    h.mark(null);
    h.commitPending(() => 1);
    h.mark(null);
    h.commitPending(() => 2); // flags unchanged: no notification
    expect(calls).toBe(1);
    h.mark(null);
    h.reset(5);
    expect(calls).toBe(2);
    expect(h.getFlags()).toEqual({ undo: false, redo: false });
    expect(h.commitPending(() => 6)).toBe(false); // a reset drops a pending mark
  });

  it("counts adds, removals and finished drags as steps, not drag frames or selection", () => {
    const frame = [{ type: "position", id: "a", dragging: true }] as NodeChange[];
    const drop = [{ type: "position", id: "a", dragging: false }] as NodeChange[];
    const select = [{ type: "select", id: "a", selected: true }] as NodeChange[];
    const remove = [{ type: "remove", id: "a" }] as NodeChange[];
    expect(isStructuralNodeChange(frame)).toBe(false);
    expect(isStructuralNodeChange(select)).toBe(false);
    expect(isStructuralNodeChange(drop)).toBe(true);
    expect(isStructuralNodeChange(remove)).toBe(true);
    expect(isStructuralEdgeChange([{ type: "select", id: "e", selected: true }])).toBe(false);
    expect(isStructuralEdgeChange([{ type: "remove", id: "e" }])).toBe(true);
  });
});

describe("selection", () => {
  const nodes = [
    { id: "a", selected: true },
    { id: "b", selected: false },
    { id: "c" },
  ];
  it("selects all, one, or the added nodes, keeping untouched objects", () => {
    const all = selectAll(nodes);
    expect(selectedOf(all).map((n) => n.id)).toEqual(["a", "b", "c"]);
    expect(all[0]).toBe(nodes[0]);
    expect(selectedOf(selectOnly(nodes, "c")).map((n) => n.id)).toEqual(["c"]);
    const added = selectAdded(nodes, [{ id: "d" }]);
    expect(selectedOf(added).map((n) => n.id)).toEqual(["d"]);
    expect(added[1]).toBe(nodes[1]);
  });
});

describe("paste plan", () => {
  const clip: ScenarioDocument = {
    format: "botflow/scenario",
    version: 1,
    variables: [
      { name: "email", type: "string" },
      { name: "order", type: "string" },
    ],
    nodes: [
      { id: "ask", type: "ask", position: { x: 0, y: 0 }, data: { prompt: "?", variable: "email" } },
      { id: "end", type: "end", position: { x: 0, y: 100 }, data: {} },
    ],
    edges: [{ id: "e1", source: "ask", source_port: "next", target: "end" }],
  };
  const text = JSON.stringify(clip);

  it("renames colliding ids, adds only undeclared variables, keeps an existing start", () => {
    const plan = planPaste(text, {
      nodeIds: ["ask"],
      edgeIds: ["e1"],
      meta: { format: "botflow/scenario", version: 1, start: "ask", variables: [{ name: "email", type: "string" }] },
    })!;
    expect(plan.nodes.map((n) => n.id)).not.toContain("ask");
    expect(plan.nodes.map((n) => n.id)).toContain("end");
    expect(plan.edges).toHaveLength(1);
    expect(plan.edges[0].id).not.toBe("e1");
    expect(plan.edges[0].source).toBe(plan.nodes[0].id);
    expect(plan.variables.map((v) => v.name)).toEqual(["order"]);
    expect(plan.start).toBeNull();
  });

  it("makes the first pasted step the start of an empty scenario, and ignores text that is not steps", () => {
    const plan = planPaste(text, { nodeIds: [], edgeIds: [], meta: { format: "botflow/scenario", version: 1 } }, { x: 500, y: 40 })!;
    expect(plan.start).toBe("ask");
    expect(plan.nodes[0].position).toEqual({ x: 500, y: 40 });
    expect(planPaste("hello", { nodeIds: [], edgeIds: [], meta: { format: "botflow/scenario", version: 1 } })).toBeNull();
  });
});

describe("keys", () => {
  const field = { tagName: "INPUT", isContentEditable: false } as unknown as EventTarget;
  const canvas = { tagName: "DIV", isContentEditable: false } as unknown as EventTarget;
  const key = (k: string, target: EventTarget, extra: Partial<{ ctrlKey: boolean; metaKey: boolean; shiftKey: boolean }> = {}) => ({
    key: k,
    ctrlKey: false,
    metaKey: false,
    shiftKey: false,
    target,
    ...extra,
  });

  it("maps shortcuts outside text fields; Ctrl+S saves everywhere", () => {
    expect(isTyping(field)).toBe(true);
    expect(isTyping(canvas)).toBe(false);
    expect(shortcutOf(key("z", canvas, { ctrlKey: true }))).toBe("undo");
    expect(shortcutOf(key("Z", canvas, { metaKey: true, shiftKey: true }))).toBe("redo");
    expect(shortcutOf(key("y", canvas, { ctrlKey: true }))).toBe("redo");
    expect(shortcutOf(key("a", canvas, { ctrlKey: true }))).toBe("selectAll");
    expect(shortcutOf(key("z", field, { ctrlKey: true }))).toBeNull();
    expect(shortcutOf(key("s", field, { ctrlKey: true }))).toBe("save");
    expect(shortcutOf(key("z", canvas))).toBeNull();
  });
});
