// Expression problems in the user's language. The server (runtime/engine/expressions.py `diagnose`)
// sends a stable reason and its parameters in a finding's `params`; the words are chosen here, so a
// Russian user never reads the backend's English message.
import { dynamicKey, type T } from "./i18n";

export interface FindingLike {
  code: string;
  message: string;
  path?: string;
  params?: Record<string, unknown> | null;
}

const REASONS = new Set([
  "single_equals",
  "unclosed_quote",
  "unclosed_paren",
  "unmatched_paren",
  "use_word",
  "incomplete",
  "syntax",
  "unknown_function",
  "arguments",
  "not_allowed",
  "underscore_name",
  "empty",
  "too_long",
  "too_complex",
  "unknown_name",
]);

// Reasons where listing the variables in scope helps the most.
const LIST_VARIABLES = new Set(["single_equals", "syntax", "unknown_name", "incomplete"]);

/** Is this finding about an expression field (a condition rule or a computed assignment)? */
export function isExpressionFinding(f: FindingLike): boolean {
  return (
    (f.code === "expression_invalid" || (f.code === "variable_undeclared" && f.params?.reason === "unknown_name")) &&
    /\/expression$/.test(f.path ?? "")
  );
}

/** The finding for the expression at `fieldPath` (e.g. "/data/rules/0/expression"), first one wins. */
export function findingFor<F extends FindingLike>(findings: F[], fieldPath: string): F | undefined {
  return findings.find((f) => isExpressionFinding(f) && (f.path ?? "").endsWith(fieldPath));
}

/** "Column 7: use == to compare … Variables: topic, score." — translated from the reason and params. */
export function expressionMessage(t: T, f: FindingLike, variables: string[] = []): string {
  const p = f.params ?? {};
  const reason = typeof p.reason === "string" && REASONS.has(p.reason) ? p.reason : "invalid";
  const params: Record<string, string | number> = {};
  for (const [k, v] of Object.entries(p)) {
    if (typeof v === "string" || typeof v === "number") params[k] = v;
    else if (Array.isArray(v)) params[k] = v.join(", ");
  }
  let text = t(dynamicKey(`expr.${reason}`), params);
  if (typeof p.column === "number") text = t("expr.column", { n: p.column, text });
  else text = text.charAt(0).toUpperCase() + text.slice(1);
  if (LIST_VARIABLES.has(reason) && variables.length) {
    text += ` ${t("expr.known", { list: variables.slice(0, 12).join(", ") + (variables.length > 12 ? ", …" : "") })}`;
  }
  return text;
}
