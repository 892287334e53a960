// Inspector form for the ask step. A question whose answer is validated (kind, limits, choices, retries, timeout) and saved to a variable.
import { dynamicKey } from "../i18n";
import { useFormKit, type FormProps } from "./kit";
import { NumberInput, VariableSelect } from "./controls";
import { Field, ListField, TemplateField } from "../fields";
import type { NodeData } from "../model/types";

const KINDS = ["text", "number", "email", "phone", "date", "choice"];

export function AskForm(props: FormProps) {
  const { id, data, variables, onPatch } = props;
  const { t, set, setOptional, tpl } = useFormKit(props);
  return (
    <>
      {tpl("prompt", t("f.question"))}
      <Field label={t("f.save_to")}>
        <VariableSelect value={data.variable ?? ""} variables={variables} onChange={(v) => set("variable", v)} />
      </Field>
      <Field label={t("f.validation")}>
        <select
          value={data.kind ?? "text"}
          onChange={(e) => {
            const next: NodeData = { ...data, kind: e.target.value };
            if (e.target.value === "choice" && !next.choices) next.choices = [t("f.choice1")];
            if (e.target.value !== "choice") delete next.choices;
            onPatch(id, next, "kind");
          }}
        >
          {KINDS.map((k) => (
            <option key={k} value={k}>
              {t(dynamicKey(`kind.${k}`))}
            </option>
          ))}
        </select>
      </Field>
      {data.kind === "choice" ? (
        <Field label={t("f.choices")}>
          <ListField value={data.choices ?? []} onChange={(v) => set("choices", v)} />
        </Field>
      ) : null}
      {data.kind === "number" || data.kind === "text" ? (
        <div className="bf-row">
          <Field label={data.kind === "number" ? t("f.min_value") : t("f.min_length")}>
            <NumberInput value={data.min} onChange={(v) => setOptional("min", v)} />
          </Field>
          <Field label={data.kind === "number" ? t("f.max_value") : t("f.max_length")}>
            <NumberInput value={data.max} onChange={(v) => setOptional("max", v)} />
          </Field>
        </div>
      ) : null}
      <Field label={t("f.validation_message")}>
        <TemplateField
          value={data.validation_message ?? ""}
          onChange={(v) => setOptional("validation_message", v)}
          variables={variables}
        />
      </Field>
      <div className="bf-row">
        <Field label={t("f.retries")}>
          <NumberInput value={data.retries ?? 2} min={0} max={10} onChange={(v) => set("retries", v ?? 0)} />
        </Field>
        <Field label={t("f.timeout")}>
          <NumberInput
            value={data.timeout_seconds ?? undefined}
            min={1}
            onChange={(v) => setOptional("timeout_seconds", v)}
          />
        </Field>
      </div>
    </>
  );
}
