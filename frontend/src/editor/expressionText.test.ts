import { describe, expect, it } from "vitest";
import type { T } from "./i18n";
import { expressionMessage, findingFor, isExpressionFinding } from "./expressionText";
import { dicts } from "./i18n";

function translator(lang: "en" | "ru"): T {
  return (key, params) => {
    const text = (dicts[lang] as Record<string, string>)[key];
    if (text === undefined) throw new Error(`missing key ${key}`);
    return text.replace(/\{(\w+)\}/g, (_, k) => String(params?.[k] ?? `{${k}}`));
  };
}

const singleEquals = {
  code: "expression_invalid",
  path: "/nodes/3/data/rules/0/expression",
  message: "Column 7: use '==' to compare ('=' alone is not allowed)",
  params: { reason: "single_equals", column: 7 },
};

describe("expression problems", () => {
  it("say what is expected and where, in English and in Russian, without the backend's English", () => {
    const en = expressionMessage(translator("en"), singleEquals, ["topic", "score"]);
    expect(en).toBe('Column 7: use == to compare (a single = is not allowed). Text goes in quotes: topic == "Sales". Variables: topic, score.');
    const ru = expressionMessage(translator("ru"), singleEquals, ["topic"]);
    expect(ru).toContain("Столбец 7: для сравнения пишите ==");
    expect(ru).toContain("Переменные: topic.");
    expect(ru).not.toContain(singleEquals.message);
  });

  it("names the unknown word and suggests quotes", () => {
    const f = {
      code: "variable_undeclared",
      path: "/nodes/3/data/rules/1/expression",
      message: "Variable 'Sales' is not declared",
      params: { reason: "unknown_name", name: "Sales", column: 10 },
    };
    expect(isExpressionFinding(f)).toBe(true);
    expect(expressionMessage(translator("en"), f, ["topic"])).toBe(
      'Column 10: Sales is not a variable. Put text in quotes ("Sales") or declare the variable. Variables: topic.',
    );
    expect(expressionMessage(translator("ru"), f)).toBe(
      'Столбец 10: Sales — не переменная. Возьмите текст в кавычки ("Sales") или объявите переменную.',
    );
  });

  it("translates every reason the engine reports, with list parameters joined", () => {
    const reasons = ["single_equals", "unclosed_quote", "unclosed_paren", "unmatched_paren", "use_word", "incomplete",
      "syntax", "unknown_function", "arguments", "not_allowed", "underscore_name", "empty", "too_long", "too_complex",
      "unknown_name", "something_new"];
    for (const lang of ["en", "ru"] as const) {
      for (const reason of reasons) {
        const text = expressionMessage(translator(lang), {
          code: "expression_invalid",
          message: "x",
          params: { reason, name: "lowr", functions: ["lower", "upper"], found: "&&", expected: "and", count: 1, what: "[1]", max: 1000 },
        });
        expect(text, `${lang} ${reason}`).not.toMatch(/\{\w+\}|expr\./);
      }
    }
    const fn = expressionMessage(translator("en"), { code: "expression_invalid", message: "", params: { reason: "unknown_function", name: "lowr", functions: ["lower", "upper"], column: 1 } });
    expect(fn).toBe("Column 1: there is no function lowr. Functions: lower, upper.");
  });

  it("finds the finding of one field only", () => {
    const other = { ...singleEquals, path: "/nodes/3/data/rules/1/expression" };
    const notExpr = { code: "variable_undeclared", message: "", path: "/nodes/3/data/variable", params: { reason: "unknown_name" } };
    expect(findingFor([notExpr, other, singleEquals], "/data/rules/0/expression")).toBe(singleEquals);
    expect(findingFor([notExpr], "/data/variable")).toBeUndefined();
  });
});
