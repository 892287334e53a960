// Inputs the inspector forms share: a number field, the variable picker with its inline "+ New variable…"
// field, and the rule for optional data fields (an empty value removes the key instead of storing "").
import { createContext, useContext, useState } from "react";
import { useI18n } from "../i18n";
import type { NodeData } from "../model/types";

/** Declares a new scenario variable (the inspector's "+ New variable…" option). */
export const DeclareVariableContext = createContext<(name: string) => void>(() => {});

const VARIABLE_RE = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

export function omitEmpty(obj: NodeData, key: string, value: unknown): NodeData {
  const next = { ...obj };
  if (value === "" || value === null || value === undefined || (Array.isArray(value) && !value.length)) delete next[key];
  else next[key] = value;
  return next;
}

export function NumberInput({
  value,
  onChange,
  min,
  max,
}: {
  value: number | undefined;
  onChange: (v: number | undefined) => void;
  min?: number;
  max?: number;
}) {
  return (
    <input
      type="number"
      value={value ?? ""}
      min={min}
      max={max}
      onChange={(e) => onChange(e.target.value === "" ? undefined : Number(e.target.value))}
    />
  );
}

export function VariableSelect({
  value,
  variables,
  onChange,
  allowEmpty = false,
}: {
  value: string;
  variables: string[];
  onChange: (v: string) => void;
  allowEmpty?: boolean;
}) {
  const { t } = useI18n();
  const declare = useContext(DeclareVariableContext);
  const [adding, setAdding] = useState(false);
  const list = value && !variables.includes(value) ? [value, ...variables] : variables;
  if (adding) {
    return (
      <NewVariableField
        onAdd={(name) => {
          setAdding(false);
          declare(name);
          onChange(name);
        }}
        onCancel={() => setAdding(false)}
      />
    );
  }
  return (
    <select
      value={value}
      aria-label={t("f.variable")}
      onChange={(e) => {
        if (e.target.value === "__new__") setAdding(true);
        else onChange(e.target.value);
      }}
    >
      {allowEmpty || !value ? <option value="">—</option> : null}
      {list.map((v) => (
        <option key={v} value={v}>
          {v}
        </option>
      ))}
      <option value="__new__">+ {t("f.new_variable")}</option>
    </select>
  );
}

/** The inline "+ New variable…" field: a validated name, Enter adds, Esc cancels (no browser prompt). */
function NewVariableField({ onAdd, onCancel }: { onAdd: (name: string) => void; onCancel: () => void }) {
  const { t } = useI18n();
  const [name, setName] = useState("");
  const [error, setError] = useState(false);
  const submit = () => {
    const trimmed = name.trim();
    if (!VARIABLE_RE.test(trimmed)) return setError(true);
    onAdd(trimmed);
  };
  return (
    <div className="bf-new-variable" data-testid="new-variable">
      <div className="bf-row">
        <input
          type="text"
          className="bf-mono"
          value={name}
          autoFocus
          placeholder={t("f.new_variable_placeholder")}
          aria-label={t("f.new_variable_prompt")}
          aria-invalid={error || undefined}
          data-testid="new-variable-name"
          onChange={(e) => {
            setName(e.target.value);
            setError(e.target.value !== "" && !VARIABLE_RE.test(e.target.value.trim()));
          }}
          onKeyDown={(e) => {
            if (e.key === "Enter") {
              e.preventDefault();
              submit();
            } else if (e.key === "Escape") {
              e.preventDefault();
              e.stopPropagation();
              onCancel();
            }
          }}
        />
        <button type="button" className="bf-icon-btn" title={t("f.new_variable_add")} aria-label={t("f.new_variable_add")} onClick={submit}>
          ✓
        </button>
        <button type="button" className="bf-icon-btn" title={t("common.cancel")} aria-label={t("common.cancel")} onClick={onCancel}>
          ✕
        </button>
      </div>
      <span className={error ? "bf-field-error" : "bf-field-hint"} data-testid="new-variable-message">
        {error ? t("f.new_variable_invalid") : t("f.new_variable_hint")}
      </span>
    </div>
  );
}
