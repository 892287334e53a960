// Workspace settings: departments (the handoff queues), channels, and who you are in this workspace.
import { useCallback, useEffect, useState } from "react";
import { api, ApiError, wsUrl } from "../shared/api";
import type { Bootstrap } from "../shared/bootstrap";
import { dynamicKey, useI18n } from "./i18n";
import { AppHeader } from "./AppHeader";
import { ChannelsSection } from "./ChannelsSection";

interface Department {
  slug: string;
  name: string;
  [k: string]: unknown;
}

export function SettingsPage({ boot }: { boot: Bootstrap }) {
  const { t } = useI18n();
  const base = wsUrl(boot.workspace);
  const [departments, setDepartments] = useState<Department[] | null>(null);
  const [error, setError] = useState("");
  const [name, setName] = useState("");
  const canManage = boot.role === "admin";

  const reload = useCallback(() => {
    api
      .get<any>(`${base}departments/`)
      .then((d) => setDepartments(Array.isArray(d) ? d : (d?.results ?? d?.departments ?? [])))
      .catch((e) => {
        setDepartments([]);
        setError(e instanceof ApiError ? e.message : String(e));
      });
  }, [base]);
  useEffect(reload, [reload]);

  const workspace = boot.workspaces.find((w) => w.slug === boot.workspace);

  return (
    <div className="bf-page">
      <AppHeader boot={boot} active="settings" />
      <main className="bf-page-body">
        <h1>{t("settings.title")}</h1>
        <section className="bf-card-section">
          <h2>{t("settings.workspace")}</h2>
          <dl className="bf-dl">
            <dt>{t("settings.name")}</dt>
            <dd>{workspace?.name}</dd>
            <dt>{t("settings.slug")}</dt>
            <dd>
              <code>{boot.workspace}</code>
            </dd>
            <dt>{t("settings.role")}</dt>
            <dd>{t(dynamicKey(`role.${boot.role}`))}</dd>
          </dl>
        </section>
        <section className="bf-card-section">
          <h2>{t("settings.departments")}</h2>
          <p className="bf-muted">{t("settings.departments_hint")}</p>
          {error ? <div className="bf-alert bf-alert-error">{error}</div> : null}
          {departments === null ? <p className="bf-muted">{t("common.loading")}</p> : null}
          <ul className="bf-simple-list">
            {departments?.map((d) => (
              <li key={d.slug}>
                <b>{d.name}</b> <code>{d.slug}</code>
              </li>
            ))}
          </ul>
          {canManage ? (
            <form
              className="bf-inline-form"
              onSubmit={async (e) => {
                e.preventDefault();
                setError("");
                try {
                  await api.post(`${base}departments/`, { name: name.trim() });
                  setName("");
                  reload();
                } catch (err) {
                  setError(err instanceof ApiError ? err.message : String(err));
                }
              }}
            >
              <input
                type="text"
                value={name}
                onChange={(e) => setName(e.target.value)}
                placeholder={t("settings.new_department")}
                aria-label={t("settings.new_department")}
              />
              <button type="submit" className="bf-btn bf-btn-primary" disabled={!name.trim()}>
                + {t("settings.add")}
              </button>
            </form>
          ) : null}
        </section>
        <ChannelsSection base={base} canManage={canManage} />
      </main>
    </div>
  );
}
