// Inspector form for the set_variable step. Assignments: a template value or an expression per variable.
import { useFormKit, type FormProps } from "./kit";
import { VariableSelect } from "./controls";
import { TemplateField } from "../fields";
import { findingFor } from "../expressionText";

export function SetVariableForm(props: FormProps) {
  const { id, data, variables, findings, onPatch } = props;
  const { t, exprError } = useFormKit(props);
  const list: { variable: string; value?: string; expression?: string }[] = data.assignments ?? [];
  const setList = (l: typeof list) => onPatch(id, { ...data, assignments: l }, "assignments");
  return (
    <div className="bf-field">
      <span className="bf-field-label">{t("f.assignments")}</span>
      {list.map((a, i) => {
        const mode = a.expression !== undefined ? "expression" : "value";
        return (
          <div className="bf-card" key={i}>
            <div className="bf-row">
              <VariableSelect
                value={a.variable}
                variables={variables}
                onChange={(v) => setList(list.map((x, j) => (j === i ? { ...x, variable: v } : x)))}
              />
              <select
                value={mode}
                aria-label={t("f.assign_mode")}
                onChange={(e) =>
                  setList(
                    list.map((x, j) =>
                      j === i
                        ? e.target.value === "expression"
                          ? { variable: x.variable, expression: x.value || "0" }
                          : { variable: x.variable, value: x.expression ?? "" }
                        : x,
                    ),
                  )
                }
              >
                <option value="value">{t("f.mode_value")}</option>
                <option value="expression">{t("f.mode_expression")}</option>
              </select>
              <button
                type="button"
                className="bf-icon-btn"
                disabled={list.length <= 1}
                title={t("common.delete")}
                onClick={() => setList(list.filter((_, j) => j !== i))}
              >
                ✕
              </button>
            </div>
            {mode === "value" ? (
              <TemplateField
                value={a.value ?? ""}
                variables={variables}
                onChange={(v) => setList(list.map((x, j) => (j === i ? { variable: x.variable, value: v } : x)))}
              />
            ) : (
              <>
                <input
                  type="text"
                  className="bf-mono"
                  value={a.expression ?? ""}
                  aria-label={t("f.expression")}
                  aria-invalid={findingFor(findings, `/data/assignments/${i}/expression`) ? true : undefined}
                  onChange={(e) =>
                    setList(list.map((x, j) => (j === i ? { variable: x.variable, expression: e.target.value } : x)))
                  }
                />
                {exprError(`/data/assignments/${i}/expression`, `assignment-error-${i}`)}
              </>
            )}
          </div>
        );
      })}
      <button
        type="button"
        className="bf-btn bf-btn-small"
        disabled={list.length >= 20}
        onClick={() => setList([...list, { variable: variables[0] ?? "answer", value: "" }])}
      >
        + {t("f.add_assignment")}
      </button>
    </div>
  );
}
