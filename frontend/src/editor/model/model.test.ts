import { describe, expect, it } from "vitest";
import { copySelection, parseClipboard, remapForPaste } from "./clipboard";
import { docToFlow, flowToDoc } from "./convert";
import { defaultData } from "./defaults";
import { connectEdge, pruneEdges } from "./graph";
import { canRedo, canUndo, commit, createHistory, redo, undo } from "./history";
import { autoLayout } from "./layout";
import { portIds, portsOf } from "./ports";
import { NODE_TYPES, type ScenarioDocument } from "./types";

const doc: ScenarioDocument = {
  format: "botflow/scenario",
  version: 1,
  name: "Welcome funnel",
  start: "welcome",
  variables: [{ name: "email", type: "string", default: "", description: "Lead e-mail" }],
  settings: {
    language: "en",
    operator_button: { enabled: true, label: "Call operator", keywords: ["operator", "human"], department: "support" },
    fallback_text: "Please choose one of the buttons.",
  },
  nodes: [
    {
      id: "welcome",
      type: "buttons",
      position: { x: 0, y: 0 },
      data: { text: "Hi!", buttons: [{ id: "sales", label: "Talk to sales" }, { id: "support", label: "Support" }] },
    },
    { id: "to_sales", type: "handoff", position: { x: 300, y: 0 }, data: { department: "sales", message: "…" } },
    { id: "ask", type: "ask", position: { x: 300, y: 200 }, data: { prompt: "E-mail?", variable: "email", kind: "email" } },
    { id: "j", type: "jump", position: { x: 600, y: 200 }, data: { node: "welcome" } },
  ],
  edges: [
    { id: "e1", source: "welcome", source_port: "sales", target: "to_sales" },
    { id: "e2", source: "welcome", source_port: "support", target: "ask" },
    { id: "e3", source: "ask", source_port: "next", target: "j" },
  ],
};

describe("graph ⇄ scenario JSON", () => {
  it("round-trips a document losslessly", () => {
    const g = docToFlow(doc);
    expect(g.nodes).toHaveLength(4);
    expect(g.edges[0]).toMatchObject({ id: "e1", source: "welcome", sourceHandle: "sales", target: "to_sales" });
    expect(g.missingPositions).toBe(false);
    expect(flowToDoc(g.nodes, g.edges, g.meta)).toEqual(doc);
  });

  it("keeps unknown top-level settings and gives missing positions a place", () => {
    const raw = { ...doc, nodes: doc.nodes.map(({ position: _p, ...n }) => n) } as ScenarioDocument;
    const g = docToFlow(raw);
    expect(g.missingPositions).toBe(true);
    expect(new Set(g.nodes.map((n) => `${n.position.x},${n.position.y}`)).size).toBe(4);
    const back = flowToDoc(g.nodes, g.edges, g.meta);
    expect(back.settings).toEqual(doc.settings);
    expect(back.start).toBe("welcome");
  });

  it("round-trips a template node and gives it one `next` port", () => {
    const withTemplate: ScenarioDocument = {
      ...doc,
      nodes: [
        ...doc.nodes,
        {
          id: "remind",
          type: "template",
          position: { x: 900, y: 200 },
          data: { template: "order_update", language: "en_US", variables: { "1": "{{contact_name}}", "2": "{{order_id}}" } },
        },
      ],
      edges: [...doc.edges, { id: "e4", source: "remind", source_port: "next", target: "j" }],
    };
    const g = docToFlow(withTemplate);
    const node = g.nodes.find((n) => n.id === "remind")!;
    expect(node.type).toBe("template");
    expect(g.edges.at(-1)).toMatchObject({ source: "remind", sourceHandle: "next", target: "j" });
    expect(flowToDoc(g.nodes, g.edges, g.meta)).toEqual(withTemplate);
    expect(portIds("template", node.data)).toEqual(["next"]);
    expect(portsOf("template", {}).map((p) => p.kind)).toEqual(["required"]);
  });

  it("rounds dragged positions to integers", () => {
    const g = docToFlow(doc);
    g.nodes[0] = { ...g.nodes[0], position: { x: 10.6, y: -3.2 } };
    expect(flowToDoc(g.nodes, g.edges, g.meta).nodes[0].position).toEqual({ x: 11, y: -3 });
  });
});

describe("ports", () => {
  it("derives ports exactly as the format says", () => {
    expect(portIds("message", { text: "x" })).toEqual(["next", "outside_window"]);
    expect(portIds("buttons", doc.nodes[0].data)).toEqual(["sales", "support", "outside_window"]);
    expect(portIds("ask", {})).toEqual(["next", "invalid", "timeout"]);
    expect(portIds("condition", { rules: [{ id: "vip", expression: "x" }, { id: "r2", expression: "y" }] })).toEqual([
      "vip",
      "r2",
      "else",
    ]);
    expect(portIds("http_request", {})).toEqual(["ok", "error"]);
    for (const t of ["jump", "handoff", "end"] as const) expect(portIds(t, {})).toEqual([]);
    for (const t of ["set_variable", "wait", "rating", "tag"] as const) expect(portIds(t, {})).toEqual(["next"]);
  });

  it("labels derived ports and marks soft and optional ones", () => {
    const ports = portsOf("buttons", doc.nodes[0].data);
    expect(ports[0]).toEqual({ id: "sales", kind: "required", label: "Talk to sales" });
    expect(ports[2].kind).toBe("optional");
    expect(portsOf("ask", {}).map((p) => p.kind)).toEqual(["required", "soft", "soft"]);
    expect(portsOf("condition", { rules: [{ id: "r", expression: "score > 3" }] })[0].label).toBe("score > 3");
  });

  it("gives every node type default data with its ports", () => {
    for (const t of NODE_TYPES) expect(defaultData(t)).toBeTypeOf("object");
    expect(portIds("buttons", defaultData("buttons"))).toHaveLength(3);
  });
});

