// The widget's websocket: resume token + last seen seq kept in localStorage, reconnect with backoff.
// The server replays every message after `last_seq` from the database, so a dropped connection or a
// server restart loses nothing; the UI dedupes by seq.

export interface ServerFrame {
  type: string;
  [key: string]: unknown;
}

export interface ConnectionOptions {
  url: string; // ws(s)://host/ws/widget/<key>/
  storageKey: string;
  ref: string;
  onFrame: (frame: ServerFrame) => void;
  onStatus: (online: boolean) => void;
  /** The server refused this page for good (4403: not allowed on this site, unknown or disabled widget). */
  onRefused?: (reason: string) => void;
}

interface Saved {
  token?: string;
  seq?: number;
}

function load(key: string): Saved {
  try {
    return JSON.parse(localStorage.getItem(key) || "{}") as Saved;
  } catch {
    return {};
  }
}

/** Error codes the server sends just before closing with 4403: this page will never be served. */
export const REFUSALS = ["origin_not_allowed", "unknown_widget"];

export class Connection {
  private ws: WebSocket | null = null;
  private attempt = 0;
  private timer = 0;
  private outbox: string[] = [];
  private stopped = false;
  private refusal = ""; // the message of an `error` frame just before a 4403 close
  private ready = false; // this socket's session is up (a `session` frame came): frames can go out
  // Seq seen during this page's life. A fresh page load asks for the whole transcript (0) so the log
  // can be redrawn; reconnects within the page ask only for what came after the last shown message.
  private lastSeq = 0;
  saved: Saved;

  constructor(private opts: ConnectionOptions) {
    this.saved = load(opts.storageKey);
  }

  get hasSession(): boolean {
    return !!this.saved.token;
  }

  private persist(): void {
    try {
      localStorage.setItem(this.opts.storageKey, JSON.stringify(this.saved));
    } catch {
      /* private mode: the session lasts as long as the page */
    }
  }

  /** Remember the newest seq received, so a reconnect asks only for what came after it. */
  seen(seq: number): void {
    this.lastSeq = Math.max(this.lastSeq, seq);
  }

  /** The newest seq the visitor has had on screen (survives reloads: drives the unread badge). */
  get readSeq(): number {
    return this.saved.seq || 0;
  }

  markRead(): void {
    if (this.lastSeq > this.readSeq) {
      this.saved.seq = this.lastSeq;
      this.persist();
    }
  }

  setToken(token: string): void {
    if (token && token !== this.saved.token) {
      this.saved.token = token;
      this.persist();
    }
  }

  /** The server moved this socket to a new conversation (the customer wrote after the last one was
   * resolved): its seqs start again at 1, so a reconnect must ask for the new conversation from its start. */
  switched(): void {
    this.lastSeq = 0;
    this.saved.seq = 0; // the unread badge counts the new conversation's seqs
    this.persist();
  }

  /** Forget the session (forged/expired token): the next connect starts a new conversation. */
  reset(): void {
    this.saved = {};
    this.lastSeq = 0;
    this.persist();
  }

  connect(): void {
    if (this.ws || this.stopped) return;
    const q = new URLSearchParams();
    if (this.saved.token) {
      q.set("token", this.saved.token);
      q.set("last_seq", String(this.lastSeq));
    }
    if (this.opts.ref) q.set("ref", this.opts.ref);
    const qs = q.toString();
    const ws = new WebSocket(this.opts.url + (qs ? "?" + qs : ""));
    this.ws = ws;
    // Nothing happens on open: the server also accepts a handshake it cannot serve (live updates down:
    // `error` `unavailable`, then close 4503). The session is up with its first other frame (`session`).
    ws.onmessage = (ev) => {
      let frame: ServerFrame;
      try {
        frame = JSON.parse(String(ev.data)) as ServerFrame;
      } catch {
        return;
      }
      if (!frame || typeof frame.type !== "string") return;
      if (frame.type === "error" && REFUSALS.includes(String(frame.code))) this.refusal = String(frame.message || "");
      if (!this.ready && frame.type !== "error") {
        // Only a real session restarts the backoff and flushes the outbox (a refused socket would drop it).
        this.ready = true;
        this.attempt = 0;
        this.opts.onStatus(true);
        const pending = this.outbox;
        this.outbox = [];
        pending.forEach((f) => ws.send(f));
      }
      this.opts.onFrame(frame);
    };
    ws.onclose = (ev) => {
      this.ws = null;
      this.ready = false;
      // 4503 (live updates were interrupted, or are down) and any other drop: reconnect with backoff and
      // last_seq; the server replays what this page has not seen from the database.
      // 4403: unknown widget key or a site not allowed to embed it; retrying cannot help.
      if (ev.code === 4403) {
        this.stopped = true;
        // For the site owner: why the chat does not work on this page (the server said which origin to allow).
        const reason = this.refusal || "Botflow: this chat is not available on this site (refused with 4403).";
        console.error(reason);
        this.opts.onRefused?.(reason);
      }
      this.opts.onStatus(this.stopped); // not retrying: no "reconnecting" banner
      if (!this.stopped) this.schedule();
    };
  }

  private schedule(): void {
    // Exponential backoff with jitter, capped at 30 s, so a restarted server is not stampeded.
    const base = Math.min(30000, 1000 * 2 ** this.attempt++);
    clearTimeout(this.timer);
    this.timer = window.setTimeout(() => this.connect(), base / 2 + Math.random() * (base / 2));
  }

  /** Reconnect now (e.g. after the token was dropped). */
  restart(): void {
    this.ws?.close();
  }

  send(frame: Record<string, unknown>): void {
    const data = JSON.stringify(frame);
    if (this.ws && this.ready && this.ws.readyState === WebSocket.OPEN) this.ws.send(data);
    else if (frame.type !== "typing") {
      // Messages typed while offline go out on reconnect; client_id lets the server drop duplicates.
      this.outbox.push(data);
      this.connect();
    }
  }
}
