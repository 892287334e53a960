// Issue 12: every finding code reads as a sentence in English and Russian that names steps by their kind and
// text and exits by their label, never by ids like `buttons_f4cc8v` / `b_fefv2l`, and never shows a raw key.
import { describe, expect, it } from "vitest";
import { makeTranslator } from "../shared/i18n";
import { FINDING_CODES, findingMessage, type FindingIn, type NodeInfo } from "./findingText";
import { dicts as editorDicts } from "./i18n";

const NODES: Record<string, NodeInfo> = {
  buttons_f4cc8v: { type: "buttons", data: { text: "Choose a topic", buttons: [{ id: "b_fefv2l", label: "Sales" }] } },
  message_a1b2c3: { type: "message", data: { text: "Hello {{contact_name}}!" } },
  end_zz99yy: { type: "end", data: {} },
};
const lookup = (id: string) => NODES[id];

// One realistic finding per code, as builder/graph.py, builder/schema.py and the template checks word them.
const SAMPLES: Record<string, FindingIn[]> = {
  duplicate_id: [
    { code: "duplicate_id", message: "Node id 'buttons_f4cc8v' is used twice", path: "/nodes/0/id", node_id: "buttons_f4cc8v" },
    { code: "duplicate_id", message: "Edge id 'e_q1w2e3' is used twice", path: "/edges/2/id" },
    { code: "duplicate_id", message: "Variable 'topic' is declared twice", path: "/variables/1/name" },
    { code: "duplicate_id", message: "'ref' is a built-in variable", path: "/variables/0/name" },
    { code: "duplicate_id", message: "Id 'b_fefv2l' is used twice in this node", path: "/nodes/0/data/buttons/1/id", node_id: "buttons_f4cc8v" },
    { code: "duplicate_id", message: "Id 'else' is reserved for a built-in port", path: "/nodes/0/data/rules/1/id", node_id: "buttons_f4cc8v" },
  ],
  start_missing: [
    { code: "start_missing", message: "The scenario has no start node", path: "/start" },
    { code: "start_missing", message: "The start node 'message_zzzzzz' does not exist", path: "/start" },
  ],
  edge_source_missing: [{ code: "edge_source_missing", message: "Edge starts at a missing node 'ask_x1y2z3'", path: "/edges/0/source" }],
  edge_target_missing: [{ code: "edge_target_missing", message: "Edge leads to a missing node 'ask_x1y2z3'", path: "/edges/0/target" }],
  edge_port_unknown: [
    { code: "edge_port_unknown", message: "Node 'buttons_f4cc8v' has no port 'b_gone12' (ports: b_fefv2l)", path: "/edges/0/source_port", node_id: "buttons_f4cc8v" },
  ],
  port_multiple_edges: [
    { code: "port_multiple_edges", message: "Port 'b_fefv2l' of node 'buttons_f4cc8v' has more than one edge", path: "/edges/3/source_port", node_id: "buttons_f4cc8v" },
  ],
  optional_port_unconnected: [
    { code: "optional_port_unconnected", message: "Port 'next' of node 'message_a1b2c3' is not connected; the conversation ends there", path: "/nodes/1", node_id: "message_a1b2c3" },
  ],
  port_unconnected: [
    { code: "port_unconnected", message: "Port 'b_fefv2l' of node 'buttons_f4cc8v' is not connected", path: "/nodes/0", node_id: "buttons_f4cc8v" },
  ],
  jump_target_missing: [
    { code: "jump_target_missing", message: "There is no scenario 'faq' in this workspace", path: "/nodes/2/data/scenario", node_id: "end_zz99yy" },
    { code: "jump_target_missing", message: "Jump target node 'ask_x1y2z3' does not exist", path: "/nodes/2/data/node", node_id: "end_zz99yy" },
  ],
  unreachable_node: [{ code: "unreachable_node", message: "Node 'end_zz99yy' cannot be reached from the start", path: "/nodes/2", node_id: "end_zz99yy" }],
  infinite_loop: [
    { code: "infinite_loop", message: "Loop without a step that waits for the customer: message_a1b2c3, end_zz99yy", path: "/nodes/1", node_id: "message_a1b2c3" },
  ],
  variable_undeclared: [{ code: "variable_undeclared", message: "Variable 'topic' is not declared", path: "/nodes/1/data/text", node_id: "message_a1b2c3" }],
  template_invalid: [{ code: "template_invalid", message: "'{{a b}}' is not a valid variable reference", path: "/nodes/1/data/text", node_id: "message_a1b2c3" }],
  expression_invalid: [{ code: "expression_invalid", message: "Syntax error: invalid syntax", path: "/nodes/0/data/rules/0/expression", node_id: "buttons_f4cc8v" }],
  department_missing: [{ code: "department_missing", message: "There is no department 'vip' in this workspace", path: "/settings/operator_button/department" }],
  node_type_unknown: [{ code: "node_type_unknown", message: "unknown node type 'carousel'", path: "/nodes/4/type" }],
  template_not_approved: [
    { code: "template_not_approved", message: "Template 'order_update' (en) is not approved on any WhatsApp channel of this workspace; sync templates or pick an approved one.", path: "/nodes/5/data/template", node_id: "end_zz99yy" },
  ],
  template_unmapped: [{ code: "template_unmapped", message: "Placeholder {{1}} of template 'order_update' has no value.", path: "/nodes/5/data/variables/1", node_id: "end_zz99yy" }],
};
for (const [code, message, path] of [
  ["field_missing", "Field 'text' is required", "/nodes/1/data/text"],
  ["field_unknown", "Unknown field 'colour'", "/nodes/1/data/colour"],
  ["wrong_type", "Expected string, got integer", "/nodes/1/data/text"],
  ["invalid_value", "'PATCHY' is not one of 'GET', 'POST'", "/nodes/1/data/method"],
  ["invalid_format", "'x y' does not match the pattern ^[a-z]+$", "/nodes/0/data/buttons/0/id"],
  ["too_short", "Must be at least 1 characters long", "/nodes/0/data/buttons/0/label"],
  ["too_long", "Must be at most 64 characters long", "/nodes/0/data/buttons/0/label"],
  ["too_few", "Must have at least 1 items", "/nodes/0/data/buttons"],
  ["too_many", "Must have at most 10 items", "/nodes/0/data/buttons"],
  ["too_small", "Must be at least 1", "/nodes/3/data/seconds"],
  ["too_large", "Must be at most 2592000", "/nodes/3/data/seconds"],
  ["duplicate_item", "[1, 1] has non-unique elements", "/nodes/3/data/keywords"],
  ["invalid", "something odd", "/nodes/3/data/text"],
  ["url_scheme", "The URL must start with http:// or https://", "/nodes/1/data/media/url"],
]) SAMPLES[code] = [{ code, message, path, node_id: "buttons_f4cc8v" }];

