// The inspector: one form per node type. Every edit is a patch of the node's `data`; typing into one
// field is one undo step (the coalesce key is node + field).
import { createContext, memo, useContext, useState } from "react";
import { dynamicKey, useI18n } from "./i18n";
import { expressionMessage, findingFor, isExpressionFinding, type FindingLike } from "./expressionText";
import { Field, ListField, TemplateField } from "./fields";
import { randomId } from "./model/ids";
import type { NodeData, NodeType } from "./model/types";
import { Icon } from "./icons";
import { useWhatsappUsed } from "./status";
import { TemplateForm } from "./TemplateForm";
import { TestRequestPanel } from "./TestRequest";

/** Declares a new scenario variable (the inspector's "+ New variable…" option). */
export const DeclareVariableContext = createContext<(name: string) => void>(() => {});

const VARIABLE_RE = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

export interface Department {
  slug: string;
  name: string;
}

interface Props {
  id: string;
  type: NodeType;
  data: NodeData;
  isStart: boolean;
  variables: string[];
  departments: Department[];
  nodeIds: string[];
  /** What people call each step (kind + text), for the jump target list. */
  nodeTitles?: Record<string, string>;
  /** Replace the node's data (always the whole object); `field` groups typing into one undo step. */
  onPatch: (id: string, data: NodeData, field: string) => void;
  onDelete: (id: string) => void;
  onSetStart: (id: string) => void;
  findings: (FindingLike & { severity: string })[];
}

const KINDS = ["text", "number", "email", "phone", "date", "choice"];
const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"];
const MEDIA = ["image", "video", "audio", "file"];

function omitEmpty(obj: NodeData, key: string, value: unknown): NodeData {
  const next = { ...obj };
  if (value === "" || value === null || value === undefined || (Array.isArray(value) && !value.length)) delete next[key];
  else next[key] = value;
  return next;
}

