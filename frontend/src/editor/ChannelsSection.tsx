// Settings → Channels: list the workspace's channels, connect a web widget, a Telegram bot or a WhatsApp
// number, show the webhook URL to paste into the provider, rotate secrets, delete. Secrets are write-only:
// the ones the server generates are shown once, in the answer to a create or rotate, and never again.
import { useCallback, useEffect, useState } from "react";
import { api, ApiError } from "../shared/api";
import { useI18n } from "../shared/i18n";
import {
  CREATABLE_KINDS,
  createPayload,
  EMPTY_FORM,
  formComplete,
  GENERATED_SECRETS,
  type Channel,
  type ChannelForm,
  type CreatableKind,
} from "./channels";

function message(err: unknown): string {
  return err instanceof ApiError ? err.message : String(err);
}

function CopyButton({ text }: { text: string }) {
  const { t } = useI18n();
  const [done, setDone] = useState(false);
  return (
    <button
      type="button"
      className="bf-btn bf-btn-small"
      onClick={async () => {
        try {
          await navigator.clipboard.writeText(text);
          setDone(true);
          setTimeout(() => setDone(false), 1500);
        } catch {
          window.prompt(t("channels.copy"), text);
        }
      }}
    >
      {done ? t("channels.copied") : t("channels.copy")}
    </button>
  );
}

/** The one-time display of generated secrets (after a create or a rotate). */
function OneTimeSecrets({ channel, onClose }: { channel: Channel; onClose: () => void }) {
  const { t } = useI18n();
  const secrets = Object.entries(channel.generated_secrets ?? {});
  return (
    <div className="bf-alert" role="status" data-testid="channel-created">
      <b>{t("channels.saved", { name: channel.name })}</b>
      {channel.webhook_url ? (
        <p>
          {t(channel.kind === "whatsapp" ? "channels.webhook_hint_whatsapp" : "channels.webhook_hint_telegram")}
          <br />
          <code data-testid="new-webhook-url">{channel.webhook_url}</code> <CopyButton text={channel.webhook_url} />
        </p>
      ) : (
        <p>
          {t("channels.embed_hint")} <code>{channel.key}</code>
        </p>
      )}
      {secrets.length ? (
        <>
          <p>{t("channels.secrets_once")}</p>
          <dl className="bf-dl">
            {secrets.map(([k, v]) => (
              <div key={k}>
                <dt>{k}</dt>
                <dd>
                  <code data-testid={`secret-${k}`}>{v}</code> <CopyButton text={v} />
                </dd>
              </div>
            ))}
          </dl>
        </>
      ) : null}
      <button type="button" className="bf-btn bf-btn-small" onClick={onClose}>
        {t("channels.done")}
      </button>
    </div>
  );
}

