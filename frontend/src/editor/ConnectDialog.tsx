// "Connect to a channel", offered after publishing: the workspace's channels with the scenario each runs now,
// a one-click connect, and a new web widget channel created right here (with its embed snippet and test page).
// Who may do what is the server's rule (runtime/channel_setup.py); the dialog shows what the caller may do.
import { useCallback, useEffect, useState } from "react";
import { api, ApiError } from "../shared/api";
import { dynamicKey, useI18n } from "./i18n";
import { EmbedSnippet, RunsLabel } from "./ChannelParts";
import { customerChannels, parseOrigins, type Channel, type ChannelList } from "./channels";

function message(err: unknown): string {
  return err instanceof ApiError ? err.message : String(err);
}

export function ConnectDialog({
  wsBase,
  scenarioId,
  scenarioName,
  published,
  onClose,
}: {
  wsBase: string;
  scenarioId: string;
  scenarioName: string;
  published: boolean;
  onClose: () => void;
}) {
  const { t } = useI18n();
  const [list, setList] = useState<ChannelList | null>(null);
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState<Channel | null>(null);
  const [name, setName] = useState("");
  const [origins, setOrigins] = useState("");

  const reload = useCallback(() => {
    api
      .get<ChannelList>(`${wsBase}channels/`)
      .then((d) => setList({ ...d, results: customerChannels(d?.results ?? []) }))
      .catch((e) => setError(message(e)));
  }, [wsBase]);
  useEffect(reload, [reload]);

  async function connect(channel: Channel) {
    setError("");
    setBusy(true);
    try {
      setDone(await api.patch<Channel>(`${wsBase}channels/${channel.id}/`, { scenario: scenarioId }));
      reload();
    } catch (err) {
      setError(message(err));
    } finally {
      setBusy(false);
    }
  }

  async function createWeb(e: React.FormEvent) {
    e.preventDefault();
    setError("");
    setBusy(true);
    try {
      const created = await api.post<Channel>(`${wsBase}channels/`, {
        kind: "web",
        name: name.trim(),
        scenario: scenarioId,
        config: { allowed_origins: parseOrigins(origins) },
      });
      setDone(created);
      setName("");
      setOrigins("");
      reload();
    } catch (err) {
      setError(message(err));
    } finally {
      setBusy(false);
    }
  }

  const channels = list?.results ?? [];
  return (
    <div className="bf-modal-backdrop" onClick={onClose}>
      <div
        className="bf-modal bf-modal-wide bf-connect"
        role="dialog"
        aria-label={t("connect.open")}
        data-testid="connect-dialog"
        onClick={(e) => e.stopPropagation()}
      >
        <h2>{t("connect.title", { name: scenarioName })}</h2>
        <p className="bf-muted">{t("connect.text")}</p>
        {!published ? <div className="bf-alert">{t("connect.not_published")}</div> : null}
        {list && !list.can_connect ? <div className="bf-alert">{t("connect.ask_admin")}</div> : null}
        {error ? (
          <div className="bf-alert bf-alert-error" role="alert">
            {error}
          </div>
        ) : null}
        {done ? (
          <div className="bf-alert" role="status" data-testid="connect-done">
            <b>{t("connect.connected", { name: done.name })}</b>
            {done.kind === "web" ? <EmbedSnippet channel={done} /> : null}
          </div>
        ) : null}
        {list === null ? <p className="bf-muted">{t("common.loading")}</p> : null}
        {list && !channels.length ? <p className="bf-muted">{t("connect.none")}</p> : null}
        {channels.length ? (
          <ul className="bf-connect-list" data-testid="connect-channels">
            {channels.map((c) => (
              <li key={c.id} data-testid={`connect-row-${c.id}`}>
                <div className="bf-connect-what">
                  <span className="bf-chip">{t(dynamicKey(`channels.kind_${c.kind}`))}</span> <b>{c.name}</b>
                  <div className="bf-connect-runs">
                    <RunsLabel channel={c} currentScenario={scenarioId} />
                  </div>
                </div>
                {list?.can_connect && published && c.scenario !== scenarioId ? (
                  <button
                    type="button"
                    className="bf-btn bf-btn-small bf-btn-primary"
                    disabled={busy}
                    title={c.scenario_name ? t("connect.replaces", { name: c.scenario_name }) : ""}
                    onClick={() => connect(c)}
                  >
                    {t("connect.connect")}
                  </button>
                ) : null}
              </li>
            ))}
          </ul>
        ) : null}
        {list?.can_manage && published ? (
          <form className="bf-form bf-connect-new" onSubmit={createWeb} data-testid="connect-new-web">
            <h3>{t("connect.new_web")}</h3>
            <label className="bf-field">
              <span className="bf-field-label">{t("connect.new_web_name")}</span>
              <input value={name} maxLength={120} onChange={(e) => setName(e.target.value)} data-testid="connect-new-name" />
            </label>
            <label className="bf-field">
              <span className="bf-field-label">{t("connect.new_web_origins")}</span>
              <input
                value={origins}
                placeholder="https://shop.example"
                onChange={(e) => setOrigins(e.target.value)}
                data-testid="connect-new-origins"
              />
            </label>
            <div>
              <button type="submit" className="bf-btn bf-btn-primary" disabled={busy || !name.trim()} data-testid="connect-create">
                + {t("connect.create")}
              </button>
            </div>
          </form>
        ) : null}
        <p className="bf-field-hint">{t("connect.messengers")}</p>
        <div className="bf-modal-foot">
          <button type="button" className="bf-btn" onClick={onClose}>
            {t("common.close")}
          </button>
        </div>
      </div>
    </div>
  );
}
