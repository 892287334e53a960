// Inspector form for the http_request step. An HTTP call: method, URL, headers, body, response mapping and a test request.
import { useFormKit, type FormProps } from "./kit";
import { NumberInput, VariableSelect } from "./controls";
import { Field, TemplateField } from "../fields";
import { TestRequestPanel } from "../TestRequest";

const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"];

export function HttpRequestForm(props: FormProps) {
  const { id, data, variables } = props;
  const { t, set, setOptional, tpl } = useFormKit(props);
  const headers: { name: string; value: string }[] = data.headers ?? [];
  const mapping: { variable: string; path: string }[] = data.response_mapping ?? [];
  return (
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
}
