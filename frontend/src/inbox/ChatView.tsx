import { useEffect, useEffectEvent, useLayoutEffect, useMemo, useRef, useState, type KeyboardEvent, type ReactNode } from "react";
import { api } from "../shared/api";
import { dynamicKey, isInboxKey, useI18n, type T } from "./i18n";
import type { Frame } from "./socket";
import { isNote, type Canned, type Conv, type Department, type Detail, type Msg, type NodeRef, type Operator } from "./store";
import { contactName, nodeTitle, reasonText, since } from "./util";
import { ClipIcon, LockIcon } from "./icons";

interface Props {
  conv: Conv;
  detail?: Detail;
  me: number;
  typing?: { name: string; who: string };
  departments: Department[];
  operators: Operator[];
  canned: Canned[];
  pendingClaim: boolean;
  nodesUrl: string;
  onNodes: (nodes: NodeRef[]) => void;
  send: (frame: Frame) => void;
  onClaim: () => void;
  deptName: (slug: string | null | undefined) => string;
  now: number;
}

function clientId(): string {
  return Date.now().toString(36) + Math.random().toString(36).slice(2, 10);
}

/** `{{name}}` / `{{name|default}}` from the chat's variables, for editing a canned reply before sending. */
export function renderTemplate(text: string, vars: Record<string, unknown>): string {
  return text.replace(/\{\{\s*([A-Za-z_][\w.]*)\s*(?:\|([^}]*))?\}\}/g, (_m, name: string, dflt?: string) => {
    let value: unknown = vars;
    for (const part of name.split(".")) value = value && typeof value === "object" ? (value as Record<string, unknown>)[part] : undefined;
    return value === undefined || value === null || value === "" ? dflt ?? "" : String(value);
  });
}

function safeUrl(url?: string): string | null {
  if (!url) return null;
  try {
    const u = new URL(url, location.href);
    return u.protocol === "http:" || u.protocol === "https:" ? u.href : null;
  } catch {
    return null;
  }
}

/** Events the server records as system messages, in the operator's language (other system texts as stored). */
function systemText(m: Msg, t: T): string {
  const p = m.payload || {};
  if (p.event === "operator_joined" && p.operator) return t("inbox.sys.joined", { name: String(p.operator) });
  if (p.event === "resolved") return t("inbox.sys.resolved");
  if (p.event === "queue_position" && p.position) return t("inbox.sys.queuePosition", { n: Number(p.position) });
  return m.text;
}

export function MessageItem({ m, t }: { m: Msg; t: T }) {
  const note = isNote(m);
  const kind = note ? "note" : m.sender;
  const operatorName = m.operator_name || m.operator;
  const who =
    kind === "note"
      ? `${t("inbox.sender.note")}${operatorName ? " · " + operatorName : ""}`
      : kind === "operator"
        ? operatorName || t("inbox.sender.operator")
        : t(dynamicKey(`inbox.sender.${kind}`));
  const time = m.created_at ? new Date(m.created_at).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" }) : "";
  if (kind === "system") {
    return (
      <li className="ib-msg ib-msg-system" data-seq={m.seq} data-sender="system">
        <span>{systemText(m, t)}</span>
      </li>
    );
  }
  const media = m.payload?.media;
  const url = safeUrl(media?.url);
  const buttons = (m.payload?.buttons || []).filter((b) => b && b.label);
  return (
    <li className={`ib-msg ib-msg-${kind}`} data-seq={m.seq} data-sender={kind}>
      <div className="ib-bubble">
        <div className="ib-who">
          <span>
            {kind === "note" && <LockIcon />} {who}
          </span>
          {time && <time>{time}</time>}
        </div>
        {url && media?.kind === "image" && <img src={url} alt={media.caption || ""} className="ib-media" />}
        {url && media?.kind !== "image" && (
          <a href={url} target="_blank" rel="noopener noreferrer">
            <ClipIcon /> {media?.caption || url}
          </a>
        )}
        {m.payload?.button_id && <span className="ib-pressed">▸ </span>}
        {m.text && <span className="ib-text">{m.text}</span>}
        {buttons.length > 0 && (
          <div className="ib-buttons">
            {buttons.map((b) => (
              <span key={b.id} className={`ib-button ${b.id === "__operator__" ? "ib-button-op" : ""}`}>
                {b.label}
              </span>
            ))}
          </div>
        )}
        <DeliveryBadge delivery={m.delivery} t={t} />
      </div>
    </li>
  );
}