function InspectorImpl(props: Props) {
  const { id, type, data, variables, departments, nodeIds, onPatch, findings } = props;
  const { t } = useI18n();
  const whatsapp = useWhatsappUsed();
  // An expression's problem is shown under its own field, translated; the list on top has the rest.
  const exprError = (fieldPath: string, testId: string) => {
    const f = findingFor(findings, fieldPath);
    return f ? (
      <div className="bf-field-error" role="alert" data-testid={testId}>
        {expressionMessage(t, f, variables)}
      </div>
    ) : null;
  };
  const otherFindings = findings.filter((f) => !isExpressionFinding(f));
  const set = (field: string, value: unknown) => onPatch(id, { ...data, [field]: value }, field);
  const setOptional = (field: string, value: unknown) => onPatch(id, omitEmpty(data, field, value), field);
  const tpl = (field: string, label: string, multiline = true) => (
    <Field label={label}>
      <TemplateField
        value={data[field] ?? ""}
        onChange={(v) => set(field, v)}
        variables={variables}
        multiline={multiline}
        ariaLabel={label}
        testId={`field-${field}`}
      />
    </Field>
  );

  let form: React.ReactNode = null;
  switch (type) {
    case "message": {
      const media = data.media;
      form = (
        <>
          {tpl("text", t("f.text"))}
          <Field label={t("f.media_url")} hint={t("f.media_hint")}>
            <input
              type="url"
              value={media?.url ?? ""}
              placeholder="https://…"
              onChange={(e) =>
                setOptional("media", e.target.value ? { kind: media?.kind ?? "image", ...media, url: e.target.value } : null)
              }
            />
          </Field>
          {media?.url ? (
            <>
              <Field label={t("f.media_kind")}>
                <select value={media.kind} onChange={(e) => set("media", { ...media, kind: e.target.value })}>
                  {MEDIA.map((k) => (
                    <option key={k} value={k}>
                      {t(dynamicKey(`media.${k}`))}
                    </option>
                  ))}
                </select>
              </Field>
              <Field label={t("f.caption")}>
                <input
                  type="text"
                  value={media.caption ?? ""}
                  onChange={(e) => set("media", omitEmpty(media, "caption", e.target.value))}
                />
              </Field>
              <div className="bf-media-preview">
                {media.kind === "image" && !media.url.includes("{{") ? (
                  <img src={media.url} alt={media.caption ?? ""} />
                ) : media.kind === "video" && !media.url.includes("{{") ? (
                  <video src={media.url} controls />
                ) : media.kind === "audio" && !media.url.includes("{{") ? (
                  <audio src={media.url} controls />
                ) : (
                  <a href={media.url} target="_blank" rel="noreferrer">
                    {media.url}
                  </a>
                )}
              </div>
            </>
          ) : null}
        </>
      );
      break;
    }
    case "buttons": {
      const buttons: { id: string; label: string }[] = data.buttons ?? [];
      const setButtons = (b: typeof buttons) => onPatch(id, { ...data, buttons: b }, "buttons");
      form = (
        <>
          {tpl("text", t("f.text"))}
          <div className="bf-field">
            <span className="bf-field-label">{t("f.buttons")}</span>
            {buttons.map((b, i) => (
              <div className="bf-row" key={b.id}>
                <input
                  type="text"
                  value={b.label}
                  maxLength={64}
                  aria-label={t("f.button_label", { n: i + 1 })}
                  data-testid={`button-label-${i}`}
                  onChange={(e) => setButtons(buttons.map((x, j) => (j === i ? { ...x, label: e.target.value } : x)))}
                />
                <button
                  type="button"
                  className="bf-icon-btn"
                  title={t("f.move_up")}
                  disabled={i === 0}
                  onClick={() => {
                    const next = [...buttons];
                    [next[i - 1], next[i]] = [next[i], next[i - 1]];
                    setButtons(next);
                  }}
                >
                  ↑
                </button>
                <button
                  type="button"
                  className="bf-icon-btn"
                  title={t("common.delete")}
                  disabled={buttons.length <= 1}
                  onClick={() => setButtons(buttons.filter((_, j) => j !== i))}
                >
                  ✕
                </button>
              </div>
            ))}
            <button
              type="button"
              className="bf-btn bf-btn-small"
              disabled={buttons.length >= 10}
              onClick={() => setButtons([...buttons, { id: randomId("b"), label: t("f.new_button", { n: buttons.length + 1 }) }])}
            >
              + {t("f.add_button")}
            </button>
            <span className="bf-field-hint">{t("f.operator_button_hint")}</span>
          </div>
          <Field label={t("f.store_variable")}>
            <VariableSelect value={data.variable ?? ""} variables={variables} onChange={(v) => setOptional("variable", v)} allowEmpty />
          </Field>
        </>
      );
      break;
    }
    case "ask":
      form = (
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
      break;
    case "condition": {
      const rules: { id: string; label?: string; expression: string }[] = data.rules ?? [];
      const setRules = (r: typeof rules) => onPatch(id, { ...data, rules: r }, "rules");
      form = (
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
      break;
    }
    case "set_variable": {
      const list: { variable: string; value?: string; expression?: string }[] = data.assignments ?? [];
      const setList = (l: typeof list) => onPatch(id, { ...data, assignments: l }, "assignments");
      form = (
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
      break;
    }
    case "http_request": {
      const headers: { name: string; value: string }[] = data.headers ?? [];
      const mapping: { variable: string; path: string }[] = data.response_mapping ?? [];
      form = (
        <>
          <div className="bf-row">
            <Field label={t("f.method")}>
              <select value={data.method ?? "GET"} onChange={(e) => set("method", e.target.value)}>
                {METHODS.map((m) => (
                  <option key={m}>{m}</option>
                ))}
              </select>
            </Field>
            <Field label={t("f.timeout")}>
              <NumberInput value={data.timeout_seconds ?? 10} min={1} max={30} onChange={(v) => set("timeout_seconds", v ?? 10)} />
            </Field>
          </div>
          {tpl("url", "URL", false)}
          <div className="bf-field">
            <span className="bf-field-label">{t("f.headers")}</span>
            {headers.map((h, i) => (
              <div className="bf-row" key={i}>
                <input
                  type="text"
                  value={h.name}
                  placeholder="Authorization"
                  onChange={(e) =>
                    setOptional("headers", headers.map((x, j) => (j === i ? { ...x, name: e.target.value } : x)))
                  }
                />
                <input
                  type="text"
                  value={h.value}
                  onChange={(e) =>
                    setOptional("headers", headers.map((x, j) => (j === i ? { ...x, value: e.target.value } : x)))
                  }
                />
                <button
                  type="button"
                  className="bf-icon-btn"
                  title={t("common.delete")}
                  onClick={() => setOptional("headers", headers.filter((_, j) => j !== i))}
                >
                  ✕
                </button>
              </div>
            ))}
            <button
              type="button"
              className="bf-btn bf-btn-small"
              onClick={() => set("headers", [...headers, { name: "X-Header", value: "" }])}
            >
              + {t("f.add_header")}
            </button>
          </div>
          {data.method !== "GET" ? (
            <Field label={t("f.body")}>
              <TemplateField
                value={data.body ?? ""}
                onChange={(v) => setOptional("body", v)}
                variables={variables}
                multiline
                placeholder='{"email": "{{email}}"}'
              />
            </Field>
          ) : null}
          <div className="bf-field">
            <span className="bf-field-label">{t("f.response_mapping")}</span>
            {mapping.map((m, i) => (
              <div className="bf-row" key={i}>
                <input
                  type="text"
                  className="bf-mono"
                  value={m.path}
                  placeholder="$.order.status"
                  onChange={(e) =>
                    setOptional("response_mapping", mapping.map((x, j) => (j === i ? { ...x, path: e.target.value } : x)))
                  }
                />
                <VariableSelect
                  value={m.variable}
                  variables={variables}
                  onChange={(v) => setOptional("response_mapping", mapping.map((x, j) => (j === i ? { ...x, variable: v } : x)))}
                />
                <button
                  type="button"
                  className="bf-icon-btn"
                  title={t("common.delete")}
                  onClick={() => setOptional("response_mapping", mapping.filter((_, j) => j !== i))}
                >
                  ✕
                </button>
              </div>
            ))}
            <button
              type="button"
              className="bf-btn bf-btn-small"
              onClick={() => set("response_mapping", [...mapping, { path: "$.", variable: variables[0] ?? "answer" }])}
            >
              + {t("f.add_mapping")}
            </button>
          </div>
          <TestRequestPanel key={id} data={data} />
        </>
      );
      break;
    }
    case "wait":
      form = (
        <Field label={t("f.seconds")}>
          <NumberInput value={data.seconds ?? 60} min={1} max={2592000} onChange={(v) => set("seconds", v ?? 1)} />
        </Field>
      );
      break;
    case "jump":
      form = (
        <>
          <Field label={t("f.jump_node")}>
            <select value={data.node ?? ""} onChange={(e) => setOptional("node", e.target.value)}>
              <option value="">—</option>
              {nodeIds.map((n) => (
                <option key={n} value={n}>
                  {props.nodeTitles?.[n] ?? n}
                </option>
              ))}
            </select>
          </Field>
          <Field label={t("f.jump_scenario")} hint={t("f.jump_scenario_hint")}>
            <input type="text" value={data.scenario ?? ""} onChange={(e) => setOptional("scenario", e.target.value)} />
          </Field>
        </>
      );
      break;
    case "handoff":
      form = (
        <>
          <Field label={t("f.department")}>
            <select
              value={data.department ?? ""}
              data-testid="department-select"
              onChange={(e) => set("department", e.target.value || null)}
            >
              <option value="">{t("node.default_department")}</option>
              {departments.map((d) => (
                <option key={d.slug} value={d.slug}>
                  {d.name}
                </option>
              ))}
              {data.department && !departments.some((d) => d.slug === data.department) ? (
                <option value={data.department}>{data.department}</option>
              ) : null}
            </select>
          </Field>
          {tpl("message", t("f.handoff_message"))}
          {tpl("note", t("f.handoff_note"))}
        </>
      );
      break;
    case "rating":
      form = (
        <>
          {tpl("prompt", t("f.question"))}
          <label className="bf-check">
            <input type="checkbox" checked={!!data.ask_comment} onChange={(e) => set("ask_comment", e.target.checked)} />
            {t("f.ask_comment")}
          </label>
          {data.ask_comment ? tpl("comment_prompt", t("f.comment_prompt")) : null}
          {tpl("thanks_text", t("f.thanks_text"))}
        </>
      );
      break;
    case "template":
      form = <TemplateForm data={data} variables={variables} onChange={(next, field) => onPatch(id, next, field)} />;
      break;
    case "tag":
      form = (
        <>
          <Field label={t("f.tags_add")}>
            <ListField value={data.add ?? []} onChange={(v) => setOptional("add", v)} />
          </Field>
          <Field label={t("f.tags_remove")}>
            <ListField value={data.remove ?? []} onChange={(v) => setOptional("remove", v)} />
          </Field>
          <Field label={t("f.consent")}>
            <select value={data.consent ?? ""} onChange={(e) => setOptional("consent", e.target.value)}>
              <option value="">—</option>
              <option value="subscribe">{t("consent.subscribe")}</option>
              <option value="unsubscribe">{t("consent.unsubscribe")}</option>
            </select>
          </Field>
        </>
      );
      break;
    case "end":
      form = tpl("text", t("f.end_text"));
      break;
  }

  return (
    <div className="bf-inspector" data-testid="inspector">
      <div className="bf-panel-head">
        <span className={`bf-node-icon bf-node-icon--${type}`}><Icon name={type} /></span> {t(`type.${type}`)}
        {/* The step's internal id stays off screen: people know steps by their kind and text. */}
      </div>
      {otherFindings.length ? (
        <ul className="bf-inline-findings">
          {otherFindings.map((f, i) => (
            <li key={i} className={`is-${f.severity}`}>
              {f.message}
            </li>
          ))}
        </ul>
      ) : null}
      <div className="bf-form">
        {form}
        {type === "message" || type === "buttons" ? (
          <p className="bf-field-hint" data-testid="outside-window-hint">
            {t(whatsapp ? "f.outside_window_on" : "f.outside_window_hint")}
          </p>
        ) : null}
        <label className="bf-check" title={t("f.entry_hint")}>
          <input
            type="checkbox"
            checked={data.entry === true}
            data-testid="entry-flag"
            onChange={(e) => setOptional("entry", e.target.checked ? true : null)}
          />
          {t("f.entry")}
        </label>
        <span className="bf-field-hint">{t("f.entry_hint")}</span>
      </div>
      <div className="bf-panel-foot">
        <button type="button" className="bf-btn" disabled={props.isStart} onClick={() => props.onSetStart(id)}>
          {props.isStart ? t("node.is_start") : t("node.set_start")}
        </button>
        <button type="button" className="bf-btn bf-btn-danger" onClick={() => props.onDelete(id)}>
          {t("common.delete")}
        </button>
      </div>
    </div>
  );
}

export const Inspector = memo(InspectorImpl);

function NumberInput({
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

function VariableSelect({
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