describe("undo / redo", () => {
  it("walks back and forth through snapshots", () => {
    let h = createHistory(1);
    h = commit(h, 2);
    h = commit(h, 3);
    expect(canUndo(h)).toBe(true);
    h = undo(h);
    expect(h.present).toBe(2);
    h = undo(h);
    expect(h.present).toBe(1);
    expect(canUndo(h)).toBe(false);
    h = undo(h);
    expect(h.present).toBe(1);
    h = redo(h);
    expect(h.present).toBe(2);
    expect(canRedo(h)).toBe(true);
    h = commit(h, 9);
    expect(canRedo(h)).toBe(false);
    expect(undo(h).present).toBe(2);
  });

  it("coalesces typing into one field into one step", () => {
    let h = createHistory("");
    h = commit(h, "H", "text:n1");
    h = commit(h, "He", "text:n1");
    h = commit(h, "Hey", "text:n1");
    expect(h.past).toEqual([""]);
    h = commit(h, "Hey!", "text:n2");
    expect(undo(h).present).toBe("Hey");
    expect(undo(undo(h)).present).toBe("");
  });
});

describe("copy / paste", () => {
  it("copies the selection with the edges inside it only", () => {
    const clip = copySelection(doc, ["welcome", "ask"]);
    expect(clip.nodes.map((n) => n.id)).toEqual(["welcome", "ask"]);
    expect(clip.edges.map((e) => e.id)).toEqual(["e2"]);
    expect(parseClipboard(JSON.stringify(clip))).toEqual(clip);
  });

  it("remaps colliding ids on paste and keeps internal edges and jumps consistent", () => {
    const clip = copySelection(doc, ["welcome", "ask", "j"]);
    const existing = new Set(doc.nodes.map((n) => n.id));
    const { nodes, edges, idMap } = remapForPaste(clip, existing, new Set(doc.edges.map((e) => e.id)));
    for (const n of nodes) expect(existing.has(n.id)).toBe(false);
    expect(new Set(nodes.map((n) => n.id)).size).toBe(3);
    for (const e of edges) {
      expect(["e1", "e2", "e3"]).not.toContain(e.id);
      expect(nodes.map((n) => n.id)).toContain(e.source);
      expect(nodes.map((n) => n.id)).toContain(e.target);
    }
    expect(edges.find((e) => e.source === idMap.get("welcome"))?.source_port).toBe("support");
    expect(nodes.find((n) => n.type === "jump")?.data.node).toBe(idMap.get("welcome"));
    expect(nodes[0].position).toEqual({ x: 40, y: 40 });
    // the original document is untouched
    expect(clip.nodes[0].id).toBe("welcome");
  });

  it("keeps ids that do not collide and places the group where asked", () => {
    const clip = copySelection(doc, ["ask"]);
    const { nodes } = remapForPaste(clip, new Set(["other"]), new Set(), { x: 500, y: 600 });
    expect(nodes[0]).toMatchObject({ id: "ask", position: { x: 500, y: 600 } });
  });

  it("refuses text that is not a scenario and unwraps export bundles", () => {
    expect(parseClipboard("hello")).toBeNull();
    expect(parseClipboard('{"format":"other"}')).toBeNull();
    const bundle = { format: "botflow/bundle", version: 1, scenarios: [{ slug: "w", document: doc }] };
    expect(parseClipboard(JSON.stringify(bundle))?.nodes).toHaveLength(4);
  });
});

describe("edges", () => {
  it("replaces the edge of a port that is connected again", () => {
    const g = docToFlow(doc);
    const next = connectEdge(g.edges, { id: "new", source: "welcome", sourceHandle: "sales", target: "ask" });
    expect(next.filter((e) => e.source === "welcome" && e.sourceHandle === "sales")).toEqual([
      { id: "new", source: "welcome", sourceHandle: "sales", target: "ask" },
    ]);
    expect(next).toHaveLength(3);
  });

  it("drops edges of a deleted button", () => {
    const g = docToFlow(doc);
    const nodes = g.nodes.map((n) =>
      n.id === "welcome" ? { ...n, data: { ...n.data, buttons: [{ id: "support", label: "Support" }] } } : n,
    );
    expect(pruneEdges(g.edges, nodes).map((e) => e.id)).toEqual(["e2", "e3"]);
    expect(pruneEdges(g.edges, g.nodes)).toBe(g.edges);
  });
});

describe("auto-layout", () => {
  it("places connected nodes left to right without overlap", () => {
    const pos = autoLayout(doc.nodes, doc.edges);
    expect(pos.get("welcome")!.x).toBeLessThan(pos.get("to_sales")!.x);
    expect(pos.get("ask")!.x).toBeLessThan(pos.get("j")!.x);
    expect(pos.get("to_sales")).not.toEqual(pos.get("ask"));
  });
});
