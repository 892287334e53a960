import { useCallback, useEffect, useLayoutEffect, useMemo, useReducer, useRef, useState } from "react";
import type { Bootstrap } from "../shared/bootstrap";
import { LanguageSwitcher } from "../shared/i18n";
import { dynamicKey, useI18n, type T } from "./i18n";
import { askNotifications, chime, desktopNotify, notificationsAllowed, notificationsSupported, unlockAudio } from "./notify";
import { InboxSocket, type Frame } from "./socket";
import { initialState, reducer, resyncFrames, type Canned, type Conv, type Department } from "./store";
import { ChatView } from "./ChatView";
import { History } from "./History";
import { contactName, since } from "./util";
import { BellIcon, ChatIcon } from "./icons";

export interface InboxBootstrap extends Bootstrap {
  workspace_name?: string;
  departments?: Department[];
  canned?: Canned[];
}

function useNow(intervalMs: number): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const id = window.setInterval(() => setNow(Date.now()), intervalMs);
    return () => window.clearInterval(id);
  }, [intervalMs]);
  return now;
}

export function App({ boot }: { boot: InboxBootstrap }) {
  const { t } = useI18n();
  const [state, dispatch] = useReducer(reducer, boot.user.id, (me: number) => ({
    ...initialState(me),
    departments: boot.departments || [],
    canned: boot.canned || [],
  }));
  // The socket handler lives for the page; it reads the latest state and language through these refs
  // (updated after each render, before any frame can be handled).
  const stateRef = useRef(state);
  const tRef = useRef(t);
  useLayoutEffect(() => {
    stateRef.current = state;
    tRef.current = t;
  }, [state, t]);
  const [deptFilter, setDeptFilter] = useState<string>("all");
  const [view, setView] = useState<"chats" | "history">("chats");
  const [notifOk, setNotifOk] = useState(notificationsAllowed());
  const now = useNow(15000);
  const socketRef = useRef<InboxSocket | null>(null);

  const send = useCallback((frame: Frame) => socketRef.current?.send(frame), []);

  const select = useCallback(
    (id: string | null) => {
      dispatch({ kind: "select", id });
      if (id) send({ type: "open", conversation_id: id });
    },
    [send],
  );

  useEffect(() => {
    const onFrame = (frame: Frame) => {
      const s = stateRef.current;
      const t = tRef.current;
      if (frame.type === "queued" && frame.conversation?.id && !s.queue[String(frame.conversation.id)]) {
        const conv = frame.conversation as Conv;
        chime();
        const department = s.departments.find((d) => d.slug === conv.department)?.name || conv.department || t("inbox.noDepartment");
        desktopNotify(t("inbox.newChat"), t("inbox.newChatBody", { name: contactName(conv, t), department }), () =>
          select(String(conv.id)),
        );
      }
      if (frame.type === "claimed" && frame.auto && frame.operator?.id === s.me) {
        const conv = frame.conversation as Conv | undefined;
        chime();
        desktopNotify(t("inbox.assigned"), contactName(conv, t), () => select(String(frame.conversation_id)));
      }
      if (frame.type === "message" && frame.message?.sender === "customer" && document.hidden) chime();
      dispatch({ kind: "frame", frame, visible: !document.hidden });
    };
    let wasOffline = false;
    const socket = new InboxSocket(boot.urls.socket || `/ws/inbox/?workspace=${encodeURIComponent(boot.workspace)}`, onFrame, (status) => {
      dispatch({ kind: "status", status });
      if (status === "offline") wasOffline = true;
      if (status === "online" && wasOffline) {
        wasOffline = false;
        // The snapshot comes by itself; re-open the chat on screen to replay what we missed.
        for (const frame of resyncFrames(stateRef.current)) socket.send(frame);
      }
    });
    socketRef.current = socket;
    socket.start();
    return () => socket.stop();
  }, [boot.urls.socket, boot.workspace, select]); // fixed for the page's life: one socket

  // The chat on screen changed on the server in ways frames do not carry (variables, rating, the mode the bot
  // left it in, after a return to the bot or a resolve): read it afresh, once things settle.
  const activeStale = state.activeId ? !!state.details[state.activeId]?.stale : false;
  useEffect(() => {
    const id = state.activeId;
    if (!activeStale || !id) return;
    const timer = window.setTimeout(() => send({ type: "open", conversation_id: id }), 300);
    return () => window.clearTimeout(timer);
  }, [activeStale, state.activeId, send]);

  // Typing indicators expire on their own if the "off" frame was lost.
  useEffect(() => {
    const ids = Object.keys(state.typing).filter((id) => state.typing[id]);
    if (!ids.length) return;
    const timer = window.setTimeout(() => ids.forEach((id) => dispatch({ kind: "typingTimeout", id })), 8000);
    return () => window.clearTimeout(timer);
  }, [state.typing]);

  // Clear the unread count when the operator comes back to the tab.
  useEffect(() => {
    const onVisible = () => {
      if (!document.hidden && stateRef.current.activeId) dispatch({ kind: "select", id: stateRef.current.activeId });
    };
    document.addEventListener("visibilitychange", onVisible);
    return () => document.removeEventListener("visibilitychange", onVisible);
  }, []);

  const totalUnread = Object.values(state.unread).reduce((a, b) => a + (b || 0), 0);
  useEffect(() => {
    const base = `${t("inbox.title")} · ${boot.workspace_name || boot.workspace}`;
    document.title = totalUnread ? `(${totalUnread}) ${base}` : base;
  }, [totalUnread, t, boot.workspace, boot.workspace_name]);

  const queue = useMemo(
    () => Object.values(state.queue).sort((a, b) => Date.parse(a.queued_at || "") - Date.parse(b.queued_at || "")),
    [state.queue],
  );
  const counts = useMemo(() => {
    const c: Record<string, number> = {};
    for (const q of queue) c[q.department || ""] = (c[q.department || ""] || 0) + 1;
    return c;
  }, [queue]);
  const visibleQueue = deptFilter === "all" ? queue : queue.filter((q) => (q.department || "") === deptFilter);
  const mine = useMemo(
    () => Object.values(state.mine).sort((a, b) => Date.parse(b.last_message_at || b.assigned_at || "") - Date.parse(a.last_message_at || a.assigned_at || "")),
    [state.mine],
  );
  const deptName = (slug: string | null | undefined) =>
    slug ? state.departments.find((d) => d.slug === slug)?.name || slug : t("inbox.noDepartment");

  // The socket handles frames in order, so the open that follows the claim already sees the live chat.
  const claim = (id: string) => {
    dispatch({ kind: "claiming", id });
    dispatch({ kind: "select", id });
    send({ type: "claim", conversation_id: id });
    send({ type: "open", conversation_id: id });
  };

  const active = state.activeId ? state.details[state.activeId] : undefined;
  const activeConv = active?.conv || (state.activeId ? state.queue[state.activeId] || state.mine[state.activeId] : undefined);

  return (
    <div className="ib" onClickCapture={unlockAudio}>
      <header className="ib-top">
        <div className="ib-brand">
          <span className="ib-logo" aria-hidden="true">
            b
          </span>
          <strong>{t("inbox.title")}</strong>
          <span className="ib-ws">{boot.workspace_name || boot.workspace}</span>
        </div>
        <ConnectionBadge status={state.status} t={t} />
        <nav className="ib-views" role="tablist" aria-label={t("inbox.title")}>
          <button type="button" role="tab" aria-selected={view === "chats"} className={view === "chats" ? "on" : ""} onClick={() => setView("chats")}>
            {t("inbox.chats")}
          </button>
          <button type="button" role="tab" aria-selected={view === "history"} className={view === "history" ? "on" : ""} onClick={() => setView("history")}>
            {t("inbox.history")}
          </button>
        </nav>
        <div className="ib-top-right">
          {notificationsSupported() && !notifOk && (
            <button type="button" className="ib-btn ib-btn-ghost" onClick={async () => setNotifOk(await askNotifications())}>
              <BellIcon /> {t("inbox.notifications")}
            </button>
          )}
          <label className="ib-presence">
            <span className={`ib-dot ib-dot-${state.presence}`} aria-hidden="true" />
            <span className="ib-sr">{t("inbox.presence")}</span>
            <select
              aria-label={t("inbox.presence")}
              value={state.presence}
              onChange={(e) => send({ type: "set_presence", presence: e.target.value })}
            >
              {["online", "away", "offline"].map((p) => (
                <option key={p} value={p}>
                  {t(dynamicKey(`inbox.presence.${p}`))}
                </option>
              ))}
            </select>
          </label>
          <LanguageSwitcher className="ib-lang" />
          <a className="ib-link" href={boot.urls.editor || "/"}>
            {t("common.editor")}
          </a>
          <span className="ib-user">{boot.user.username}</span>
          <form method="post" action={boot.urls.logout || "/logout/"} className="ib-logout">
            <input type="hidden" name="csrfmiddlewaretoken" value={boot.csrf_token} />
            <button type="submit" className="ib-btn ib-btn-ghost">
              {t("common.logout")}
            </button>
          </form>
        </div>
      </header>
      {state.error && (
        <div className="ib-error" role="alert">
          <span>{state.error}</span>
          <button type="button" aria-label={t("common.close")} onClick={() => dispatch({ kind: "dismissError" })}>
            ×
          </button>
        </div>
      )}
      {view === "history" ? (
        <History workspace={boot.workspace} departments={state.departments} deptName={deptName} />
      ) : (
      <div className="ib-main">
        <aside className="ib-side" aria-label={t("inbox.queue")}>
          <section className="ib-section" data-testid="queue">
            <h2>
              {t("inbox.queue")} <span className="ib-count">{queue.length}</span>
            </h2>
            <div className="ib-tabs" role="tablist" aria-label={t("inbox.department")}>
              <button type="button" role="tab" aria-selected={deptFilter === "all"} className={deptFilter === "all" ? "on" : ""} onClick={() => setDeptFilter("all")}>
                {t("inbox.allDepartments")} <span>{queue.length}</span>
              </button>
              {state.departments.map((d) => (
                <button
                  type="button"
                  role="tab"
                  key={d.slug}
                  aria-selected={deptFilter === d.slug}
                  className={deptFilter === d.slug ? "on" : ""}
                  onClick={() => setDeptFilter(d.slug)}
                >
                  {d.name} <span>{counts[d.slug] || 0}</span>
                </button>
              ))}
            </div>
            <ul className="ib-list">
              {visibleQueue.length === 0 && <li className="ib-empty">{t("inbox.queueEmpty")}</li>}
              {visibleQueue.map((c) => (
                <li key={c.id} className={`ib-item ${state.activeId === c.id ? "active" : ""}`} data-conversation={c.id}>
                  <button type="button" className="ib-item-main" onClick={() => select(c.id)}>
                    <span className="ib-avatar" aria-hidden="true">
                      {contactName(c, t).charAt(0).toUpperCase()}
                    </span>
                    <span className="ib-item-text">
                      <span className="ib-item-name">{contactName(c, t)}</span>
                      <span className="ib-item-sub">
                        <span className="ib-chip">{deptName(c.department)}</span> {t("inbox.waiting", { time: since(c.queued_at, now) })}
                      </span>
                      {c.preview && <span className="ib-item-preview">{c.preview}</span>}
                    </span>
                  </button>
                  <button type="button" className="ib-btn ib-btn-primary ib-claim" disabled={state.pendingClaim === c.id} onClick={() => claim(c.id)}>
                    {t("inbox.claim")}
                  </button>
                </li>
              ))}
            </ul>
          </section>
          <section className="ib-section" data-testid="mine">
            <h2>
              {t("inbox.mine")} <span className="ib-count">{mine.length}</span>
            </h2>
            <ul className="ib-list">
              {mine.length === 0 && <li className="ib-empty">{t("inbox.mineEmpty")}</li>}
              {mine.map((c) => (
                <li key={c.id} className={`ib-item ${state.activeId === c.id ? "active" : ""}`} data-conversation={c.id}>
                  <button type="button" className="ib-item-main" onClick={() => select(c.id)}>
                    <span className="ib-avatar ib-avatar-live" aria-hidden="true">
                      {contactName(c, t).charAt(0).toUpperCase()}
                    </span>
                    <span className="ib-item-text">
                      <span className="ib-item-name">{contactName(c, t)}</span>
                      <span className="ib-item-sub">
                        <span className="ib-chip">{deptName(c.department)}</span> {c.channel?.name}
                      </span>
                      {c.preview && <span className="ib-item-preview">{c.preview}</span>}
                    </span>
                    {state.unread[c.id] ? (
                      <span className="ib-unread" aria-label={t("inbox.unread", { n: state.unread[c.id] || 0 })}>
                        {state.unread[c.id]}
                      </span>
                    ) : null}
                  </button>
                </li>
              ))}
            </ul>
          </section>
          <section className="ib-section ib-team">
            <h2>{t("inbox.operatorsOnline")}</h2>
            <ul>
              {state.operators.map((o) => (
                <li key={o.user_id}>
                  <span className={`ib-dot ib-dot-${o.presence}`} aria-hidden="true" /> {o.name}
                  <span className="ib-muted"> · {t(dynamicKey(`inbox.presence.${o.presence}`))}</span>
                </li>
              ))}
            </ul>
          </section>
        </aside>
        {activeConv ? (
          <ChatView
            key={activeConv.id}
            conv={activeConv}
            detail={active}
            me={state.me}
            typing={state.typing[activeConv.id]}
            departments={state.departments}
            operators={state.operators}
            canned={state.canned}
            pendingClaim={state.pendingClaim === activeConv.id}
            nodesUrl={(boot.urls.nodes || "/inbox/conversations/{id}/nodes").replace("{id}", encodeURIComponent(activeConv.id))}
            onNodes={(nodes) => dispatch({ kind: "nodes", id: activeConv.id, nodes })}
            send={send}
            onClaim={() => claim(activeConv.id)}
            deptName={deptName}
            now={now}
          />
        ) : (
          <main className="ib-placeholder">
            <div>
              <div className="ib-placeholder-icon">
                <ChatIcon />
              </div>
              <p>{t("inbox.selectChat")}</p>
            </div>
          </main>
        )}
      </div>
      )}
    </div>
  );
}

function ConnectionBadge({ status, t }: { status: string; t: T }) {
  const label = status === "online" ? t("inbox.online") : status === "offline" ? t("inbox.offline") : t("inbox.connecting");
  return (
    <span className={`ib-conn ib-conn-${status}`} role="status" data-status={status}>
      <span className="ib-dot" aria-hidden="true" /> {label}
    </span>
  );
}
