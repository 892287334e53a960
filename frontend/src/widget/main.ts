// The embeddable chat widget: <script src="https://HOST/static/widget.js" data-key="KEY" async></script>
// Plain DOM, no framework (budget: 15 KB gzipped). Every piece of user or server text is set with
// textContent, never innerHTML, so a message can never inject markup into the host page.

import { Connection, REFUSALS, type ServerFrame } from "./connection";
import { pickStrings } from "./i18n";
import { css } from "./styles";

interface Button {
  id: string;
  label: string;
}
interface Media {
  kind?: string;
  url?: string;
  caption?: string;
  name?: string;
}
interface WireMessage {
  seq: number;
  sender: string;
  text?: string;
  operator?: string | null;
  client_id?: string | null;
  buttons?: Button[];
  media?: Media | null;
  payload?: { buttons?: Button[]; media?: Media | null; note?: boolean };
  event?: string; // a system event ("operator_joined", "resolved"), worded here in the visitor's language
  event_operator?: string | null;
}
interface WidgetConfig {
  title?: string;
  subtitle?: string;
  color?: string;
  text_color?: string;
  position?: string;
}

const OPERATOR = "__operator__";
const S = pickStrings(navigator.language);

function h<K extends keyof HTMLElementTagNameMap>(tag: K, cls?: string, text?: string): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  if (cls) el.className = cls;
  if (text) el.textContent = text;
  return el;
}

function safeUrl(url: string | undefined): string | null {
  if (!url) return null;
  try {
    const u = new URL(url, location.href);
    return u.protocol === "https:" || u.protocol === "http:" ? u.href : null;
  } catch {
    return null;
  }
}

function cid(): string {
  return Date.now().toString(36) + Math.random().toString(36).slice(2, 10);
}