const RAW_ID = /buttons_f4cc8v|b_fefv2l|message_a1b2c3|end_zz99yy|ask_x1y2z3|b_gone12|message_zzzzzz|e_q1w2e3/;
const RAW_KEY = /\b(finding|field|type|port)\.[a-z_.]+/;
const PLACEHOLDER = /(?<!\{)\{[a-z]+\}(?!\})/; // an unfilled {param} (a {{variable}} example is fine)

describe("finding texts", () => {
  it("has a sample for every code the editor knows", () => {
    expect(Object.keys(SAMPLES).sort()).toEqual([...FINDING_CODES].sort());
  });
  for (const lang of ["en", "ru"] as const) {
    const t = makeTranslator(editorDicts, lang);
    it(`${lang}: every code is a sentence with titles and labels, never ids or keys`, () => {
      for (const [code, samples] of Object.entries(SAMPLES)) {
        for (const f of samples) {
          const text = findingMessage(t, f, lookup);
          expect(text, `${code}: ${text}`).not.toMatch(RAW_ID);
          expect(text, `${code}: ${text}`).not.toMatch(RAW_KEY);
          expect(text, `${code}: ${text}`).not.toMatch(PLACEHOLDER);
          expect(text, code).not.toBe(t("finding.other"));
          if (lang === "ru") expect(text, `${code}: ${text}`).toMatch(/[а-яё]/i);
        }
      }
    });
    it(`${lang}: an unconnected button exit names the step and the button`, () => {
      const text = findingMessage(t, SAMPLES.port_unconnected[0], lookup);
      expect(text).toContain("Sales");
      expect(text).toContain("Choose a topic");
    });
  }
});
