import { describe, expect, it } from "vitest";
import { StatusStore } from "./status";

describe("per-node status store", () => {
  it("gives badges per node and keeps unchanged nodes' snapshots identical", () => {
    const store = new StatusStore();
    let notified = 0;
    store.subscribe(() => notified++);
    const untouched = store.get("quiet");
    store.setFindings([
      { severity: "error", code: "port_unconnected", node_id: "a", message: "Port next is not connected" },
      { severity: "warning", code: "unreachable_node", node_id: "b", message: "Unreachable" },
      { severity: "error", code: "start_missing", node_id: null, message: "No start" },
    ]);
    expect(notified).toBe(1);
    const a1 = store.get("a");
    expect(a1.errors).toEqual(["Port next is not connected"]);
    expect(store.get("b").warnings).toEqual(["Unreachable"]);
    expect(store.get("quiet")).toBe(untouched);
    // Same findings for `a` again, `b` fixed: `a` keeps the very same snapshot object (no re-render).
    store.setFindings([{ severity: "error", code: "port_unconnected", node_id: "a", message: "Port next is not connected" }]);
    expect(store.get("a")).toBe(a1);
    expect(store.get("b").warnings).toEqual([]);
  });

  it("marks the active, start and diff nodes", () => {
    const store = new StatusStore();
    store.setActive("x");
    store.setStart("s");
    store.setDiff(new Map([["y", "added"]]));
    expect(store.get("x").active).toBe(true);
    expect(store.get("s").start).toBe(true);
    expect(store.get("y").diff).toBe("added");
    store.setActive(null);
    expect(store.get("x").active).toBe(false);
  });
});

describe("channel kinds", () => {
  it("offer the outside_window exit only when a WhatsApp channel runs the scenario, notifying on change only", () => {
    const store = new StatusStore();
    let notified = 0;
    store.subscribe(() => notified++);
    expect(store.whatsappUsed).toBe(false);
    store.setChannelKinds(["web", "telegram"]);
    expect([store.whatsappUsed, notified]).toEqual([false, 0]);
    store.setChannelKinds(["web", "whatsapp"]);
    expect([store.whatsappUsed, notified]).toEqual([true, 1]);
    store.setChannelKinds(["whatsapp"]);
    expect(notified).toBe(1);
    store.setChannelKinds([]);
    expect([store.whatsappUsed, notified]).toEqual([false, 2]);
  });
});
