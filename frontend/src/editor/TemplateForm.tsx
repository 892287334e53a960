// Inspector form of the `template` node: pick one of the workspace's WhatsApp templates (or type a name
// when there is no list), its language, and one templated value per numbered placeholder of its body.
import { useEffect, useState } from "react";
import { wsUrl } from "../shared/api";
import { readBootstrap } from "../shared/bootstrap";
import { useI18n } from "./i18n";
import { loadWhatsAppTemplates, placeholderNumbers, variablesFor, type WaTemplate } from "./channels";
import { Field, TemplateField } from "./fields";
import type { NodeData } from "./model/types";

// One fetch per page load is enough: templates change in the provider's dashboard, not while editing.
let cache: Promise<WaTemplate[]> | null = null;

function useTemplates(): WaTemplate[] | null {
  const [list, setList] = useState<WaTemplate[] | null>(null);
  useEffect(() => {
    let alive = true;
    if (!cache) cache = loadWhatsAppTemplates(wsUrl(readBootstrap().workspace)).catch(() => []);
    cache.then((l) => alive && setList(l));
    return () => {
      alive = false;
    };
  }, []);
  return list;
}

export function TemplateForm({
  data,
  variables,
  onChange,
}: {
  data: NodeData;
  variables: string[];
  onChange: (data: NodeData, field: string) => void;
}) {
  const { t } = useI18n();
  const templates = useTemplates();
  const name: string = data.template ?? "";
  const language: string = data.language ?? "";
  const current = templates?.find((x) => x.name === name && x.language === language) ?? templates?.find((x) => x.name === name);
  const values: Record<string, string> = data.variables ?? {};
  // The chosen template's placeholders; without one, whatever numbers the node already fills.
  const numbers = current ? (current.placeholders?.length ? current.placeholders : placeholderNumbers(current.body)) : Object.keys(values);

  const choose = (key: string) => {
    const tpl = templates?.find((x) => `${x.name}|${x.language}` === key);
    if (!tpl) return;
    const nums = tpl.placeholders?.length ? tpl.placeholders : placeholderNumbers(tpl.body);
    onChange({ ...data, template: tpl.name, language: tpl.language, variables: variablesFor(nums, values) }, "template");
  };

  return (
    <>
      {templates && templates.length ? (
        <Field label={t("f.template")}>
          <select
            data-testid="template-select"
            value={current ? `${current.name}|${current.language}` : ""}
            onChange={(e) => choose(e.target.value)}
          >
            {current ? null : <option value="">{name ? `${name} (${t("f.template_unknown")})` : "—"}</option>}
            {templates.map((x) => (
              <option key={`${x.name}|${x.language}`} value={`${x.name}|${x.language}`}>
                {x.name} · {x.language}
                {x.status !== "approved" ? ` (${x.status})` : ""}
              </option>
            ))}
          </select>
        </Field>
      ) : null}
      <Field label={t("f.template_name")} hint={templates && !templates.length ? t("f.template_none") : undefined}>
        <input
          type="text"
          className="bf-mono"
          value={name}
          data-testid="field-template"
          placeholder="order_update"
          onChange={(e) => onChange({ ...data, template: e.target.value }, "template")}
        />
      </Field>
      <Field label={t("f.template_language")}>
        <input
          type="text"
          value={language}
          data-testid="field-language"
          placeholder="en_US"
          onChange={(e) => onChange({ ...data, language: e.target.value }, "language")}
        />
      </Field>
      {current ? <div className="bf-field-hint bf-template-body">{current.body}</div> : null}
      {numbers.map((n) => (
        <Field key={n} label={t("f.template_placeholder", { n })}>
          <TemplateField
            value={values[n] ?? ""}
            variables={variables}
            ariaLabel={t("f.template_placeholder", { n })}
            testId={`template-var-${n}`}
            onChange={(v) => onChange({ ...data, variables: { ...values, [n]: v } }, `variables.${n}`)}
          />
        </Field>
      ))}
      {!current ? (
        <button
          type="button"
          className="bf-btn bf-btn-small"
          disabled={numbers.length >= 20}
          onClick={() => onChange({ ...data, variables: { ...values, [String(Math.max(0, ...numbers.map(Number)) + 1)]: "" } }, "variables")}
        >
          + {t("f.template_add_placeholder")}
        </button>
      ) : null}
    </>
  );
}