function colour(value: string | undefined, fallback: string): string {
  // Only plain colour values: the setting ends up in a CSS custom property.
  return value && /^(#[0-9a-fA-F]{3,8}|rgba?\([\d\s.,%]+\)|[a-zA-Z]{3,20})$/.test(value) ? value : fallback;
}

function boot(script: HTMLScriptElement): void {
  const key = script.dataset.key;
  if (!key) return;
  const origin = new URL(script.src, location.href);
  const http = origin.origin;
  const wsUrl = `${origin.protocol === "https:" ? "wss" : "ws"}://${origin.host}/ws/widget/${encodeURIComponent(key)}/`;
  const ref = new URLSearchParams(location.search).get("ref") || script.dataset.ref || "";

  const host = h("div");
  host.setAttribute("data-botflow-widget", key);
  const root = host.attachShadow({ mode: "open" });
  const wrap = h("div", "wrap");
  const style = h("style");
  style.textContent = css;
  root.append(style, wrap);

  // Launcher
  const launcher = h("button", "launcher");
  launcher.type = "button";
  launcher.setAttribute("aria-label", S.open);
  launcher.setAttribute("aria-expanded", "false");
  const svgNs = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(svgNs, "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("aria-hidden", "true");
  const path = document.createElementNS(svgNs, "path");
  path.setAttribute("d", "M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H8l-5 4V5a2 2 0 0 1 2-2z");
  svg.append(path);
  const badge = h("span", "badge");
  badge.hidden = true;
  launcher.append(svg, badge);

  // Panel
  const panel = h("div", "panel");
  panel.hidden = true;
  panel.id = "bf-panel";
  panel.setAttribute("role", "dialog");
  panel.setAttribute("aria-modal", "false");
  launcher.setAttribute("aria-controls", "bf-panel");
  const header = h("header");
  const av = h("div", "av", "");
  av.setAttribute("aria-hidden", "true");
  const title = h("h2", "", S.title);
  title.id = "bf-title";
  panel.setAttribute("aria-labelledby", "bf-title");
  const subtitle = h("small");
  const titleBox = h("div");
  titleBox.style.flex = "1";
  titleBox.append(title, subtitle);
  const closeBtn = h("button", "close", "×");
  closeBtn.type = "button";
  closeBtn.setAttribute("aria-label", S.close);
  header.append(av, titleBox, closeBtn);

  const log = h("div", "log");
  log.setAttribute("role", "log");
  log.setAttribute("aria-live", "polite");
  log.setAttribute("aria-label", S.messages);
  log.tabIndex = 0;
  const typing = h("div", "typing", S.typing);
  typing.hidden = true;
  typing.setAttribute("aria-live", "polite");
  const status = h("div", "status");
  status.hidden = true;
  status.setAttribute("role", "status");

  const footer = h("footer");
  const form = h("form", "row");
  const input = h("textarea");
  input.rows = 1;
  input.placeholder = S.placeholder;
  input.setAttribute("aria-label", S.placeholder);
  input.maxLength = 4096;
  const send = h("button", "send", S.send);
  send.type = "submit";
  form.append(input, send);
  const opBtn = h("button", "op", S.operator);
  opBtn.type = "button";
  footer.append(form, opBtn);
  panel.append(header, log, typing, status, footer);
  wrap.append(panel, launcher);

  // State
  const seen = new Set<number>();
  const pending: { id: string; text: string; el: HTMLElement; keep?: boolean }[] = [];
  let unread = 0;
  let lastButtons: HTMLElement | null = null;
  let typingTimer = 0;
  let queueText = "";
  let offline = false;
  let refused = false; // the server will never serve this page (see Connection.onRefused)
  // The conversation on screen; a `session` frame for another one means the customer wrote after the last
  // one was closed and the server started a new conversation on this socket (seqs start again at 1).
  let conversationId = "";

  let config: WidgetConfig = {};
  function applyConfig(cfg: WidgetConfig): void {
    config = cfg;
    wrap.style.setProperty("--c", colour(cfg.color, "#2563eb"));
    wrap.style.setProperty("--t", colour(cfg.text_color, "#ffffff"));
    if (cfg.title) title.textContent = cfg.title;
    subtitle.textContent = cfg.subtitle || "";
    av.textContent = (title.textContent || "?").trim().charAt(0).toUpperCase();
    wrap.classList.toggle("left", cfg.position === "left");
  }
  applyConfig({});

  function renderStatus(): void {
    const text = refused ? S.unavailable : offline ? S.reconnecting : queueText;
    status.textContent = text;
    status.hidden = !text;
  }

  function scroll(): void {
    log.scrollTop = log.scrollHeight;
  }

  function system(text: string): void {
    log.append(h("div", "sys", text));
    scroll();
  }

  function bubble(sender: string, text: string, media?: Media | null, who?: string): HTMLElement {
    const el = h("div", "msg " + (sender === "customer" ? "customer" : sender === "operator" ? "operator" : "bot"));
    if (who) el.append(h("span", "who", who));
    const url = safeUrl(media?.url);
    if (media && url) {
      if (media.kind === "image") {
        const img = h("img");
        img.src = url;
        img.alt = media.caption || "";
        img.loading = "lazy";
        el.append(img);
      } else {
        const a = h("a", "", media.caption || media.name || S.file);
        a.href = url;
        a.target = "_blank";
        a.rel = "noopener noreferrer";
        el.append(a);
      }
      if (media.caption && media.kind === "image") el.append(h("div", "", media.caption));
    }
    if (text) el.append(document.createTextNode(text));
    log.append(el);
    scroll();
    return el;
  }

  function disableButtons(): void {
    lastButtons?.querySelectorAll("button").forEach((b) => (b.disabled = true));
    lastButtons = null;
  }

  function press(b: Button): void {
    if (b.id !== OPERATOR) disableButtons();
    const id = cid();
    const el = bubble("customer", b.label);
    el.classList.add("pending");
    // The footer's "call operator" keeps the label the visitor clicked (in their language); the server
    // stores the scenario's label for the transcript.
    pending.push({ id, text: b.label, el, keep: b.id === OPERATOR });
    conn.send({ type: "button", button_id: b.id, client_id: id });
  }

  function renderButtons(buttons: Button[]): void {
    disableButtons();
    // The always-visible footer button already offers the operator; no duplicate chip.
    const list = buttons.filter((b) => b && b.id !== OPERATOR);
    if (!list.length) return;
    const row = h("div", "btns");
    row.setAttribute("role", "group");
    for (const b of list) {
      const btn = h("button", "", b.label);
      btn.type = "button";
      btn.addEventListener("click", () => press(b));
      row.append(btn);
    }
    log.append(row);
    lastButtons = row;
    scroll();
  }

  function onMessage(m: WireMessage): void {
    if (typeof m.seq !== "number" || seen.has(m.seq)) return;
    if (m.payload?.note) return; // private notes never reach the customer; defensive only
    seen.add(m.seq);
    conn.seen(m.seq);
    const text = m.text || "";
    if (m.sender === "customer") {
      // Our own message echoed with its seq: matched by client_id, it confirms the optimistic bubble.
      const i = pending.findIndex((p) => p.id === m.client_id);
      if (i >= 0) {
        const p = pending.splice(i, 1)[0];
        p.el.classList.remove("pending");
        if (text && p.text !== text && !p.keep) p.el.textContent = text;
        return;
      }
    }
    if (m.sender === "system") {
      // Events the server stores in English are worded in the visitor's language; other texts as stored.
      if (m.event === "operator_joined" && m.event_operator) system(S.joined(m.event_operator));
      else if (m.event === "resolved") system(S.resolved);
      else system(text);
      return;
    }
    if (m.sender === "operator") typing.hidden = true;
    bubble(m.sender, text, m.media || m.payload?.media, m.sender === "operator" ? m.operator || "" : "");
    if (m.sender !== "customer") {
      renderButtons(m.buttons || m.payload?.buttons || []);
      if (!panel.hidden) conn.markRead();
      else if (m.seq > conn.readSeq) {
        unread++;
        badge.textContent = String(unread);
        badge.hidden = false;
        launcher.setAttribute("aria-label", `${S.open} (${S.unread(unread)})`);
      }
    }
  }

  function onFrame(f: ServerFrame): void {
    switch (f.type) {
      case "session": {
        const id = String(f.conversation_id || "");
        if (conversationId && id && id !== conversationId) {
          seen.clear();
          conn.switched();
          disableButtons();
        }
        if (id) conversationId = id;
        conn.setToken(String(f.token || ""));
        const cfg = f.widget || f.config;
        if (cfg && typeof cfg === "object") applyConfig({ ...config, ...(cfg as WidgetConfig) });
        if (f.mode !== "queued") queueText = "";
        renderStatus();
        break;
      }
      case "message":
        onMessage((f.message || f) as WireMessage);
        break;
      case "messages":
        ((f.messages as WireMessage[]) || []).forEach(onMessage);
        break;
      case "typing":
        if (f.who === "customer" || f.sender === "customer") break;
        typing.hidden = !f.on;
        clearTimeout(typingTimer);
        if (f.on) typingTimer = window.setTimeout(() => (typing.hidden = true), 6000);
        break;
      case "queue": {
        const pos = Number(f.position) || 0;
        const wait = Number(f.expected_wait_seconds);
        queueText = pos > 0 ? S.queue(pos) + (isFinite(wait) && f.expected_wait_seconds != null ? " · " + S.wait(Math.round(wait / 60)) : "") : "";
        renderStatus();
        break;
      }
      // The server also stores "X joined the chat" as a system message, so these only update state.
      case "operator_joined":
        queueText = "";
        renderStatus();
        break;
      case "operator_left":
        typing.hidden = true;
        break;
      case "closed":
        queueText = "";
        typing.hidden = true;
        renderStatus();
        break;
      case "error": {
        const code = String(f.code || "");
        if (REFUSALS.includes(code)) break; // for the site owner (console), not the visitor
        if (code === "unavailable") break; // live updates are down: closed with 4503, the status says "Reconnecting…"
        if (/token/.test(code)) {
          // A forged or expired resume token: start over with a fresh conversation.
          conn.reset();
          seen.clear();
          conn.restart();
        } else {
          // A refused message (rate limit, too long, …) stays visible, marked, with the reason below it.
          const i = pending.findIndex((p) => p.id === f.client_id);
          if (i >= 0) pending.splice(i, 1)[0].el.classList.replace("pending", "failed");
          system(code === "rate_limited" ? S.rateLimited : String(f.message || S.error));
        }
        break;
      }
    }
  }

  const conn = new Connection({
    url: wsUrl,
    storageKey: "botflow:" + key,
    ref,
    onFrame,
    onStatus: (online) => {
      offline = !online;
      renderStatus();
    },
    onRefused: () => {
      refused = true;
      input.disabled = send.disabled = opBtn.disabled = true;
      renderStatus();
    },
  });

  function open(): void {
    panel.hidden = false;
    wrap.classList.add("open");
    launcher.setAttribute("aria-expanded", "true");
    launcher.setAttribute("aria-label", S.close);
    unread = 0;
    badge.hidden = true;
    conn.markRead();
    conn.connect();
    input.focus();
    scroll();
  }

  function close(): void {
    panel.hidden = true;
    wrap.classList.remove("open");
    launcher.setAttribute("aria-expanded", "false");
    launcher.setAttribute("aria-label", S.open);
    launcher.focus();
  }

  launcher.addEventListener("click", () => (panel.hidden ? open() : close()));
  closeBtn.addEventListener("click", close);
  panel.addEventListener("keydown", (e) => {
    if (e.key === "Escape") {
      e.stopPropagation();
      close();
    }
  });

  let typingOn = false;
  let typingIdle = 0;
  function setTyping(on: boolean): void {
    if (on !== typingOn) {
      typingOn = on;
      conn.send({ type: "typing", on });
    }
  }

  function submit(): void {
    const text = input.value.trim();
    if (!text) return;
    input.value = "";
    setTyping(false);
    const id = cid();
    const el = bubble("customer", text);
    el.classList.add("pending");
    pending.push({ id, text, el });
    conn.send({ type: "message", text, client_id: id });
    input.focus();
  }

  form.addEventListener("submit", (e) => {
    e.preventDefault();
    submit();
  });
  input.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.shiftKey) {
      e.preventDefault();
      submit();
    }
  });
  input.addEventListener("input", () => {
    setTyping(input.value.length > 0);
    clearTimeout(typingIdle);
    typingIdle = window.setTimeout(() => setTyping(false), 3000);
  });
  opBtn.addEventListener("click", () => press({ id: OPERATOR, label: S.operator }));

  document.body.append(host);

  fetch(`${http}/api/widget/${encodeURIComponent(key)}/config`)
    .then((r) => (r.ok ? r.json() : {}))
    .then((cfg: WidgetConfig) => {
      applyConfig({ ...cfg, ...config });
      if (cfg.title) panel.setAttribute("aria-label", cfg.title);
    })
    .catch(() => undefined);

  // A returning visitor with a live conversation reconnects at once, so operator replies are not missed.
  if (conn.hasSession) conn.connect();
}

function start(): void {
  const script =
    (document.currentScript as HTMLScriptElement | null) ||
    document.querySelector<HTMLScriptElement>('script[src*="widget"][data-key]');
  if (!script) return;
  const go = () => boot(script);
  if (document.body) go();
  else document.addEventListener("DOMContentLoaded", go);
}

start();
