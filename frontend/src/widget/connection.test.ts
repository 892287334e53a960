import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { Connection, type ServerFrame } from "./connection";
import { InboxSocket } from "../inbox/socket";

// A stand-in for the browser WebSocket: records URLs and sent frames, lets the test open/close it.
class FakeSocket {
  static OPEN = 1;
  static all: FakeSocket[] = [];
  readyState = 0;
  sent: string[] = [];
  onopen: (() => void) | null = null;
  onmessage: ((ev: { data: string }) => void) | null = null;
  onclose: ((ev: { code: number }) => void) | null = null;
  constructor(public url: string) {
    FakeSocket.all.push(this);
  }
  send(data: string) {
    this.sent.push(data);
  }
  close() {
    this.drop(1000);
  }
  open() {
    this.readyState = FakeSocket.OPEN;
    this.onopen?.();
  }
  receive(frame: object) {
    this.onmessage?.({ data: JSON.stringify(frame) });
  }
  drop(code = 1006) {
    this.readyState = 3;
    this.onclose?.({ code });
  }
}

const store = new Map<string, string>();

beforeEach(() => {
  vi.useFakeTimers();
  FakeSocket.all = [];
  store.clear();
  vi.stubGlobal("WebSocket", FakeSocket);
  vi.stubGlobal("window", globalThis);
  vi.stubGlobal("location", { protocol: "http:", host: "example.test" });
  vi.stubGlobal("localStorage", {
    getItem: (k: string) => store.get(k) ?? null,
    setItem: (k: string, v: string) => void store.set(k, v),
  });
});

afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});

