// The preview chat: runs the saved draft on the real runtime (a sandbox conversation) and reports
// the node the conversation is at, which the canvas highlights.
import { useEffect, useRef, useState } from "react";
import { api, ApiError } from "../shared/api";
import { dynamicKey, isEditorKey, useI18n, type T } from "./i18n";
import { Icon } from "./icons";

interface PreviewMessage {
  id?: number | string;
  sender: string;
  direction?: string;
  text: string;
  payload?: { buttons?: { id: string; label: string }[]; media?: { kind: string; url: string; caption?: string } } & Record<
    string,
    any
  >;
}

interface Turn {
  conversation_id: string;
  messages: PreviewMessage[];
  node_id: string | null;
  mode: string;
  variables: Record<string, unknown>;
}

interface Props {
  base: string; // /api/w/<ws>/
  scenarioId: string;
  beforeStart: () => Promise<boolean>;
  onActiveNode: (id: string | null) => void;
  onClose: () => void;
}

/** The preview's stand-in for a handoff, in the marketer's language (the reason as words, not its code). */
function previewHandoff(t: T, payload: Record<string, any>): string {
  const key = `preview.reason.${payload.reason}`;
  const reason = isEditorKey(key) ? t(key) : t("preview.reason.other");
  return t("preview.handoff", { department: payload.department || t("preview.default_department"), reason });
}

export function Preview({ base, scenarioId, beforeStart, onActiveNode, onClose }: Props) {
  const { t } = useI18n();
  const [conv, setConv] = useState<string | null>(null);
  const [messages, setMessages] = useState<PreviewMessage[]>([]);
  const [mode, setMode] = useState("");
  const [variables, setVariables] = useState<Record<string, unknown>>({});
  const [text, setText] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState("");
  const [showVars, setShowVars] = useState(false);
  const endRef = useRef<HTMLDivElement>(null);

  useEffect(() => {
    endRef.current?.scrollIntoView({ block: "end" });
  }, [messages]);
  useEffect(() => () => onActiveNode(null), [onActiveNode]);

  function apply(turn: Turn, echo?: PreviewMessage) {
    setConv(turn.conversation_id);
    setMode(turn.mode);
    setVariables(turn.variables ?? {});
    onActiveNode(turn.node_id ?? null);
    const incoming = (turn.messages ?? []).filter((m) => m.direction !== "internal" || m.sender === "system");
    const hasEcho = incoming.some((m) => m.sender === "customer");
    setMessages((prev) => [...prev, ...(echo && !hasEcho ? [echo] : []), ...incoming]);
  }

  async function start() {
    setError("");
    setBusy(true);
    try {
      if (!(await beforeStart())) throw new Error(t("preview.save_first"));
      setMessages([]);
      apply(await api.post<Turn>(`${base}scenarios/${scenarioId}/preview/`, {}));
    } catch (e) {
      setError(e instanceof ApiError ? e.message : String((e as Error).message ?? e));
    } finally {
      setBusy(false);
    }
  }

  async function send(body: { text?: string; button_id?: string }, echoText: string) {
    if (!conv) return;
    setError("");
    setBusy(true);
    try {
      apply(await api.post<Turn>(`${base}preview/${conv}/`, body), { sender: "customer", direction: "in", text: echoText });
    } catch (e) {
      setError(e instanceof ApiError ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  }

  const last = [...messages].reverse().find((m) => m.sender === "bot");
  const liveButtons = mode === "bot" ? last?.payload?.buttons ?? [] : [];

  return (
    <aside className="bf-preview" data-testid="preview" aria-label={t("preview.title")}>
      <div className="bf-panel-head">
        <Icon name="play" /> {t("preview.title")}
        <span className="bf-spacer" />
        <button type="button" className="bf-btn bf-btn-small" onClick={start} disabled={busy}>
          {conv ? t("preview.restart") : t("preview.start")}
        </button>
        <button type="button" className="bf-icon-btn" onClick={onClose} title={t("common.close")}>
          ✕
        </button>
      </div>
      <div className="bf-preview-log">
        {!conv && !busy ? <p className="bf-muted">{t("preview.intro")}</p> : null}
        {messages.map((m, i) => (
          <div key={m.id ?? `p${i}`} className={`bf-msg bf-msg--${m.sender}`}>
            {m.payload?.media?.url && m.payload.media.kind === "image" ? (
              <img className="bf-msg-img" src={m.payload.media.url} alt={m.payload.media.caption ?? ""} />
            ) : m.payload?.media?.url ? (
              <a href={m.payload.media.url} target="_blank" rel="noreferrer">
                {m.payload.media.caption || m.payload.media.url}
              </a>
            ) : null}
            {m.payload?.preview_handoff ? (
              <div className="bf-msg-text">{previewHandoff(t, m.payload)}</div>
            ) : m.text ? (
              <div className="bf-msg-text">{m.text}</div>
            ) : null}
          </div>
        ))}
        {liveButtons.length ? (
          <div className="bf-msg-buttons">
            {liveButtons.map((b) => (
              <button key={b.id} type="button" className="bf-chip-btn" disabled={busy} onClick={() => send({ button_id: b.id }, b.label)}>
                {b.label}
              </button>
            ))}
          </div>
        ) : null}
        {mode && mode !== "bot" ? <p className="bf-muted">{t(dynamicKey(`preview.mode_${mode}`))}</p> : null}
        <div ref={endRef} />
      </div>
      {error ? <div className="bf-alert bf-alert-error">{error}</div> : null}
      <form
        className="bf-preview-input"
        onSubmit={(e) => {
          e.preventDefault();
          if (!text.trim()) return;
          const v = text;
          setText("");
          send({ text: v }, v);
        }}
      >
        <input
          type="text"
          value={text}
          onChange={(e) => setText(e.target.value)}
          placeholder={t("preview.type")}
          aria-label={t("preview.type")}
          disabled={!conv || busy || mode === "closed"}
        />
        <button type="submit" className="bf-btn bf-btn-primary" disabled={!conv || busy || !text.trim()}>
          {t("preview.send")}
        </button>
      </form>
      <details className="bf-preview-vars" open={showVars} onToggle={(e) => setShowVars((e.target as HTMLDetailsElement).open)}>
        <summary>{t("preview.variables")}</summary>
        <pre>{JSON.stringify(variables, null, 2)}</pre>
      </details>
    </aside>
  );
}
