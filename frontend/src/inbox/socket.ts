// The inbox websocket: reconnects by itself with exponential backoff. On every (re)connect the server
// sends a fresh snapshot, and re-opening the active conversation replays its transcript from the
// database, so nothing sent while the socket was down is lost (the store dedupes by seq). The server closes
// with 4503 when live updates were interrupted (the channel layer failed) so that exactly this happens; while
// they are down it accepts, sends `error` `unavailable` and closes with 4503 again, and the backoff grows.

export type Frame = { type: string; [key: string]: any };

export type SocketStatus = "connecting" | "online" | "offline";

export class InboxSocket {
  private ws: WebSocket | null = null;
  private attempt = 0;
  private timer: number | undefined;
  private closed = false;
  private outbox: string[] = [];
  private ready = false; // the server sent this socket's snapshot: actions can go out

  constructor(
    private url: string,
    private onFrame: (frame: Frame) => void,
    private onStatus: (status: SocketStatus, attempt: number) => void,
  ) {}

  start(): void {
    this.closed = false;
    this.open();
  }

  stop(): void {
    this.closed = true;
    window.clearTimeout(this.timer);
    this.ws?.close();
  }

  private open(): void {
    if (this.closed || this.ws) return;
    const proto = location.protocol === "https:" ? "wss" : "ws";
    const ws = new WebSocket(`${proto}://${location.host}${this.url}`);
    this.ws = ws;
    this.onStatus("connecting", this.attempt);
    // Online with the first frame that is not an error (the snapshot), not on open: a handshake the server
    // cannot serve is accepted too, then refused (`unavailable`, 4503); frames sent to it would be lost.
    ws.onmessage = (ev) => {
      try {
        const frame = JSON.parse(String(ev.data));
        if (!frame || typeof frame.type !== "string") return;
        if (!this.ready && frame.type !== "error") {
          this.ready = true;
          this.attempt = 0;
          this.onStatus("online", 0);
          const pending = this.outbox;
          this.outbox = [];
          for (const data of pending) ws.send(data);
        }
        this.onFrame(frame);
      } catch {
        /* not JSON: ignore */
      }
    };
    ws.onclose = () => {
      this.ws = null;
      this.ready = false;
      if (this.closed) return;
      this.onStatus("offline", this.attempt);
      const delay = Math.min(30000, 1000 * 2 ** this.attempt++);
      this.timer = window.setTimeout(() => this.open(), delay / 2 + Math.random() * (delay / 2));
    };
  }

  /** Send an action now, or after the reconnect if the socket is down (typing is never queued). */
  send(frame: Frame): void {
    const data = JSON.stringify(frame);
    if (this.ws && this.ready && this.ws.readyState === WebSocket.OPEN) this.ws.send(data);
    else if (frame.type !== "typing") this.outbox.push(data);
  }
}
