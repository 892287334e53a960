// Scenario-wide settings shown when no node is selected: start node, the "call operator" button,
// fallback text, language, time zone and declared variables.
import { memo } from "react";
import { useI18n } from "./i18n";
import { Field, ListField, NodeSelect } from "./fields";
import { Icon } from "./icons";
import type { DocMeta } from "./model/convert";
import type { Variable } from "./model/types";
import type { Department } from "./Inspector";

interface Props {
  meta: DocMeta;
  nodeIds: string[];
  /** What people call each step (kind + text): the start list shows these, never internal ids. */
  nodeTitles?: Record<string, string>;
  departments: Department[];
  onChange: (patch: Partial<DocMeta>, field: string) => void;
}

const TYPES: Variable["type"][] = ["string", "number", "boolean", "json"];

const CONTACT_FIELDS = ["name", "email", "phone"] as const;

function ScenarioSettingsImpl({ meta, nodeIds, nodeTitles, departments, onChange }: Props) {
  const { t } = useI18n();
  const settings = meta.settings ?? {};
  const op = settings.operator_button ?? {};
  const variables = meta.variables ?? [];
  const setSettings = (patch: Record<string, unknown>, field: string) => {
    const next: Record<string, unknown> = { ...settings, ...patch };
    for (const [k, v] of Object.entries(patch)) if (v === "" || v === undefined) delete next[k];
    onChange({ settings: next }, `settings.${field}`);
  };
  const setOp = (patch: Record<string, unknown>, field: string) => {
    const next: Record<string, unknown> = { ...op, ...patch };
    for (const [k, v] of Object.entries(patch)) if (v === "" || v === undefined) delete next[k];
    setSettings({ operator_button: next }, `op.${field}`);
  };
  const setVars = (v: Variable[], field: string) => onChange({ variables: v }, `variables.${field}`);
  // Which variables name the person on the contact (settings.contact_fields; default: the variable named
  // like the field). "" turns a field off; the default is stored as no entry at all.
  const contact: Record<string, string> = settings.contact_fields ?? {};
  const setContact = (field: string, value: string) => {
    const next: Record<string, string> = { ...contact };
    if (value === field) delete next[field];
    else next[field] = value;
    setSettings({ contact_fields: Object.keys(next).length ? next : undefined }, `contact.${field}`);
  };

  return (
    <div className="bf-inspector" data-testid="scenario-settings">
      <div className="bf-panel-head"><Icon name="settings" /> {t("s.title")}</div>
      <div className="bf-form">
        <Field label={t("s.start")}>
          <NodeSelect value={meta.start ?? ""} nodeIds={nodeIds} nodeTitles={nodeTitles} onChange={(id) => onChange({ start: id }, "start")} />
        </Field>
        <fieldset className="bf-fieldset">
          <legend>{t("s.operator_button")}</legend>
          <label className="bf-check">
            <input
              type="checkbox"
              checked={op.enabled !== false}
              onChange={(e) => setOp({ enabled: e.target.checked }, "enabled")}
            />
            {t("s.operator_enabled")}
          </label>
          <Field label={t("s.operator_label")}>
            <input
              type="text"
              value={op.label ?? ""}
              maxLength={64}
              placeholder={t("s.operator_label_placeholder")}
              onChange={(e) => setOp({ label: e.target.value }, "label")}
            />
          </Field>
          <Field label={t("s.keywords")} hint={t("s.keywords_hint")}>
            <ListField value={op.keywords ?? []} onChange={(v) => setOp({ keywords: v.length ? v : undefined }, "keywords")} />
          </Field>
          <Field label={t("s.department")}>
            <select value={op.department ?? ""} onChange={(e) => setOp({ department: e.target.value || undefined }, "department")}>
              <option value="">—</option>
              {departments.map((d) => (
                <option key={d.slug} value={d.slug}>
                  {d.name}
                </option>
              ))}
            </select>
          </Field>
        </fieldset>
        <fieldset className="bf-fieldset" data-testid="contact-fields">
          <legend>{t("s.contact_fields")}</legend>
          <p className="bf-muted">{t("s.contact_fields_hint")}</p>
          {CONTACT_FIELDS.map((field) => {
            const value = field in contact ? contact[field] : field;
            const names = variables.map((v) => v.name).filter((n) => n && n !== field);
            return (
              <Field key={field} label={t(`s.contact_${field}`)}>
                <select value={value} onChange={(e) => setContact(field, e.target.value)}>
                  <option value={field}>{t("s.contact_default", { name: field })}</option>
                  {names.map((n) => (
                    <option key={n} value={n}>
                      {n}
                    </option>
                  ))}
                  <option value="">{t("s.contact_off")}</option>
                </select>
              </Field>
            );
          })}
        </fieldset>
        <Field label={t("s.fallback")} hint={t("s.fallback_hint")}>
          <textarea
            rows={2}
            value={settings.fallback_text ?? ""}
            onChange={(e) => setSettings({ fallback_text: e.target.value }, "fallback")}
          />
        </Field>
        <div className="bf-row">
          <Field label={t("s.language")}>
            <input
              type="text"
              value={settings.language ?? ""}
              placeholder="en"
              onChange={(e) => setSettings({ language: e.target.value }, "language")}
            />
          </Field>
          <Field label={t("s.timezone")}>
            <input
              type="text"
              value={settings.timezone ?? ""}
              placeholder="Europe/Moscow"
              onChange={(e) => setSettings({ timezone: e.target.value }, "timezone")}
            />
          </Field>
        </div>
        <div className="bf-field">
          <span className="bf-field-label">{t("s.variables")}</span>
          {variables.map((v, i) => (
            <div className="bf-row" key={i}>
              <input
                type="text"
                className="bf-mono"
                value={v.name}
                aria-label={t("s.variable_name")}
                onChange={(e) => setVars(variables.map((x, j) => (j === i ? { ...x, name: e.target.value } : x)), `${i}.name`)}
              />
              <select
                value={v.type}
                aria-label={t("s.variable_type")}
                onChange={(e) =>
                  setVars(variables.map((x, j) => (j === i ? { ...x, type: e.target.value as Variable["type"] } : x)), `${i}.type`)
                }
              >
                {TYPES.map((ty) => (
                  <option key={ty}>{ty}</option>
                ))}
              </select>
              <button
                type="button"
                className="bf-icon-btn"
                title={t("common.delete")}
                onClick={() => setVars(variables.filter((_, j) => j !== i), "remove")}
              >
                ✕
              </button>
            </div>
          ))}
          <button
            type="button"
            className="bf-btn bf-btn-small"
            onClick={() => {
              const taken = new Set(variables.map((v) => v.name));
              let n = variables.length + 1;
              while (taken.has(`var${n}`)) n++;
              setVars([...variables, { name: `var${n}`, type: "string" }], "add");
            }}
          >
            + {t("s.add_variable")}
          </button>
        </div>
      </div>
    </div>
  );
}

export const ScenarioSettings = memo(ScenarioSettingsImpl);