describe("widget connection", () => {
  it("resumes with the stored token and the last seq it saw, after a backoff", () => {
    const frames: ServerFrame[] = [];
    const conn = new Connection({ url: "ws://h/ws/widget/k/", storageKey: "bf", ref: "promo", onFrame: (f) => frames.push(f), onStatus: () => {} });
    conn.connect();
    expect(FakeSocket.all[0].url).toBe("ws://h/ws/widget/k/?ref=promo");
    FakeSocket.all[0].open();
    FakeSocket.all[0].receive({ type: "session", token: "T1" });
    conn.setToken("T1");
    conn.seen(4);
    FakeSocket.all[0].drop();
    expect(FakeSocket.all).toHaveLength(1); // not at once: backoff
    vi.advanceTimersByTime(1000);
    expect(FakeSocket.all).toHaveLength(2);
    expect(FakeSocket.all[1].url).toBe("ws://h/ws/widget/k/?token=T1&last_seq=4&ref=promo");
    expect(frames[0].type).toBe("session");
    expect(JSON.parse(store.get("bf")!)).toEqual({ token: "T1" });
  });

  it("keeps messages typed while offline and sends them once reconnected", () => {
    const conn = new Connection({ url: "ws://h/", storageKey: "bf", ref: "", onFrame: () => {}, onStatus: () => {} });
    conn.send({ type: "message", text: "hello", client_id: "c1" });
    conn.send({ type: "typing", on: true }); // typing is never queued
    FakeSocket.all[0].open();
    expect(FakeSocket.all[0].sent).toEqual([]); // not before the server has set the session up
    FakeSocket.all[0].receive({ type: "session", token: "T1" });
    expect(FakeSocket.all[0].sent.map((s) => JSON.parse(s))).toEqual([{ type: "message", text: "hello", client_id: "c1" }]);
  });

  it("after a 4503 close (live updates were interrupted) reconnects with the token and the last seq it saw", () => {
    const statuses: boolean[] = [];
    const conn = new Connection({ url: "ws://h/", storageKey: "bf", ref: "", onFrame: () => {}, onStatus: (o) => statuses.push(o) });
    conn.connect();
    FakeSocket.all[0].open();
    FakeSocket.all[0].receive({ type: "session", token: "T1" });
    conn.setToken("T1");
    conn.seen(20);
    FakeSocket.all[0].drop(4503);
    expect(statuses).toEqual([true, false]); // "Reconnecting…" while it is away
    vi.advanceTimersByTime(1000);
    expect(FakeSocket.all).toHaveLength(2);
    expect(FakeSocket.all[1].url).toBe("ws://h/?token=T1&last_seq=20");
  });

  it("while live updates are down (error unavailable + 4503) keeps backing off and holds messages for a real session", () => {
    vi.spyOn(Math, "random").mockReturnValue(0); // delays are exactly half the backoff base
    const frames: ServerFrame[] = [];
    const statuses: boolean[] = [];
    const conn = new Connection({ url: "ws://h/", storageKey: "bf", ref: "", onFrame: (f) => frames.push(f), onStatus: (o) => statuses.push(o) });
    const refuse = (ws: FakeSocket) => {
      ws.open();
      ws.receive({ type: "error", code: "unavailable", message: "Live updates are temporarily unavailable; reconnecting." });
      ws.drop(4503);
    };
    conn.connect();
    refuse(FakeSocket.all[0]);
    conn.send({ type: "message", text: "still there?", client_id: "c9" });
    vi.advanceTimersByTime(500); // first retry: 0.5 s
    expect(FakeSocket.all).toHaveLength(2);
    FakeSocket.all[1].open();
    expect(FakeSocket.all[1].sent).toEqual([]); // an accepted socket is not yet a session
    FakeSocket.all[1].receive({ type: "error", code: "unavailable", message: "…" });
    FakeSocket.all[1].drop(4503);
    vi.advanceTimersByTime(999); // the refusal did not reset the backoff: the next try waits 1 s, not 0.5 s
    expect(FakeSocket.all).toHaveLength(2);
    vi.advanceTimersByTime(1);
    expect(FakeSocket.all).toHaveLength(3);
    FakeSocket.all[2].open();
    FakeSocket.all[2].receive({ type: "session", token: "T2" });
    expect(FakeSocket.all[2].sent.map((s) => JSON.parse(s).client_id)).toEqual(["c9"]);
    expect(statuses).toEqual([false, false, true]);
    expect(frames.map((f) => f.type)).toEqual(["error", "error", "session"]);
    FakeSocket.all[2].drop(4503); // a session resets the backoff: back to 0.5 s
    vi.advanceTimersByTime(500);
    expect(FakeSocket.all).toHaveLength(4);
  });

  it("gives up on a refused widget key instead of hammering the server", () => {
    const conn = new Connection({ url: "ws://h/", storageKey: "bf", ref: "", onFrame: () => {}, onStatus: () => {} });
    conn.connect();
    FakeSocket.all[0].drop(4403);
    vi.advanceTimersByTime(120_000);
    expect(FakeSocket.all).toHaveLength(1);
  });

  it("on a page not allowed to embed the chat: tells the site owner why, shows it as refused, never retries", () => {
    const errors: unknown[] = [];
    const spy = vi.spyOn(console, "error").mockImplementation((m) => void errors.push(m));
    const statuses: boolean[] = [];
    const refusals: string[] = [];
    const frames: ServerFrame[] = [];
    const message = "This chat is not allowed on https://shop.example. An admin can add https://shop.example to the allowed origins of the web widget channel “Site” (Settings → Channels).";
    const conn = new Connection({
      url: "ws://h/", storageKey: "bf", ref: "", onFrame: (f) => frames.push(f),
      onStatus: (online) => statuses.push(online), onRefused: (r) => refusals.push(r),
    });
    conn.connect();
    FakeSocket.all[0].open();
    FakeSocket.all[0].receive({ type: "error", code: "origin_not_allowed", message });
    FakeSocket.all[0].drop(4403);
    expect(errors).toEqual([message]);
    expect(refusals).toEqual([message]);
    expect(statuses.at(-1)).toBe(true); // not "offline": no "Reconnecting…" banner
    vi.advanceTimersByTime(120_000);
    conn.connect();
    expect(FakeSocket.all).toHaveLength(1);
    expect(frames.map((f) => f.code)).toEqual(["origin_not_allowed"]);
    spy.mockRestore();
  });

  it("an unknown or disabled widget key is a refusal too, with the server's reason", () => {
    const spy = vi.spyOn(console, "error").mockImplementation(() => {});
    const refusals: string[] = [];
    const conn = new Connection({ url: "ws://h/", storageKey: "bf", ref: "", onFrame: () => {}, onStatus: () => {}, onRefused: (r) => refusals.push(r) });
    conn.connect();
    FakeSocket.all[0].open();
    FakeSocket.all[0].receive({ type: "error", code: "unknown_widget", message: "No active chat widget has this key" });
    FakeSocket.all[0].drop(4403);
    expect(refusals).toEqual(["No active chat widget has this key"]);
    expect(spy).toHaveBeenCalledWith("No active chat widget has this key");
    vi.advanceTimersByTime(120_000);
    expect(FakeSocket.all).toHaveLength(1);
    spy.mockRestore();
  });

  it("backs off exponentially up to 30 s", () => {
    const conn = new Connection({ url: "ws://h/", storageKey: "bf", ref: "", onFrame: () => {}, onStatus: () => {} });
    conn.connect();
    for (let i = 0; i < 8; i++) {
      FakeSocket.all[FakeSocket.all.length - 1].drop();
      vi.advanceTimersByTime(30_000);
    }
    expect(FakeSocket.all).toHaveLength(9);
    FakeSocket.all[8].drop();
    vi.advanceTimersByTime(14_000); // the next delay is in [15 s, 30 s]
    expect(FakeSocket.all).toHaveLength(9);
  });
});