export function ChannelsSection({ base, canManage }: { base: string; canManage: boolean }) {
  const { t } = useI18n();
  const [channels, setChannels] = useState<Channel[] | null>(null);
  const [error, setError] = useState("");
  const [kind, setKind] = useState<CreatableKind>("web");
  const [form, setForm] = useState<ChannelForm>(EMPTY_FORM);
  const [busy, setBusy] = useState(false);
  const [shown, setShown] = useState<Channel | null>(null);

  const reload = useCallback(() => {
    api
      .get<{ results: Channel[] }>(`${base}channels/`)
      .then((d) => setChannels((d?.results ?? []).filter((c) => c.kind !== "preview")))
      .catch((e) => {
        setChannels([]);
        setError(message(e));
      });
  }, [base]);
  useEffect(reload, [reload]);

  const field = (key: keyof ChannelForm, label: string, type = "text", placeholder = "") => (
    <label className="bf-field">
      <span className="bf-field-label">{label}</span>
      <input
        type={type}
        value={form[key]}
        placeholder={placeholder}
        autoComplete="off"
        data-testid={`channel-${key}`}
        onChange={(e) => setForm({ ...form, [key]: e.target.value })}
      />
    </label>
  );

  async function create(e: React.FormEvent) {
    e.preventDefault();
    setError("");
    setBusy(true);
    try {
      const created = await api.post<Channel>(`${base}channels/`, createPayload(kind, form));
      setShown(created);
      setForm(EMPTY_FORM);
      reload();
    } catch (err) {
      setError(message(err));
    } finally {
      setBusy(false);
    }
  }

  async function rotate(channel: Channel) {
    if (!window.confirm(t("channels.rotate_confirm", { name: channel.name }))) return;
    setError("");
    try {
      const rotated = await api.post<Channel>(`${base}channels/${channel.id}/rotate-secrets/`, {
        regenerate: GENERATED_SECRETS[channel.kind] ?? [],
      });
      setShown(rotated);
    } catch (err) {
      setError(message(err));
    }
  }

  async function remove(channel: Channel) {
    if (!window.confirm(t("channels.delete_confirm", { name: channel.name }))) return;
    setError("");
    try {
      await api.del(`${base}channels/${channel.id}/`);
      if (shown?.id === channel.id) setShown(null);
      reload();
    } catch (err) {
      setError(message(err));
    }
  }

  return (
    <section className="bf-card-section" data-testid="channels">
      <h2>{t("channels.title")}</h2>
      <p className="bf-muted">{t("channels.hint")}</p>
      {error ? (
        <div className="bf-alert bf-alert-error" role="alert">
          {error}
        </div>
      ) : null}
      {shown ? <OneTimeSecrets channel={shown} onClose={() => setShown(null)} /> : null}
      {channels === null ? <p className="bf-muted">{t("common.loading")}</p> : null}
      {channels?.length ? (
        <table className="bf-table" data-testid="channel-list">
          <thead>
            <tr>
              <th>{t("channels.kind")}</th>
              <th>{t("channels.name")}</th>
              <th>{t("channels.key")}</th>
              <th>{t("channels.webhook")}</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {channels.map((c) => (
              <tr key={c.id} data-testid={`channel-row-${c.id}`}>
                <td>{t(`channels.kind_${c.kind}`)}</td>
                <td>
                  <b>{c.name}</b>
                  {c.is_active ? null : <span className="bf-muted"> · {t("channels.inactive")}</span>}
                </td>
                <td>
                  <code>{c.key}</code>
                </td>
                <td>
                  {c.webhook_url ? (
                    <>
                      <code className="bf-webhook-url">{c.webhook_url}</code> <CopyButton text={c.webhook_url} />
                    </>
                  ) : (
                    <span className="bf-muted">—</span>
                  )}
                </td>
                <td className="bf-row">
                  {canManage && GENERATED_SECRETS[c.kind] ? (
                    <button type="button" className="bf-btn bf-btn-small" onClick={() => rotate(c)}>
                      {t("channels.rotate")}
                    </button>
                  ) : null}
                  {canManage ? (
                    <button type="button" className="bf-btn bf-btn-small bf-btn-danger" onClick={() => remove(c)}>
                      {t("common.delete")}
                    </button>
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : channels ? (
        <p className="bf-muted">{t("channels.none")}</p>
      ) : null}
      {canManage ? (
        <form className="bf-form bf-channel-form" onSubmit={create} data-testid="channel-form">
          <h3>{t("channels.new")}</h3>
          <label className="bf-field">
            <span className="bf-field-label">{t("channels.kind")}</span>
            <select value={kind} data-testid="channel-kind" onChange={(e) => setKind(e.target.value as CreatableKind)}>
              {CREATABLE_KINDS.map((k) => (
                <option key={k} value={k}>
                  {t(`channels.kind_${k}`)}
                </option>
              ))}
            </select>
          </label>
          {field("name", t("channels.name"))}
          {kind === "web" ? field("origins", t("channels.origins"), "text", "https://shop.example") : null}
          {kind === "telegram" ? field("bot_token", t("channels.bot_token"), "password", "123456:ABC…") : null}
          {kind === "whatsapp" ? (
            <>
              {field("phone_number_id", t("channels.phone_number_id"))}
              {field("access_token", t("channels.access_token"), "password")}
              {field("app_secret", t("channels.app_secret"), "password")}
              <span className="bf-field-hint">{t("channels.verify_token_hint")}</span>
            </>
          ) : null}
          <div>
            <button type="submit" className="bf-btn bf-btn-primary" disabled={busy || !formComplete(kind, form)}>
              + {t("channels.create")}
            </button>
          </div>
        </form>
      ) : (
        <p className="bf-muted">{t("channels.admin_only")}</p>
      )}
    </section>
  );
}
