// The data a freshly dropped node starts with: valid for the schema, so the only findings are about
// missing connections, which is what a marketer expects to fix next.
import { randomId } from "./ids";
import type { T } from "../i18n";
import type { NodeData, NodeType } from "./types";

export function defaultData(type: NodeType, t: T = (k) => k): NodeData {
  switch (type) {
    case "message":
      return { text: t("default.message") };
    case "buttons":
      return {
        text: t("default.buttons"),
        buttons: [
          { id: randomId("b"), label: t("default.button1") },
          { id: randomId("b"), label: t("default.button2") },
        ],
      };
    case "ask":
      return { prompt: t("default.ask"), variable: "answer", kind: "text", retries: 2 };
    case "condition":
      return { rules: [{ id: randomId("r"), label: "", expression: "business_hours" }] };
    case "set_variable":
      return { assignments: [{ variable: "answer", value: "" }] };
    case "http_request":
      return { method: "GET", url: "https://", timeout_seconds: 10 };
    case "wait":
      return { seconds: 60 };
    case "jump":
      return { node: "" };
    case "handoff":
      return { department: null, message: t("default.handoff") };
    case "rating":
      return { prompt: t("default.rating"), ask_comment: false };
    case "template":
      // Meta's sample template, approved on every new WhatsApp Business account.
      return { template: "hello_world", language: "en_US", variables: {} };
    case "tag":
      return { add: [] };
    case "end":
      return { text: "" };
  }
}