// Outcomes an operator must know about: the customer did not (or may not) get this message.
const DELIVERY_PROBLEMS = new Set(["failed", "not_sent", "unknown"]);

/** The contact's name, phone and e-mail as rows of a details list (live chat and History). */
export function ContactRows({ conv, t }: { conv: Conv; t: T }) {
  return (
    <>
      <dt>{t("inbox.contact")}</dt>
      <dd>{contactName(conv, t)}</dd>
      {conv.contact?.phone && (
        <>
          <dt>☎</dt>
          <dd>{conv.contact.phone}</dd>
        </>
      )}
      {conv.contact?.email && (
        <>
          <dt>@</dt>
          <dd>{conv.contact.email}</dd>
        </>
      )}
    </>
  );
}

/** The variables the bot collected (live chat and History). */
export function VariablesTable({ variables, t, testId }: { variables: Record<string, unknown>; t: T; testId: string }) {
  if (Object.keys(variables).length === 0) return <p className="ib-muted">{t("inbox.noVariables")}</p>;
  return (
    <table className="ib-vars" data-testid={testId}>
      <tbody>
        {Object.entries(variables).map(([k, v]) => (
          <tr key={k}>
            <th scope="row">{k}</th>
            <td>{v === null || v === undefined || v === "" ? <span className="ib-muted">—</span> : typeof v === "object" ? JSON.stringify(v) : String(v)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function DeliveryBadge({ delivery, t }: { delivery?: string; t: T }) {
  if (!delivery || !DELIVERY_PROBLEMS.has(delivery)) return null;
  return (
    <div className={`ib-delivery ib-delivery-${delivery}`} title={t(dynamicKey(`inbox.delivery.${delivery}.hint`))} data-delivery={delivery}>
      ⚠ {t(dynamicKey(`inbox.delivery.${delivery}`))}
    </div>
  );
}

export function ChatView(props: Props) {
  const { conv, detail, me, typing, send, t } = { ...props, ...useI18n() };
  const [mode, setMode] = useState<"reply" | "note">("reply");
  const [text, setText] = useState("");
  const [dialog, setDialog] = useState<null | "transfer" | "return">(null);
  const [cannedIndex, setCannedIndex] = useState(0);
  const listRef = useRef<HTMLOListElement>(null);
  const inputRef = useRef<HTMLTextAreaElement>(null);
  const typingRef = useRef<{ on: boolean; timer?: number }>({ on: false });

  const isMine = conv.mode === "live" && conv.assignee_id === me;
  const closed = conv.mode === "closed";
  const canReply = isMine;
  const messages = detail?.messages || [];
  const variables = detail?.variables || {};

  useLayoutEffect(() => {
    const el = listRef.current;
    if (el) el.scrollTop = el.scrollHeight;
  }, [messages.length, typing]);

  useEffect(() => {
    if (isMine) inputRef.current?.focus();
  }, [isMine]);

  // Node labels for the handoff context and the "return to bot" picker, fetched once per chat.
  const hasDetail = !!detail;
  const hasNodes = (detail?.nodes.length || 0) > 0;
  const { nodesUrl } = props;
  const gotNodes = useEffectEvent((nodes: NodeRef[]) => props.onNodes(nodes)); // the parent's latest callback
  useEffect(() => {
    if (!hasDetail || hasNodes) return;
    let live = true;
    api
      .get<{ nodes: NodeRef[] }>(nodesUrl)
      .then((r) => live && r.nodes?.length && gotNodes(r.nodes))
      .catch(() => undefined);
    return () => {
      live = false;
    };
  }, [hasDetail, hasNodes, nodesUrl]);

  const setTyping = (on: boolean) => {
    const tr = typingRef.current;
    window.clearTimeout(tr.timer);
    if (on) tr.timer = window.setTimeout(() => setTyping(false), 3000);
    if (tr.on !== on) {
      tr.on = on;
      send({ type: "typing", conversation_id: conv.id, on });
    }
  };
  useEffect(() => () => window.clearTimeout(typingRef.current.timer), []);

  // "/" at the start opens the canned-reply picker, filtered by what follows.
  const cannedQuery = mode === "reply" && text.startsWith("/") && !text.includes("\n") ? text.slice(1).toLowerCase() : null;
  const cannedMatches = useMemo(
    () =>
      cannedQuery === null
        ? []
        : props.canned.filter((c) => c.shortcut.toLowerCase().includes(cannedQuery) || c.title.toLowerCase().includes(cannedQuery)).slice(0, 8),
    [cannedQuery, props.canned],
  );

  const pickCanned = (c: Canned) => {
    // The chat's facts and variables, read when a reply is picked (no memo: nothing renders from them).
    const tplVars = {
      contact_name: conv.contact?.name || "",
      contact_phone: conv.contact?.phone || "",
      contact_email: conv.contact?.email || "",
      ref: conv.ref || "",
      channel: conv.channel?.kind || "",
      ...variables,
    };
    setText(renderTemplate(c.text, tplVars));
    setCannedIndex(0);
    inputRef.current?.focus();
  };

  const submit = () => {
    const body = text.trim();
    if (!body) return;
    if (mode === "reply") {
      if (!canReply) return;
      setTyping(false);
      send({ type: "reply", conversation_id: conv.id, text: body, client_id: clientId() });
    } else {
      send({ type: "note", conversation_id: conv.id, text: body, client_id: clientId() });
    }
    setText("");
  };

  const onKeyDown = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    if (cannedMatches.length) {
      if (e.key === "ArrowDown" || e.key === "ArrowUp") {
        e.preventDefault();
        const d = e.key === "ArrowDown" ? 1 : -1;
        setCannedIndex((i) => (i + d + cannedMatches.length) % cannedMatches.length);
        return;
      }
      if (e.key === "Enter" || e.key === "Tab") {
        e.preventDefault();
        pickCanned(cannedMatches[Math.min(cannedIndex, cannedMatches.length - 1)]);
        return;
      }
      if (e.key === "Escape") {
        setText("");
        return;
      }
    }
    if (e.key === "Enter" && !e.shiftKey) {
      e.preventDefault();
      submit();
    }
  };

  const handoff = conv.handoff || {};
  const reason = reasonText(t, handoff.reason);
  const handoffNode = handoff.node_id ? detail?.nodes.find((n) => n.id === handoff.node_id) : undefined;

  return (
    <>
      <main className="ib-chat" aria-label={contactName(conv, t)}>
        <div className="ib-chat-head">
          <div>
            <h1>{contactName(conv, t)}</h1>
            <div className="ib-chat-meta">
              <span className={`ib-mode ib-mode-${conv.mode}`}>{t(dynamicKey(`inbox.mode.${conv.mode}`))}</span>
              <span className="ib-chip">{props.deptName(conv.department)}</span>
              {conv.channel?.name && <span className="ib-muted">{conv.channel.name}</span>}
              {conv.mode === "queued" && <span className="ib-muted">{t("inbox.waiting", { time: since(conv.queued_at, props.now) })}</span>}
            </div>
          </div>
          <div className="ib-actions">
            {conv.mode === "queued" && (
              <button type="button" className="ib-btn ib-btn-primary" disabled={props.pendingClaim} onClick={props.onClaim}>
                {t("inbox.claim")}
              </button>
            )}
            {(isMine || conv.mode === "queued") && (
              <>
                <button type="button" className="ib-btn" onClick={() => setDialog("transfer")}>
                  {t("inbox.transfer")}
                </button>
                <button type="button" className="ib-btn" onClick={() => setDialog("return")}>
                  {t("inbox.returnToBot")}
                </button>
                <button type="button" className="ib-btn ib-btn-success" onClick={() => send({ type: "resolve", conversation_id: conv.id })}>
                  {t("inbox.resolve")}
                </button>
              </>
            )}
          </div>
        </div>
        <ol className="ib-msgs" ref={listRef} aria-live="polite" aria-label={t("inbox.messages")}>
          {messages.map((m) => (
            <MessageItem key={m.seq} m={m} t={t} />
          ))}
        </ol>
        <div className="ib-typing" aria-live="polite">
          {typing ? (typing.who === "customer" ? t("inbox.customerTyping") : t("inbox.typing", { name: typing.name })) : ""}
        </div>
        <div className={`ib-composer ${mode === "note" ? "ib-composer-note" : ""}`}>
          <div className="ib-composer-tabs" role="tablist">
            <button type="button" role="tab" aria-selected={mode === "reply"} className={mode === "reply" ? "on" : ""} onClick={() => setMode("reply")}>
              {t("inbox.reply")}
            </button>
            <button type="button" role="tab" aria-selected={mode === "note"} className={mode === "note" ? "on" : ""} onClick={() => setMode("note")}>
              <LockIcon /> {t("inbox.note")}
            </button>
            {mode === "reply" && !canReply && <span className="ib-muted ib-hint">{closed ? t("inbox.closedNotice") : t("inbox.readOnly")}</span>}
          </div>
          {cannedMatches.length > 0 && (
            <ul className="ib-canned" role="listbox" aria-label="Canned replies">
              {cannedMatches.map((c, i) => (
                <li key={c.shortcut} role="option" aria-selected={i === cannedIndex} className={i === cannedIndex ? "on" : ""} onMouseDown={(e) => { e.preventDefault(); pickCanned(c); }}>
                  <strong>/{c.shortcut}</strong> <span>{c.title}</span>
                  <small>{c.text}</small>
                </li>
              ))}
            </ul>
          )}
          {cannedQuery !== null && cannedMatches.length === 0 && <div className="ib-canned ib-canned-empty">{t("inbox.cannedEmpty")}</div>}
          <div className="ib-composer-row">
            <textarea
              ref={inputRef}
              rows={2}
              value={text}
              disabled={mode === "reply" && !canReply}
              aria-label={mode === "reply" ? t("inbox.reply") : t("inbox.note")}
              placeholder={mode === "reply" ? t("inbox.replyPlaceholder") : t("inbox.notePlaceholder")}
              onChange={(e) => {
                setText(e.target.value);
                setCannedIndex(0);
                if (mode === "reply" && canReply) setTyping(e.target.value.length > 0);
              }}
              onKeyDown={onKeyDown}
            />
            <button type="button" className="ib-btn ib-btn-primary" disabled={!text.trim() || (mode === "reply" && !canReply)} onClick={submit}>
              {mode === "reply" ? t("inbox.send") : t("inbox.addNote")}
            </button>
          </div>
        </div>
      </main>
      <aside className="ib-details" aria-label={t("inbox.details")}>
        <h2>{t("inbox.contact")}</h2>
        <dl>
          <ContactRows conv={conv} t={t} />
          <dt>{t("inbox.channel")}</dt>
          <dd>{conv.channel ? `${conv.channel.name} (${isInboxKey(`inbox.kind.${conv.channel.kind}`) ? t(dynamicKey(`inbox.kind.${conv.channel.kind}`)) : conv.channel.kind})` : "—"}</dd>
          <dt>{t("inbox.ref")}</dt>
          <dd>{conv.ref || handoff.ref || "—"}</dd>
        </dl>
        <h2>{t("inbox.handoff")}</h2>
        <dl data-testid="handoff">
          <dt>{t("inbox.reason")}</dt>
          <dd>{reason}</dd>
          <dt>{t("inbox.node")}</dt>
          <dd>
            {handoff.node_id ? <span className="ib-node-label">{nodeTitle(t, handoffNode)}</span> : "—"}
          </dd>
          {handoff.note && (
            <>
              <dt>{t("inbox.handoffNote")}</dt>
              <dd>{handoff.note}</dd>
            </>
          )}
        </dl>
        <h2>{t("inbox.variables")}</h2>
        <VariablesTable variables={variables} t={t} testId="variables" />
      </aside>
      {dialog === "transfer" && (
        <TransferDialog
          departments={props.departments}
          operators={props.operators.filter((o) => o.user_id !== me)}
          onClose={() => setDialog(null)}
          onSubmit={(target, note) => {
            send({ type: "transfer", conversation_id: conv.id, ...target, note });
            setDialog(null);
          }}
        />
      )}
      {dialog === "return" && (
        <ReturnDialog
          nodes={detail?.nodes || []}
          nodesUrl={props.nodesUrl}
          onNodes={props.onNodes}
          onClose={() => setDialog(null)}
          onSubmit={(node_id) => {
            send({ type: "return_to_bot", conversation_id: conv.id, node_id });
            setDialog(null);
          }}
        />
      )}
    </>
  );
}

function Dialog({ title, onClose, children }: { title: string; onClose: () => void; children: ReactNode }) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const prev = document.activeElement as HTMLElement | null;
    ref.current?.querySelector<HTMLElement>("select, input, textarea, button")?.focus();
    return () => prev?.focus();
  }, []);
  return (
    <div className="ib-overlay" onMouseDown={(e) => e.target === e.currentTarget && onClose()}>
      <div className="ib-dialog" role="dialog" aria-modal="true" aria-label={title} ref={ref} onKeyDown={(e) => e.key === "Escape" && onClose()}>
        <h2>{title}</h2>
        {children}
      </div>
    </div>
  );
}

function TransferDialog({
  departments,
  operators,
  onClose,
  onSubmit,
}: {
  departments: Department[];
  operators: Operator[];
  onClose: () => void;
  onSubmit: (target: { department?: string; operator?: number }, note: string) => void;
}) {
  const { t } = useI18n();
  const [target, setTarget] = useState(departments[0] ? `d:${departments[0].slug}` : operators[0] ? `o:${operators[0].user_id}` : "");
  const [note, setNote] = useState("");
  return (
    <Dialog title={t("inbox.transfer")} onClose={onClose}>
      <label className="ib-field">
        <span>
          {t("inbox.department")} / {t("inbox.operator")}
        </span>
        <select value={target} onChange={(e) => setTarget(e.target.value)}>
          <optgroup label={t("inbox.department")}>
            {departments.map((d) => (
              <option key={d.slug} value={`d:${d.slug}`}>
                {d.name}
              </option>
            ))}
          </optgroup>
          <optgroup label={t("inbox.operator")}>
            {operators.map((o) => (
              <option key={o.user_id} value={`o:${o.user_id}`}>
                {o.name} ({t(dynamicKey(`inbox.presence.${o.presence}`))})
              </option>
            ))}
          </optgroup>
        </select>
      </label>
      <label className="ib-field">
        <span>{t("inbox.transferNote")}</span>
        <textarea rows={3} value={note} onChange={(e) => setNote(e.target.value)} />
      </label>
      <div className="ib-dialog-actions">
        <button type="button" className="ib-btn" onClick={onClose}>
          {t("common.cancel")}
        </button>
        <button
          type="button"
          className="ib-btn ib-btn-primary"
          disabled={!target}
          onClick={() => onSubmit(target.startsWith("d:") ? { department: target.slice(2) } : { operator: Number(target.slice(2)) }, note.trim())}
        >
          {t("inbox.transfer")}
        </button>
      </div>
    </Dialog>
  );
}

function ReturnDialog({
  nodes,
  nodesUrl,
  onNodes,
  onClose,
  onSubmit,
}: {
  nodes: NodeRef[];
  nodesUrl: string;
  onNodes: (nodes: NodeRef[]) => void;
  onClose: () => void;
  onSubmit: (nodeId: string) => void;
}) {
  const { t } = useI18n();
  const [loading, setLoading] = useState(nodes.length === 0);
  const [picked, setChoice] = useState("");
  // Until the operator picks, the rating step (or else the first one) is preselected.
  const choice = picked || (nodes.find((n) => n.type === "rating") || nodes[0])?.id || "";
  // Fetched once when the dialog opens without the chat's steps.
  const fetchNodes = useEffectEvent(() => {
    if (nodes.length) return;
    api
      .get<{ nodes: NodeRef[] }>(nodesUrl)
      .then((r) => onNodes(r.nodes || []))
      .catch(() => onNodes([]))
      .finally(() => setLoading(false));
  });
  useEffect(() => fetchNodes(), []);
  return (
    <Dialog title={t("inbox.returnToBot")} onClose={onClose}>
      {loading ? (
        <p>{t("common.loading")}</p>
      ) : nodes.length === 0 ? (
        <p>{t("inbox.noNodes")}</p>
      ) : (
        <label className="ib-field">
          <span>{t("inbox.chooseNode")}</span>
          <select value={choice} onChange={(e) => setChoice(e.target.value)} data-testid="return-node">
            {nodes.map((n) => (
              <option key={n.id} value={n.id}>
                {nodeTitle(t, n)}
              </option>
            ))}
          </select>
        </label>
      )}
      <div className="ib-dialog-actions">
        <button type="button" className="ib-btn" onClick={onClose}>
          {t("common.cancel")}
        </button>
        <button type="button" className="ib-btn ib-btn-primary" disabled={!choice} onClick={() => onSubmit(choice)}>
          {t("inbox.returnToBot")}
        </button>
      </div>
    </Dialog>
  );
}
