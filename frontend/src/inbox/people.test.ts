// Issue 12: operators see people, not internals; resolve / return to bot refresh the chat on screen; the
// history query; every handoff reason the backend can emit reads as text in both languages.
import { describe, expect, it } from "vitest";
import { makeTranslator } from "../shared/i18n";
import { historyQuery } from "./History";
import { inboxDicts } from "./i18n";
import { initialState, reducer, type State } from "./store";
import { contactName, nodeTitle, reasonText } from "./util";

const ME = 7;
const frame = (s: State, f: Record<string, unknown>) => reducer(s, { kind: "frame", frame: f as any, visible: true });
const live = { id: "c1", mode: "live", department: "support", assignee_id: ME, contact: { name: "" } };
// Backend reasons (runtime/engine/interpreter.py, runtime/pipeline/turn.py, runtime/services.py); the pytest
// tests/channels_app/test_no_internals.py enumerates them from the source and checks these dictionaries.
const REASONS = ["button", "keyword", "node", "error", "reopened", "no_scenario"];
const KEY = /\binbox\.[a-zA-Z_.]+/;
const RAW_ID = /\b[a-z]+_[A-Za-z0-9]{6,}\b|__operator__/;

function opened(): State {
  let s = frame(initialState(ME), { type: "snapshot", queues: [], mine: [live], operators: [], me: { user_id: ME } });
  s = frame(s, { type: "conversation", conversation: live, transcript: [], variables: { rating: null } });
  return reducer(s, { kind: "select", id: "c1" });
}

describe("live refresh after return to bot and resolve", () => {
  it("applies the conversation the returned_to_bot event carries and marks the open chat for a re-read", () => {
    let s = frame(opened(), { type: "returned_to_bot", conversation_id: "c1", conversation: { ...live, mode: "bot", assignee_id: null } });
    expect(s.mine.c1).toBeUndefined();
    expect(s.details.c1.conv.mode).toBe("bot");
    expect(s.details.c1.stale).toBe(true);
    // The re-read replaces the stale detail with fresh variables (the rating the customer gave).
    s = frame(s, { type: "conversation", conversation: { ...live, mode: "closed" }, transcript: [], variables: { rating: 5 } });
    expect(s.details.c1.stale).toBeFalsy();
    expect(s.details.c1.variables.rating).toBe(5);
    expect(s.details.c1.conv.mode).toBe("closed");
    // Each bot turn in a chat back with the bot may change variables again.
    s = frame(s, { type: "message", message: { seq: 9, sender: "bot", text: "Thanks!", conversation_id: "c1" } });
    expect(s.details.c1.stale).toBe(true);
  });

  it("a resolve that left the chat queued again (bot handed off) puts it back in the queue", () => {
    const s = frame(opened(), { type: "resolved", conversation_id: "c1", conversation: { ...live, mode: "closed" } });
    expect(s.details.c1.conv.mode).toBe("closed");
    const back = frame(opened(), { type: "returned_to_bot", conversation_id: "c1", conversation: { ...live, mode: "queued", assignee_id: null } });
    expect(Object.keys(back.queue)).toEqual(["c1"]);
  });

  it("messages of a live chat do not trigger re-reads", () => {
    const s = frame(opened(), { type: "message", message: { seq: 3, sender: "customer", text: "hi", conversation_id: "c1" } });
    expect(s.details.c1.stale).toBeFalsy();
  });
});

describe("people, reasons and steps in both languages", () => {
  for (const lang of ["en", "ru"] as const) {
    const t = makeTranslator(inboxDicts, lang);
    it(`${lang}: every backend handoff reason has its own text, an unknown one a generic text`, () => {
      for (const reason of REASONS) {
        const text = reasonText(t, reason);
        expect(text, reason).not.toMatch(KEY);
        expect(text).not.toBe(t("inbox.reason.other"));
      }
      expect(reasonText(t, "something_new")).toBe(t("inbox.reason.other"));
      expect(reasonText(t, "something_new")).not.toMatch(KEY);
    });
    it(`${lang}: a contact is named by what was collected, else "visitor", never an id`, () => {
      expect(contactName({ id: "c1", mode: "bot", department: null, contact: { name: "", email: "ann@example.com" } }, t)).toBe("ann@example.com");
      expect(contactName({ id: "c1", mode: "bot", department: null, contact: { name: "", phone: "+7999" } }, t)).toBe("+7999");
      const anon = contactName({ id: "3f2a1b9c-0000", mode: "bot", department: null, contact: { name: "" } }, t);
      expect(anon).toBe(t("inbox.visitor"));
      expect(anon).not.toMatch(KEY);
    });
    it(`${lang}: a step is named by its kind and text, not by its id`, () => {
      for (const type of ["message", "buttons", "ask", "rating", "handoff", "end", "wait", "jump", "condition"]) {
        const title = nodeTitle(t, { id: "buttons_f4cc8v", type, label: "" });
        expect(title).not.toMatch(RAW_ID);
        expect(title).not.toMatch(KEY);
      }
      expect(nodeTitle(t, { id: "b_fefv2l", type: "rating", label: "How did we do?" })).toContain("How did we do?");
    });
  }
});

describe("history query", () => {
  it("sends only the filters that are set", () => {
    expect(historyQuery({ q: " ann@example.com ", status: "closed", department: "", channel: "web", since: "2026-11-01", until: "" })).toBe(
      "q=ann%40example.com&status=closed&channel=web&since=2026-11-01&limit=30",
    );
    expect(historyQuery({ q: "", status: "", department: "", channel: "", since: "", until: "" }, 30)).toBe("limit=30&offset=30");
  });
});
