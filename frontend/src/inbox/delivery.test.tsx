// Issue 11: a messenger message whose send was cut by a dead worker ends "unknown" (never re-sent by default);
// operators see it, and the failures, in both languages, updated in place when the server re-publishes it.
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { makeTranslator } from "../shared/i18n";
import { DeliveryBadge } from "./ChatView";
import { inboxDicts } from "./i18n";
import { initialState, reducer, type State } from "./store";

const frame = (s: State, f: Record<string, unknown>) => reducer(s, { kind: "frame", frame: f as any, visible: true });

describe("delivery problems are shown to operators", () => {
  for (const lang of ["en", "ru"] as const) {
    const t = makeTranslator(inboxDicts, lang);
    it(`labels unknown, failed and not_sent in ${lang}, and nothing for sent messages`, () => {
      for (const delivery of ["unknown", "failed", "not_sent"]) {
        const html = renderToStaticMarkup(<DeliveryBadge delivery={delivery} t={t} />);
        expect(html).toContain(`data-delivery="${delivery}"`);
        expect(html).not.toMatch(/inbox\.delivery/); // a translated text, never the key
      }
      expect(renderToStaticMarkup(<DeliveryBadge delivery="unknown" t={t} />)).toContain(
        lang === "en" ? "Delivery unknown" : "Доставка неизвестна",
      );
      for (const delivery of [undefined, "pending", "sending", "sent", "delivered", "read"]) {
        expect(renderToStaticMarkup(<DeliveryBadge delivery={delivery} t={t} />)).toBe("");
      }
    });
  }

  it("replaces the message in place when its delivery changes", () => {
    const conv = { id: "c1", mode: "live", department: "support", assignee_id: 7, contact: { name: "" } };
    let s = frame(initialState(7), { type: "snapshot", queues: [], mine: [conv], operators: [], me: { user_id: 7 } });
    const sending = { seq: 3, sender: "operator", text: "On its way", delivery: "sending" };
    s = frame(s, { type: "conversation", conversation: conv, transcript: [sending], variables: {} });
    s = frame(s, { type: "message", conversation_id: "c1", message: { ...sending, delivery: "unknown" } });
    expect(s.details.c1.messages.map((m) => [m.seq, m.delivery])).toEqual([[3, "unknown"]]);
  });
});
