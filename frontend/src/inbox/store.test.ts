import { describe, expect, it } from "vitest";
import { initialState, mergeMessages, reducer, resyncFrames, type Msg, type State } from "./store";
import { renderTemplate } from "./ChatView";
import { inboxDicts } from "./i18n";

const ME = 7;
const conv = (id: string, extra: Record<string, unknown> = {}) => ({
  id,
  mode: "queued",
  department: "support",
  queued_at: "2026-11-21T10:00:00Z",
  contact: { name: "Ann" },
  ...extra,
});
const msg = (seq: number, sender = "customer", text = `m${seq}`): Msg => ({ seq, sender, text, conversation_id: "c1" } as Msg);
const frame = (s: State, f: Record<string, unknown>, visible = true) => reducer(s, { kind: "frame", frame: f as any, visible });

describe("inbox store", () => {
  it("reads the snapshot: queues per department, my chats with unread counts, me", () => {
    const s = frame(initialState(ME), {
      type: "snapshot",
      queues: [
        { department: { id: 1, slug: "sales", name: "Sales" }, chats: [conv("a", { department: "sales" })] },
        { department: { id: 2, slug: "support", name: "Support" }, chats: [conv("b")] },
      ],
      mine: [{ ...conv("c", { mode: "live", assignee_id: ME }), unread: 3 }],
      operators: [{ user_id: ME, name: "Olga", presence: "online" }],
      me: { user_id: ME, presence: "online" },
    });
    expect(Object.keys(s.queue).sort()).toEqual(["a", "b"]);
    expect(Object.keys(s.mine)).toEqual(["c"]);
    expect(s.unread.c).toBe(3);
    expect(s.presence).toBe("online");
    expect(s.departments.map((d) => d.slug)).toEqual(["sales", "support"]);
  });

  it("moves a chat I claimed from the queue to my chats and one claimed by a colleague out of sight", () => {
    let s = frame(initialState(ME), { type: "queued", conversation: conv("a") });
    s = frame(s, { type: "queued", conversation: conv("b") });
    s = reducer(s, { kind: "claiming", id: "a" });
    s = frame(s, { type: "claimed", conversation_id: "a", operator: { id: ME }, conversation: conv("a", { mode: "live", assignee_id: ME }) });
    s = frame(s, { type: "claimed", conversation_id: "b", operator: { id: 99 }, conversation: conv("b", { mode: "live", assignee_id: 99 }) });
    expect(Object.keys(s.queue)).toEqual([]);
    expect(Object.keys(s.mine)).toEqual(["a"]);
    expect(s.activeId).toBe("a");
    expect(s.pendingClaim).toBeNull();
  });

  it("dedupes messages by seq when the transcript is replayed after a reconnect", () => {
    let s = frame(initialState(ME), { type: "conversation", conversation: conv("c1", { mode: "live", assignee_id: ME }), transcript: [msg(1, "bot"), msg(2)], variables: { email: "a@b.c" } });
    s = frame(s, { type: "message", message: msg(3) });
    s = frame(s, { type: "message", message: msg(3) });
    s = frame(s, { type: "conversation", conversation: conv("c1", { mode: "live", assignee_id: ME }), transcript: [msg(1, "bot"), msg(2), msg(3), msg(4)] });
    expect(s.details.c1.messages.map((m) => m.seq)).toEqual([1, 2, 3, 4]);
    expect(s.details.c1.variables).toEqual({ email: "a@b.c" });
  });

  it("counts unread customer messages of my chats that are not on screen", () => {
    let s = frame(initialState(ME), { type: "claimed", conversation_id: "c1", operator: { id: ME }, conversation: conv("c1", { mode: "live", assignee_id: ME }) });
    s = reducer(s, { kind: "select", id: null });
    s = frame(s, { type: "message", message: msg(5) });
    s = frame(s, { type: "message", message: msg(6, "operator") });
    expect(s.unread.c1).toBe(1);
    s = reducer(s, { kind: "select", id: "c1" });
    expect(s.unread.c1).toBeUndefined();
    s = frame(s, { type: "message", message: msg(7) }, false); // tab in the background
    expect(s.unread.c1).toBe(1);
  });

  it("drops resolved and returned chats from the lists", () => {
    let s = frame(initialState(ME), { type: "claimed", conversation_id: "c1", operator: { id: ME }, conversation: conv("c1", { mode: "live", assignee_id: ME }) });
    s = frame(s, { type: "returned_to_bot", conversation_id: "c1", node_id: "csat" });
    expect(s.mine).toEqual({});
    s = frame(s, { type: "queued", conversation: conv("c2") });
    s = frame(s, { type: "resolved", conversation_id: "c2" });
    expect(s.queue).toEqual({});
  });

  it("ignores my own typing echo and shows the customer's", () => {
    let s = frame(initialState(ME), { type: "typing", conversation_id: "c1", who: "operator", on: true, user_id: ME });
    expect(s.typing.c1).toBeUndefined();
    s = frame(s, { type: "typing", conversation_id: "c1", who: "customer", on: true });
    expect(s.typing.c1?.who).toBe("customer");
    s = frame(s, { type: "message", message: msg(2) });
    expect(s.typing.c1).toBeUndefined();
  });

  it("after a 4503 reconnect: a fresh snapshot, the open chat re-read and gaps filled without doubles", () => {
    let s = frame(initialState(ME), { type: "claimed", conversation_id: "c1", operator: { id: ME }, conversation: conv("c1", { mode: "live", assignee_id: ME }) });
    s = frame(s, { type: "queued", conversation: conv("q1") });
    s = reducer(s, { kind: "select", id: "c1" });
    s = frame(s, { type: "conversation", conversation: conv("c1", { mode: "live", assignee_id: ME }), transcript: [msg(1, "bot"), msg(2)] });
    // Live updates were interrupted: seq 3–5 never came. The socket is refused while they are down…
    s = frame(s, { type: "error", code: "unavailable", message: "Live updates are temporarily unavailable; reconnecting." });
    expect(s.error).toBeNull(); // the connection badge says it, not an error banner
    // …then reconnects: the snapshot (q1 was claimed by a colleague meanwhile), and the chat on screen is re-opened.
    s = frame(s, { type: "snapshot", queues: [], mine: [conv("c1", { mode: "live", assignee_id: ME })] });
    expect(resyncFrames(s)).toEqual([{ type: "open", conversation_id: "c1" }]);
    s = frame(s, { type: "message", message: msg(6) }); // live again before the transcript arrives
    s = frame(s, { type: "conversation", conversation: conv("c1", { mode: "live", assignee_id: ME }), transcript: [1, 2, 3, 4, 5].map((n) => msg(n)) });
    expect(s.details.c1.messages.map((m) => m.seq)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(Object.keys(s.queue)).toEqual([]);
    expect(resyncFrames(reducer(s, { kind: "select", id: null }))).toEqual([]);
  });

  it("merges messages in seq order", () => {
    expect(mergeMessages([msg(3), msg(1)], [msg(2), msg(3, "customer", "again")]).map((m) => [m.seq, m.text])).toEqual([
      [1, "m1"],
      [2, "m2"],
      [3, "again"],
    ]);
  });
});

describe("canned replies", () => {
  it("fill {{variables}} with defaults", () => {
    expect(renderTemplate("Hi {{contact_name|there}}, order {{ order.id }} is {{status}}.", { contact_name: "", order: { id: 42 } })).toBe(
      "Hi there, order 42 is .",
    );
  });
});

describe("inbox i18n", () => {
  it("has every English key in Russian", () => {
    expect(Object.keys(inboxDicts.ru).sort()).toEqual(Object.keys(inboxDicts.en).sort());
  });
});
