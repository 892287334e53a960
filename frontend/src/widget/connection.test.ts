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
    expect(FakeSocket.all[0].sent.map((s) => JSON.parse(s))).toEqual([{ type: "message", text: "hello", client_id: "c1" }]);
  });

  it("gives up on a refused widget key instead of hammering the server", () => {
    const conn = new Connection({ url: "ws://h/", storageKey: "bf", ref: "", onFrame: () => {}, onStatus: () => {} });
    conn.connect();
    FakeSocket.all[0].drop(4403);
    vi.advanceTimersByTime(120_000);
    expect(FakeSocket.all).toHaveLength(1);
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
    FakeSocket.all[0].drop();
    socket.send({ type: "reply", conversation_id: "c", text: "hi", client_id: "x" });
    socket.send({ type: "typing", conversation_id: "c", on: true });
    vi.advanceTimersByTime(1000);
    FakeSocket.all[1].open();
    expect(FakeSocket.all[1].sent.map((s) => JSON.parse(s).type)).toEqual(["reply"]);
    expect(statuses).toEqual(["connecting", "online", "offline", "connecting", "online"]);
    socket.stop();
    vi.advanceTimersByTime(60_000);
    expect(FakeSocket.all).toHaveLength(2);
  });
});
