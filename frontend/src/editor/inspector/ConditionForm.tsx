// Inspector form for the condition step. Branching rules: one exit per rule's expression, plus else.
import { useFormKit, type FormProps } from "./kit";
import { omitEmpty } from "./controls";
import { randomId } from "../model/ids";
import { findingFor } from "../expressionText";

export function ConditionForm(props: FormProps) {
  const { id, data, findings, onPatch } = props;
  const { t, exprError } = useFormKit(props);
  const rules: { id: string; label?: string; expression: string }[] = data.rules ?? [];
  const setRules = (r: typeof rules) => onPatch(id, { ...data, rules: r }, "rules");
  return (
    <div className="bf-field">
      <span className="bf-field-label">{t("f.rules")}</span>
      <span className="bf-field-hint">{t("f.rules_hint")}</span>
      {rules.map((r, i) => (
        <div className="bf-card" key={r.id}>
          <div className="bf-row">
            <input
              type="text"
              value={r.label ?? ""}
              placeholder={t("f.rule_label")}
              aria-label={t("f.rule_label")}
              onChange={(e) =>
                setRules(rules.map((x, j) => (j === i ? (omitEmpty(x, "label", e.target.value) as typeof r) : x)))
              }
            />
            <button
              type="button"
              className="bf-icon-btn"
              disabled={rules.length <= 1}
              title={t("common.delete")}
              onClick={() => setRules(rules.filter((_, j) => j !== i))}
            >
              ✕
            </button>
          </div>
          <input
            type="text"
            className="bf-mono"
            value={r.expression}
            placeholder='score >= 3 and channel == "telegram"'
            aria-label={t("f.expression")}
            aria-invalid={findingFor(findings, `/data/rules/${i}/expression`) ? true : undefined}
            data-testid={`rule-expression-${i}`}
            onChange={(e) => setRules(rules.map((x, j) => (j === i ? { ...x, expression: e.target.value } : x)))}
          />
          {exprError(`/data/rules/${i}/expression`, `rule-error-${i}`)}
        </div>
      ))}
      <button
        type="button"
        className="bf-btn bf-btn-small"
        disabled={rules.length >= 20}
        onClick={() => setRules([...rules, { id: randomId("r"), expression: "true" }])}
      >
        + {t("f.add_rule")}
      </button>
      <span className="bf-field-hint">{t("f.else_hint")}</span>
    </div>
  );
}
