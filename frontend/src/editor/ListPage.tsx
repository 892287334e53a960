// The workspace's scenarios: create, rename, duplicate, delete, import (dry-run plan first), export.
import { useCallback, useEffect, useRef, useState } from "react";
import { api, ApiError, wsUrl } from "../shared/api";
import type { Bootstrap } from "../shared/bootstrap";
import { dynamicKey, useI18n } from "./i18n";
import { AppHeader } from "./AppHeader";
import { Icon } from "./icons";

interface Row {
  id: string;
  name: string;
  slug: string;
  description: string;
  revision: number;
  updated_at: string;
  updated_by: string | null;
  published_version: number | null;
  has_errors: boolean;
  has_unpublished_changes?: boolean;
}

interface ImportPlan {
  dry_run: boolean;
  scenarios: {
    action: string;
    slug: string;
    name: string;
    source_name?: string;
    renamed?: boolean;
    nodes: number;
    findings: { severity: string; message: string }[];
  }[];
  slug_remaps: Record<string, string>;
  missing: { departments: { slug: string; name: string }[]; scenarios: string[]; workspace_settings: Record<string, unknown> };
  upgraded_from: number | null;
  imported?: { id: string; name: string }[];
}

export function ListPage({ boot }: { boot: Bootstrap }) {
  const { t, lang } = useI18n();
  const base = wsUrl(boot.workspace);
  const canEdit = boot.role === "admin" || boot.role === "editor";
  const [rows, setRows] = useState<Row[] | null>(null);
  const [error, setError] = useState("");
  const [newName, setNewName] = useState("");
  const [renaming, setRenaming] = useState<string | null>(null);
  const [importFile, setImportFile] = useState<File | null>(null);
  const [plan, setPlan] = useState<ImportPlan | null>(null);
  const [createMissing, setCreateMissing] = useState(true);
  const [newOpen, setNewOpen] = useState(false);
  const fileInput = useRef<HTMLInputElement>(null);

  const reload = useCallback(() => {
    api
      .get<Row[]>(`${base}scenarios/`)
      .then(setRows)
      .catch((e) => setError(e instanceof ApiError ? e.message : String(e)));
  }, [base]);
  useEffect(reload, [reload]);

  const guard = async (fn: () => Promise<void>) => {
    setError("");
    try {
      await fn();
    } catch (e) {
      setError(e instanceof ApiError ? e.message : String(e));
    }
  };

  const create = () =>
    guard(async () => {
      const name = newName.trim() || t("list.untitled");
      const sc = await api.post<{ id: string }>(`${base}scenarios/`, { name });
      window.location.href = `/editor/${sc.id}/`;
    });

  const createFromTemplate = (key: string, templateLang: string) =>
    guard(async () => {
      const sc = await api.post<{ id: string }>(`${base}templates/`, { template: key, lang: templateLang });
      window.location.href = `/editor/${sc.id}/`;
    });

  const dryRun = (file: File, withMissing: boolean) =>
    guard(async () => {
      const form = new FormData();
      form.append("file", file);
      form.append("dry_run", "true");
      form.append("create_missing", withMissing ? "true" : "false");
      setPlan(await api.post<ImportPlan>(`${base}import/`, form));
    });

  const applyImport = () =>
    guard(async () => {
      if (!importFile) return;
      const form = new FormData();
      form.append("file", importFile);
      form.append("create_missing", createMissing ? "true" : "false");
      const done = await api.post<ImportPlan>(`${base}import/`, form);
      setPlan(null);
      setImportFile(null);
      reload();
      if (done.imported?.length === 1) window.location.href = `/editor/${done.imported[0].id}/`;
    });

  return (
    <div className="bf-page">
      <AppHeader boot={boot} active="list" />
      <main className="bf-page-body">
        <div className="bf-page-head">
          <h1>{t("list.title")}</h1>
          <span className="bf-spacer" />
          {canEdit ? (
            <>
              <form
                className="bf-inline-form"
                onSubmit={(e) => {
                  e.preventDefault();
                  setNewOpen(true);
                }}
              >
                <input
                  type="text"
                  value={newName}
                  onChange={(e) => setNewName(e.target.value)}
                  placeholder={t("list.new_placeholder")}
                  aria-label={t("list.name")}
                  data-testid="new-scenario-name"
                />
                <button type="submit" className="bf-btn bf-btn-primary" data-testid="create-scenario">
                  + {t("list.create")}
                </button>
              </form>
              <button type="button" className="bf-btn" onClick={() => fileInput.current?.click()}>
                <Icon name="upload" /> {t("list.import")}
              </button>
              <input
                ref={fileInput}
                type="file"
                accept="application/json,.json"
                hidden
                data-testid="import-file"
                onChange={(e) => {
                  const f = e.target.files?.[0];
                  e.target.value = "";
                  if (!f) return;
                  setImportFile(f);
                  dryRun(f, createMissing);
                }}
              />
            </>
          ) : null}
        </div>
        {error ? <div className="bf-alert bf-alert-error">{error}</div> : null}
        {rows === null ? <p className="bf-muted">{t("common.loading")}</p> : null}
        {rows && rows.length === 0 ? <div className="bf-empty">{t("list.empty")}</div> : null}
        {rows && rows.length ? (
          <table className="bf-table" data-testid="scenario-table">
            <thead>
              <tr>
                <th>{t("list.name")}</th>
                <th>{t("list.status")}</th>
                <th>{t("list.updated")}</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr key={r.id}>
                  <td>
                    {renaming === r.id ? (
                      <input
                        type="text"
                        defaultValue={r.name}
                        autoFocus
                        aria-label={t("list.name")}
                        onBlur={(e) =>
                          guard(async () => {
                            setRenaming(null);
                            const name = e.target.value.trim();
                            if (name && name !== r.name) {
                              await api.patch(`${base}scenarios/${r.id}/`, { name });
                              reload();
                            }
                          })
                        }
                        onKeyDown={(e) => {
                          if (e.key === "Enter") (e.target as HTMLInputElement).blur();
                          if (e.key === "Escape") setRenaming(null);
                        }}
                      />
                    ) : (
                      <a href={`/editor/${r.id}/`} className="bf-row-title">
                        {r.name}
                      </a>
                    )}
                    <div className="bf-muted bf-small">{r.slug}</div>
                  </td>
                  <td>
                    {r.published_version ? (
                      <span className="bf-chip bf-chip-live">{t("list.published", { n: r.published_version })}</span>
                    ) : (
                      <span className="bf-chip">{t("list.draft")}</span>
                    )}
                    {r.published_version && r.has_unpublished_changes ? (
                      <span className="bf-chip bf-chip-changed" data-testid="list-unpublished">
                        {t("pub.pending")}
                      </span>
                    ) : null}
                    {r.has_errors ? <span className="bf-chip bf-chip-removed">{t("list.has_errors")}</span> : null}
                  </td>
                  <td className="bf-muted">
                    {new Date(r.updated_at).toLocaleString(lang)}
                    {r.updated_by ? ` · ${r.updated_by}` : ""}
                  </td>
                  <td className="bf-actions">
                    <a className="bf-btn bf-btn-small" href={`/editor/${r.id}/`}>
                      {t("list.open")}
                    </a>
                    {canEdit ? (
                      <>
                        <button type="button" className="bf-btn bf-btn-small" onClick={() => setRenaming(r.id)}>
                          {t("list.rename")}
                        </button>
                        <button
                          type="button"
                          className="bf-btn bf-btn-small"
                          onClick={() =>
                            guard(async () => {
                              await api.post(`${base}scenarios/${r.id}/duplicate/`, {});
                              reload();
                            })
                          }
                        >
                          {t("list.duplicate")}
                        </button>
                      </>
                    ) : null}
                    <a className="bf-btn bf-btn-small" href={`${base}scenarios/${r.id}/export/`} download>
                      {t("list.export")}
                    </a>
                    {canEdit ? (
                      <button
                        type="button"
                        className="bf-btn bf-btn-small bf-btn-danger"
                        onClick={() =>
                          window.confirm(t("list.delete_confirm", { name: r.name })) &&
                          guard(async () => {
                            await api.del(`${base}scenarios/${r.id}/`);
                            reload();
                          })
                        }
                      >
                        {t("common.delete")}
                      </button>
                    ) : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : null}
      </main>
      {newOpen ? (
        <NewScenarioDialog
          base={base}
          name={newName}
          onName={setNewName}
          onBlank={create}
          onTemplate={createFromTemplate}
          onCancel={() => setNewOpen(false)}
          error={error}
        />
      ) : null}
      {plan ? (
        <div className="bf-modal-backdrop">
          <div className="bf-modal bf-modal-wide" role="dialog" aria-label={t("import.title")} data-testid="import-plan">
            <h2>{t("import.title")}</h2>
            <p className="bf-muted">{importFile?.name}</p>
            {plan.upgraded_from ? <p>{t("import.upgraded", { n: plan.upgraded_from })}</p> : null}
            <table className="bf-table">
              <thead>
                <tr>
                  <th>{t("list.name")}</th>
                  <th>{t("import.action")}</th>
                  <th>{t("import.nodes")}</th>
                  <th>{t("import.findings")}</th>
                </tr>
              </thead>
              <tbody>
                {plan.scenarios.map((s) => (
                  <tr key={s.slug}>
                    <td>
                      {s.name} <span className="bf-muted bf-small">{s.slug}</span>
                      {s.renamed ? (
                        <div className="bf-small bf-import-renamed" data-testid="import-renamed">
                          {t("import.renamed", { from: s.source_name ?? "", to: s.name })}
                        </div>
                      ) : null}
                    </td>
                    <td>{t(dynamicKey(`import.action_${s.action}`))}</td>
                    <td>{s.nodes}</td>
                    <td>
                      <span className="bf-badge bf-badge-error">{s.findings.filter((f) => f.severity === "error").length}</span>{" "}
                      <span className="bf-badge bf-badge-warning">{s.findings.filter((f) => f.severity === "warning").length}</span>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
            {Object.keys(plan.slug_remaps ?? {}).length ? (
              <p>
                {t("import.remaps")}:{" "}
                {Object.entries(plan.slug_remaps)
                  .map(([a, b]) => `${a} → ${b}`)
                  .join(", ")}
              </p>
            ) : null}
            {plan.missing.departments.length ? (
              <div className="bf-alert">
                {t("import.missing_departments")}: {plan.missing.departments.map((d) => d.name || d.slug).join(", ")}
                <label className="bf-check">
                  <input
                    type="checkbox"
                    checked={createMissing}
                    onChange={(e) => {
                      setCreateMissing(e.target.checked);
                      if (importFile) dryRun(importFile, e.target.checked);
                    }}
                  />
                  {t("import.create_missing")}
                </label>
              </div>
            ) : null}
            {plan.missing.scenarios.length ? (
              <div className="bf-alert">
                {t("import.missing_scenarios")}: {plan.missing.scenarios.join(", ")}
              </div>
            ) : null}
            {error ? <div className="bf-alert bf-alert-error">{error}</div> : null}
            <div className="bf-modal-foot">
              <button type="button" className="bf-btn" onClick={() => setPlan(null)}>
                {t("common.cancel")}
              </button>
              <button type="button" className="bf-btn bf-btn-primary" onClick={applyImport} data-testid="import-confirm">
                {t("import.confirm")}
              </button>
            </div>
          </div>
        </div>
      ) : null}
    </div>
  );
}

interface Template {
  key: string;
  title: string;
  description: string;
  nodes: number;
}

/** "New scenario": a blank canvas or one of the example scenarios, in the chosen language. */
function NewScenarioDialog(props: {
  base: string;
  name: string;
  onName: (name: string) => void;
  onBlank: () => void;
  onTemplate: (key: string, lang: string) => void;
  onCancel: () => void;
  error: string;
}) {
  const { t, lang } = useI18n();
  const [templateLang, setTemplateLang] = useState<string>(lang);
  // The list for the language on screen; while another language's list is loading, none (the loading line).
  const templatesUrl = `${props.base}templates/?lang=${encodeURIComponent(templateLang)}`;
  const [loadedTemplates, setLoadedTemplates] = useState<{ url: string; list: Template[] } | null>(null);
  const templates = loadedTemplates?.url === templatesUrl ? loadedTemplates.list : null;
  const [busy, setBusy] = useState(false);
  // A refused create (a new error): let the user pick again. Adjusted while rendering, not in an effect.
  const [seenError, setSeenError] = useState(props.error);
  if (props.error !== seenError) {
    setSeenError(props.error);
    if (props.error) setBusy(false);
  }
  useEffect(() => {
    let live = true;
    api
      .get<Template[]>(templatesUrl)
      .then((list) => live && setLoadedTemplates({ url: templatesUrl, list }))
      .catch(() => live && setLoadedTemplates({ url: templatesUrl, list: [] }));
    return () => {
      live = false;
    };
  }, [templatesUrl]);
  return (
    <div className="bf-modal-backdrop" onClick={props.onCancel}>
      <div
        className="bf-modal bf-modal-wide bf-new-scenario"
        role="dialog"
        aria-label={t("new.title")}
        data-testid="new-scenario-dialog"
        onClick={(e) => e.stopPropagation()}
        onKeyDown={(e) => e.key === "Escape" && props.onCancel()}
      >
        <h2>{t("new.title")}</h2>
        <div className="bf-template-grid">
          <button
            type="button"
            className="bf-template-card bf-template-card--blank"
            data-testid="template-blank"
            disabled={busy}
            onClick={() => {
              setBusy(true);
              props.onBlank();
            }}
          >
            <strong>{t("new.blank")}</strong>
            <span className="bf-muted">{t("new.blank_hint")}</span>
          </button>
          <label className="bf-field bf-template-name">
            <span className="bf-field-label">{t("new.name")}</span>
            <input
              type="text"
              value={props.name}
              placeholder={t("list.untitled")}
              onChange={(e) => props.onName(e.target.value)}
              onKeyDown={(e) => {
                if (e.key === "Enter") {
                  setBusy(true);
                  props.onBlank();
                }
              }}
            />
          </label>
        </div>
        <div className="bf-row bf-template-head">
          <h3>{t("new.templates")}</h3>
          <span className="bf-spacer" />
          <label className="bf-small">
            {t("new.language")}{" "}
            <select value={templateLang} onChange={(e) => setTemplateLang(e.target.value)} data-testid="template-lang">
              <option value="en">English</option>
              <option value="ru">Русский</option>
            </select>
          </label>
        </div>
        {templates === null ? <p className="bf-muted">{t("common.loading")}</p> : null}
        <div className="bf-template-grid">
          {(templates ?? []).map((tpl) => (
            <button
              type="button"
              key={tpl.key}
              className="bf-template-card"
              data-testid={`template-${tpl.key}`}
              disabled={busy}
              onClick={() => {
                setBusy(true);
                props.onTemplate(tpl.key, templateLang);
              }}
            >
              <strong>{tpl.title}</strong>
              <span className="bf-muted">{tpl.description}</span>
              <span className="bf-small bf-muted">{t("new.blocks", { n: tpl.nodes })}</span>
            </button>
          ))}
        </div>
        {props.error ? <div className="bf-alert bf-alert-error">{props.error}</div> : null}
        <div className="bf-modal-foot">
          <button type="button" className="bf-btn" onClick={props.onCancel}>
            {t("common.cancel")}
          </button>
        </div>
      </div>
    </div>
  );
}
