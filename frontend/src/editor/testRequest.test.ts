import { describe, expect, it } from "vitest";
import { prettyJson, requestVariableNames, templateNames, testRequestPayload } from "./testRequest";

describe("test request variables", () => {
  it("reads placeholder names like the engine does", () => {
    expect(templateNames("{{a}} {{ b }} {{c|none}} {{order.items.0.sku}} \\{{not_me}} {{a}} {{ 1bad }}")).toEqual([
      "a",
      "b",
      "c",
      "order",
    ]);
    expect(templateNames("plain text")).toEqual([]);
  });

  it("collects the names from the URL, header values and body, each once", () => {
    const data = {
      method: "POST",
      url: "https://shop.test/orders/{{order_number}}?lang={{lang}}",
      headers: [
        { name: "Authorization", value: "Bearer {{token}}" },
        { name: "X-{{ignored}}", value: "{{lang}}" },
      ],
      body: '{"email": "{{email}}", "n": "{{order_number}}"}',
    };
    expect(requestVariableNames(data)).toEqual(["order_number", "lang", "token", "email"]);
    expect(requestVariableNames({ url: "https://x.test/" })).toEqual([]);
  });

  it("sends a value for every variable the node reads, and only those", () => {
    const data = { method: "GET", url: "https://x.test/{{id}}" };
    expect(testRequestPayload(data, { id: "7", stale: "x" })).toEqual({ node: data, variables: { id: "7" } });
    expect(testRequestPayload(data, {})).toEqual({ node: data, variables: { id: "" } });
  });

  it("pretty-prints a JSON body and shows nothing for none", () => {
    expect(prettyJson({ a: [1] })).toBe('{\n  "a": [\n    1\n  ]\n}');
    expect(prettyJson(null)).toBe("");
    expect(prettyJson(0)).toBe("0");
  });
});