describe("inbox socket", () => {
  it("reconnects by itself and flushes actions queued while it was down", () => {
    const statuses: string[] = [];
    const socket = new InboxSocket("/ws/inbox/?workspace=demo", () => {}, (s) => statuses.push(s));
    socket.start();
    expect(FakeSocket.all[0].url).toBe("ws://example.test/ws/inbox/?workspace=demo");
    FakeSocket.all[0].open();
    FakeSocket.all[0].receive({ type: "snapshot" });
    FakeSocket.all[0].drop();
    socket.send({ type: "reply", conversation_id: "c", text: "hi", client_id: "x" });
    socket.send({ type: "typing", conversation_id: "c", on: true });
    vi.advanceTimersByTime(1000);
    FakeSocket.all[1].open();
    FakeSocket.all[1].receive({ type: "snapshot" });
    expect(FakeSocket.all[1].sent.map((s) => JSON.parse(s).type)).toEqual(["reply"]);
    expect(statuses).toEqual(["connecting", "online", "offline", "connecting", "online"]);
    socket.stop();
    vi.advanceTimersByTime(60_000);
    expect(FakeSocket.all).toHaveLength(2);
  });

  it("is not online on a handshake refused while live updates are down, keeps its actions and its backoff", () => {
    vi.spyOn(Math, "random").mockReturnValue(0);
    const statuses: string[] = [];
    const frames: string[] = [];
    const socket = new InboxSocket("/ws/inbox/?workspace=demo", (f) => frames.push(f.type), (s) => statuses.push(s));
    socket.start();
    FakeSocket.all[0].open();
    FakeSocket.all[0].receive({ type: "snapshot" });
    FakeSocket.all[0].drop(4503); // live updates were interrupted: reconnect, snapshot, re-open
    vi.advanceTimersByTime(500);
    FakeSocket.all[1].open();
    socket.send({ type: "reply", conversation_id: "c", text: "hi", client_id: "x" });
    FakeSocket.all[1].receive({ type: "error", code: "unavailable", message: "…" });
    FakeSocket.all[1].drop(4503);
    expect(FakeSocket.all[1].sent).toEqual([]);
    vi.advanceTimersByTime(999);
    expect(FakeSocket.all).toHaveLength(2); // the refusal did not reset the backoff
    vi.advanceTimersByTime(1);
    FakeSocket.all[2].open();
    FakeSocket.all[2].receive({ type: "snapshot" });
    expect(FakeSocket.all[2].sent.map((s) => JSON.parse(s).client_id)).toEqual(["x"]);
    expect(statuses).toEqual(["connecting", "online", "offline", "connecting", "offline", "connecting", "online"]);
    expect(frames).toEqual(["snapshot", "error", "snapshot"]);
    socket.stop();
  });
});
