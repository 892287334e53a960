// The http_request inspector's "Test request" panel: fill in the variables the node's templates read, send the
// node's current (unsaved) data once through the server, and show what came back and what would be saved.
// Response text is rendered as React text children (textContent), never as HTML.
import { useState } from "react";
import { api, ApiError, wsUrl } from "../shared/api";
import { readBootstrap } from "../shared/bootstrap";
import { useI18n } from "./i18n";
import { Field } from "./fields";
import type { NodeData } from "./model/types";
import { prettyJson, requestVariableNames, testRequestPayload, type TestRequestResult } from "./testRequest";

export function TestRequestPanel({ data }: { data: NodeData }) {
  const { t } = useI18n();
  const [open, setOpen] = useState(false);
  const [values, setValues] = useState<Record<string, string>>({});
  const [sending, setSending] = useState(false);
  const [result, setResult] = useState<TestRequestResult | null>(null);
  const [failure, setFailure] = useState("");
  const names = requestVariableNames(data);

  if (!open) {
    return (
      <button type="button" className="bf-btn bf-btn-small" data-testid="test-request-open" onClick={() => setOpen(true)}>
        {t("test_request.open")}
      </button>
    );
  }

  const send = async () => {
    setSending(true);
    setFailure("");
    setResult(null);
    try {
      const boot = readBootstrap();
      const url = wsUrl(boot.workspace, `scenarios/${boot.scenario_id}/test-request/`);
      setResult(await api.post<TestRequestResult>(url, testRequestPayload(data, values)));
    } catch (e) {
      setFailure(e instanceof ApiError ? e.message : String((e as Error)?.message ?? e));
    } finally {
      setSending(false);
    }
  };

  return (
    <section className="bf-test-request" data-testid="test-request" aria-label={t("test_request.title")}>
      <div className="bf-row">
        <span className="bf-field-label">{t("test_request.title")}</span>
        <button type="button" className="bf-icon-btn" title={t("test_request.close")} onClick={() => setOpen(false)}>
          ✕
        </button>
      </div>
      {names.length ? null : <span className="bf-field-hint">{t("test_request.no_variables")}</span>}
      {names.map((name) => (
        <Field key={name} label={name}>
          <input
            type="text"
            value={values[name] ?? ""}
            data-testid={`test-request-var-${name}`}
            onChange={(e) => setValues({ ...values, [name]: e.target.value })}
          />
        </Field>
      ))}
      <button type="button" className="bf-btn bf-btn-primary bf-btn-small" disabled={sending} data-testid="test-request-send" onClick={send}>
        {sending ? t("test_request.sending") : t("test_request.send")}
      </button>
      {failure ? <div className="bf-alert bf-alert-error" role="alert">{failure}</div> : null}
      {result ? (
        <div data-testid="test-request-result">
          <div className="bf-mono" data-testid="test-request-status">
            {result.request.method} {result.request.url} → {result.status ?? "—"}{" "}
            {result.port === "ok" ? t("test_request.port_ok") : t("test_request.port_error")}
          </div>
          {result.error ? (
            <div className="bf-alert bf-alert-error" data-testid="test-request-error">
              {t("test_request.error")}: {result.error}
            </div>
          ) : null}
          <span className="bf-field-label">{t("test_request.response")}</span>
          <pre data-testid="test-request-body">{prettyJson(result.body) || t("test_request.empty")}</pre>
          {Object.keys(result.mapped).length ? (
            <>
              <span className="bf-field-label">{t("test_request.mapped")}</span>
              <pre data-testid="test-request-mapped">{prettyJson(result.mapped)}</pre>
            </>
          ) : null}
        </div>
      ) : null}
    </section>
  );
}
