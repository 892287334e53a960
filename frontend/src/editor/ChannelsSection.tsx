// Settings → Channels: list the workspace's channels and the scenario each runs, connect a web widget, a
// Telegram bot or a WhatsApp number, pick its scenario and what it does without one, show the embed snippet
// (web) or the webhook URL to paste into the provider, rotate secrets, delete. Secrets are write-only: the
// ones the server generates are shown once, in the answer to a create or rotate, and never again.
// Roles (runtime/channel_setup.py): admins manage channels; editors may change only the scenario of an
// existing channel, when an admin allows it here.
import { Fragment, useCallback, useEffect, useState } from "react";
import { api, ApiError } from "../shared/api";
import { dynamicKey, useI18n } from "./i18n";
import { CopyButton, EmbedSnippet, RunsLabel } from "./ChannelParts";
import {
  CREATABLE_KINDS,
  createPayload,
  customerChannels,
  EMPTY_FORM,
  formComplete,
  GENERATED_SECRETS,
  parseOrigins,
  publishedScenarios,
  type Channel,
  type ChannelForm,
  type ChannelList,
  type CreatableKind,
  type NoScenarioAction,
  type ScenarioChoice,
} from "./channels";

function message(err: unknown): string {
  return err instanceof ApiError ? err.message : String(err);
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
        <EmbedSnippet channel={channel} />
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

/** A scenario picker: published scenarios only (the server refuses the others). */
function ScenarioSelect({
  value,
  scenarios,
  onChange,
  testId,
}: {
  value: string;
  scenarios: ScenarioChoice[];
  onChange: (id: string) => void;
  testId?: string;
}) {
  const { t } = useI18n();
  return (
    <select value={value} data-testid={testId} onChange={(e) => onChange(e.target.value)} aria-label={t("channels.scenario")}>
      <option value="">{t("channels.pick_scenario")}</option>
      {publishedScenarios(scenarios).map((s) => (
        <option key={s.id} value={s.id}>
          {s.name}
        </option>
      ))}
    </select>
  );
}

/** One channel's settings: its scenario, what it does without one, and (web) the embed and allowed origins. */
function ChannelDetails({
  base,
  channel,
  scenarios,
  canManage,
  canConnect,
  onSaved,
}: {
  base: string;
  channel: Channel;
  scenarios: ScenarioChoice[];
  canManage: boolean;
  canConnect: boolean;
  onSaved: (c: Channel) => void;
}) {
  const { t } = useI18n();
  const [scenario, setScenario] = useState(channel.scenario ?? "");
  const [action, setAction] = useState<NoScenarioAction>(channel.no_scenario_action ?? "queue");
  const [text, setText] = useState(channel.no_scenario_action === "auto_reply" ? (channel.no_scenario_text ?? "") : "");
  const [origins, setOrigins] = useState((channel.allowed_origins ?? []).join("\n"));
  const [error, setError] = useState("");
  const [done, setDone] = useState("");

  async function patch(body: Record<string, unknown>) {
    setError("");
    setDone("");
    try {
      const saved = await api.patch<Channel>(`${base}channels/${channel.id}/`, body);
      onSaved(saved);
      setDone(t("channels.saved_changes"));
    } catch (err) {
      setError(message(err));
    }
  }

  return (
    <div className="bf-channel-details" data-testid={`channel-details-${channel.id}`}>
      <div className="bf-field">
        <span className="bf-field-label">{t("channels.scenario")}</span>
        {canConnect ? (
          <div className="bf-row bf-wrap">
            <ScenarioSelect value={scenario} scenarios={scenarios} onChange={setScenario} testId="details-scenario" />
            <button
              type="button"
              className="bf-btn bf-btn-small bf-btn-primary"
              disabled={scenario === (channel.scenario ?? "")}
              onClick={() => patch({ scenario: scenario || null })}
            >
              {t("common.save")}
            </button>
          </div>
        ) : (
          <RunsLabel channel={channel} />
        )}
        <span className="bf-field-hint">{t("channels.scenario_hint")}</span>
      </div>
      {canManage ? (
        <fieldset className="bf-fieldset">
          <legend className="bf-field-label">{t("channels.no_scenario_action")}</legend>
          <label className="bf-check">
            <input type="radio" name={`nsa-${channel.id}`} checked={action === "queue"} onChange={() => setAction("queue")} />
            {t("channels.action_queue")}
          </label>
          <label className="bf-check">
            <input
              type="radio"
              name={`nsa-${channel.id}`}
              checked={action === "auto_reply"}
              onChange={() => {
                setAction("auto_reply");
                if (!text.trim()) setText(t("channels.auto_reply_default"));
              }}
            />
            {t("channels.action_auto_reply")}
          </label>
          {action === "auto_reply" ? (
            <label className="bf-field">
              <span className="bf-field-label">{t("channels.auto_reply_text")}</span>
              <textarea rows={3} value={text} maxLength={1000} onChange={(e) => setText(e.target.value)} />
            </label>
          ) : null}
          <div>
            <button
              type="button"
              className="bf-btn bf-btn-small"
              onClick={() => patch({ config: { no_scenario_action: action, ...(action === "auto_reply" ? { no_scenario_text: text } : {}) } })}
            >
              {t("common.save")}
            </button>
          </div>
        </fieldset>
      ) : null}
      {channel.kind === "web" ? (
        <>
          <EmbedSnippet channel={channel} />
          <div className="bf-field">
            <span className="bf-field-label">{t("channels.origins_list")}</span>
            {canManage ? (
              <>
                <textarea
                  rows={3}
                  value={origins}
                  placeholder="https://shop.example"
                  data-testid="details-origins"
                  onChange={(e) => setOrigins(e.target.value)}
                />
                <div>
                  <button
                    type="button"
                    className="bf-btn bf-btn-small"
                    onClick={() => patch({ config: { allowed_origins: parseOrigins(origins) } })}
                  >
                    {t("common.save")}
                  </button>
                </div>
              </>
            ) : (channel.allowed_origins ?? []).length ? (
              <ul className="bf-simple-list">
                {(channel.allowed_origins ?? []).map((o) => (
                  <li key={o}>
                    <code>{o}</code>
                  </li>
                ))}
              </ul>
            ) : null}
            <span className="bf-field-hint">
              {t((channel.allowed_origins ?? []).length ? "channels.origins_hint" : "channels.origins_none")}
            </span>
          </div>
        </>
      ) : null}
      {error ? (
        <div className="bf-alert bf-alert-error" role="alert">
          {error}
        </div>
      ) : null}
      {done ? (
        <div className="bf-field-hint" role="status">
          {done}
        </div>
      ) : null}
    </div>
  );
}

/** The workspace rule: may editors connect scenarios to existing channels? Admins switch it. */
function EditorsAccess({ base, access, onChange }: { base: string; access: ChannelList; onChange: (a: ChannelList) => void }) {
  const { t } = useI18n();
  const [error, setError] = useState("");
  if (!access.can_manage) {
    return (
      <p className="bf-muted" data-testid="editors-access">
        {access.can_connect ? t("channels.change_scenario_only") : t("channels.admin_only")}
      </p>
    );
  }
  return (
    <div className="bf-field" data-testid="editors-access">
      <label className="bf-check">
        <input
          type="checkbox"
          checked={access.editors_can_connect_channels}
          data-testid="editors-can-connect"
          onChange={async (e) => {
            const wanted = e.target.checked;
            setError("");
            onChange({ ...access, editors_can_connect_channels: wanted }); // shown at once, undone if refused
            try {
              const next = await api.patch<ChannelList>(`${base}channels/settings/`, { editors_can_connect_channels: wanted });
              onChange({ ...access, ...next });
            } catch (err) {
              onChange({ ...access, editors_can_connect_channels: !wanted });
              setError(message(err));
            }
          }}
        />
        {t("channels.editors_can_connect")}
      </label>
      {error ? <div className="bf-alert bf-alert-error">{error}</div> : null}
    </div>
  );
}

export function ChannelsSection({ base, canManage }: { base: string; canManage: boolean }) {
  const { t } = useI18n();
  const [list, setList] = useState<ChannelList | null>(null);
  const [scenarios, setScenarios] = useState<ScenarioChoice[]>([]);
  const [error, setError] = useState("");
  const [kind, setKind] = useState<CreatableKind>("web");
  const [form, setForm] = useState<ChannelForm>(EMPTY_FORM);
  const [busy, setBusy] = useState(false);
  const [shown, setShown] = useState<Channel | null>(null);
  const [open, setOpen] = useState<number | null>(null);

  const reload = useCallback(() => {
    api
      .get<ChannelList>(`${base}channels/`)
      .then((d) => setList({ ...d, results: customerChannels(d?.results ?? []) }))
      .catch((e) => {
        setList({ results: [], can_manage: canManage, can_connect: canManage, editors_can_connect_channels: false });
        setError(message(e));
      });
  }, [base, canManage]);
  useEffect(reload, [reload]);
  useEffect(() => {
    api
      .get<ScenarioChoice[]>(`${base}scenarios/`)
      .then((d) => setScenarios(Array.isArray(d) ? d : []))
      .catch(() => setScenarios([]));
  }, [base]);

  const channels = list?.results ?? null;
  const canConnect = list?.can_connect ?? canManage;

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

  const saved = (c: Channel) => setList((l) => (l ? { ...l, results: l.results.map((x) => (x.id === c.id ? c : x)) } : l));

  return (
    <section className="bf-card-section" data-testid="channels">
      <h2>{t("channels.title")}</h2>
      <p className="bf-muted">{t("channels.hint")}</p>
      {list ? <EditorsAccess base={base} access={list} onChange={setList} /> : null}
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
              <th>{t("channels.scenario")}</th>
              <th>{t("channels.webhook")}</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {channels.map((c) => (
              <Fragment key={c.id}>
                <tr data-testid={`channel-row-${c.id}`}>
                  <td>{t(dynamicKey(`channels.kind_${c.kind}`))}</td>
                  <td>
                    <b>{c.name}</b>
                    {c.is_active ? null : <span className="bf-muted"> · {t("channels.inactive")}</span>}
                  </td>
                  <td>
                    <RunsLabel channel={c} />
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
                  <td>
                    <div className="bf-row bf-wrap">
                    <button
                      type="button"
                      className={`bf-btn bf-btn-small ${open === c.id ? "is-on" : ""}`}
                      aria-expanded={open === c.id}
                      onClick={() => setOpen(open === c.id ? null : c.id)}
                    >
                      {t(c.kind === "web" ? "channels.details_web" : "channels.details")}
                    </button>
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
                    </div>
                  </td>
                </tr>
                {open === c.id ? (
                  <tr>
                    <td colSpan={5}>
                      <ChannelDetails
                        base={base}
                        channel={c}
                        scenarios={scenarios}
                        canManage={canManage}
                        canConnect={canConnect}
                        onSaved={saved}
                      />
                    </td>
                  </tr>
                ) : null}
              </Fragment>
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
          <label className="bf-field">
            <span className="bf-field-label">{t("channels.scenario")}</span>
            <ScenarioSelect
              value={form.scenario}
              scenarios={scenarios}
              onChange={(id) => setForm({ ...form, scenario: id })}
              testId="channel-scenario"
            />
            <span className="bf-field-hint">{t("channels.scenario_hint")}</span>
          </label>
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
      ) : null}
    </section>
  );
}
