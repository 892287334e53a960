// Inbox state as a pure reducer over server frames: easy to reason about when frames arrive out of
// order or twice (after a reconnect the snapshot and the transcript are replayed; messages dedupe by seq).
import type { Frame, SocketStatus } from "./socket";

export interface Msg {
  id?: number;
  seq: number;
  sender: "bot" | "customer" | "operator" | "system" | string;
  direction?: string;
  text: string;
  payload?: { buttons?: { id: string; label: string }[]; media?: { kind?: string; url?: string; caption?: string } | null; note?: boolean; button_id?: string; [k: string]: any };
  node_id?: string;
  operator?: string | null;
  operator_name?: string | null;
  // Outbound to a messenger: pending | sending | sent | delivered | read | failed | not_sent | unknown.
  delivery?: string;
  created_at?: string | null;
}

export interface Conv {
  id: string;
  mode: string;
  department: string | null;
  department_id?: number | null;
  assignee_id?: number | null;
  queued_at?: string | null;
  assigned_at?: string | null;
  last_message_at?: string | null;
  channel?: { id?: number; kind: string; name: string };
  contact?: { id?: number; name: string; phone?: string; email?: string };
  ref?: string;
  handoff?: { reason?: string; node_id?: string | null; note?: string; at?: string; ref?: string; department?: string | null };
  preview?: string;
}

export interface NodeRef {
  id: string;
  label?: string;
  type?: string;
}

export interface Detail {
  conv: Conv;
  messages: Msg[];
  variables: Record<string, unknown>;
  nodes: NodeRef[];
  // Set when something changed on the server that frames do not carry (variables, rating, the mode the bot
  // left the chat in): the app re-opens the chat to read it afresh.
  stale?: boolean;
}

export interface Operator {
  user_id: number;
  name: string;
  presence: string;
  capacity?: number;
  load?: number;
}

export interface Department {
  id?: number;
  slug: string;
  name: string;
}

export interface Canned {
  id?: number;
  title: string;
  shortcut: string;
  text: string;
}

export interface State {
  status: SocketStatus;
  me: number;
  presence: string;
  queue: Record<string, Conv>;
  mine: Record<string, Conv>;
  details: Record<string, Detail>;
  activeId: string | null;
  unread: Record<string, number>;
  typing: Record<string, { name: string; who: string } | undefined>;
  operators: Operator[];
  departments: Department[];
  canned: Canned[];
  error: string | null;
  pendingClaim: string | null;
}

export type Action =
  | { kind: "frame"; frame: Frame; visible: boolean }
  | { kind: "status"; status: SocketStatus }
  | { kind: "select"; id: string | null }
  | { kind: "claiming"; id: string }
  | { kind: "dismissError" }
  | { kind: "typingTimeout"; id: string }
  | { kind: "canned"; canned: Canned[] }
  | { kind: "nodes"; id: string; nodes: NodeRef[] };

export function initialState(me: number): State {
  return {
    status: "connecting",
    me,
    presence: "offline",
    queue: {},
    mine: {},
    details: {},
    activeId: null,
    unread: {},
    typing: {},
    operators: [],
    departments: [],
    canned: [],
    error: null,
    pendingClaim: null,
  };
}

function byId(list: Conv[] | undefined): Record<string, Conv> {
  const out: Record<string, Conv> = {};
  for (const c of list || []) if (c && c.id) out[String(c.id)] = { ...c, id: String(c.id) };
  return out;
}

function without<T>(rec: Record<string, T>, id: string): Record<string, T> {
  if (!(id in rec)) return rec;
  const copy = { ...rec };
  delete copy[id];
  return copy;
}

/** Insert messages keeping seq order; a seq already present is replaced, never duplicated. */
export function mergeMessages(existing: Msg[], incoming: Msg[]): Msg[] {
  const map = new Map<number, Msg>();
  for (const m of existing) map.set(m.seq, m);
  for (const m of incoming) if (m && typeof m.seq === "number") map.set(m.seq, m);
  return [...map.values()].sort((a, b) => a.seq - b.seq);
}

export function isNote(m: Msg): boolean {
  return !!m.payload?.note || m.direction === "internal";
}

function queueFromSnapshot(f: Frame): Conv[] {
  if (Array.isArray(f.queue)) return f.queue;
  if (Array.isArray(f.queued)) return f.queued;
  if (f.queues && typeof f.queues === "object") {
    // {dept_slug: [conv, …]} or [{department, conversations: [...]}]
    const values = Array.isArray(f.queues) ? f.queues : Object.values(f.queues);
    return values.flatMap((v: any) => (Array.isArray(v) ? v : v?.chats || v?.conversations || []));
  }
  return [];
}

function upsertConv(state: State, conv: Conv | undefined, claimedBy?: number | null): State {
  if (!conv || !conv.id) return state;
  const id = String(conv.id);
  const c = { ...conv, id };
  let { queue, mine } = state;
  const owner = claimedBy ?? c.assignee_id ?? null;
  if (c.mode === "queued") {
    queue = { ...queue, [id]: c };
    mine = owner === state.me ? { ...mine, [id]: c } : without(mine, id);
  } else if (c.mode === "live") {
    queue = without(queue, id);
    mine = owner === state.me ? { ...mine, [id]: c } : without(mine, id);
  } else {
    queue = without(queue, id);
    mine = without(mine, id);
  }
  const details = state.details[id] ? { ...state.details, [id]: { ...state.details[id], conv: { ...state.details[id].conv, ...c } } } : state.details;
  return { ...state, queue, mine, details };
}

function detailFrom(raw: any, previous?: Detail): Detail | null {
  const base: Conv | undefined = raw?.conversation && raw.conversation.id ? raw.conversation : raw;
  if (!base || !base.id) return null;
  // The open frame carries the full contact, channel and handoff next to the summary.
  const conv: Conv = {
    ...(previous?.conv || {}),
    ...base,
    // The summary's name falls back to the visitor id; keep it when the full contact has no name yet.
    contact: { ...(base.contact || {}), ...(raw.contact || {}), name: raw.contact?.name || base.contact?.name || "" } as Conv["contact"],
    channel: raw.channel || base.channel,
    handoff: { ...(base.handoff || {}), ...(raw.handoff || {}) },
    ref: raw.ref ?? base.ref,
  };
  const messages: Msg[] = raw.messages || (conv as any).messages || raw.transcript || [];
  const variables = raw.variables || (conv as any).variables || (conv as any).handoff?.variables || previous?.variables || {};
  const nodes: NodeRef[] = raw.nodes || (conv as any).nodes || raw.scenario_nodes || previous?.nodes || [];
  return {
    conv: { ...(previous?.conv || {}), ...conv, id: String(conv.id) } as Conv,
    messages: mergeMessages(previous?.messages || [], messages),
    variables,
    nodes,
  };
}

function applyFrame(state: State, f: Frame, visible: boolean): State {
  switch (f.type) {
    case "snapshot": {
      const mineList: Conv[] = f.mine || f.my_chats || f.assigned || [];
      const s: State = {
        ...state,
        queue: byId(queueFromSnapshot(f)),
        mine: byId(mineList),
        operators: f.operators || state.operators,
        departments:
          f.departments ||
          (Array.isArray(f.queues) ? f.queues.map((q: any) => q?.department).filter((d: any) => d && d.slug) : state.departments),
        canned: f.canned || f.canned_replies || state.canned,
        presence: f.presence || f.me?.presence || f.status?.presence || state.presence,
        pendingClaim: null,
      };
      if (f.me?.user_id || f.me?.id) s.me = f.me.user_id || f.me.id;
      // Unread counts from the server where given (they survive a reload), else keep ours.
      const unread = { ...state.unread };
      for (const c of mineList as any[]) if (typeof c.unread === "number") unread[String(c.id)] = c.unread;
      s.unread = unread;
      return s;
    }
    case "conversation":
    case "opened":
    case "transcript": {
      const raw = f.data && typeof f.data === "object" ? f.data : f;
      const id = String(raw.conversation?.id || raw.id || f.conversation_id || "");
      const detail = detailFrom(raw, state.details[id]);
      if (!detail) return state;
      const s = { ...state, details: { ...state.details, [detail.conv.id]: detail } };
      return upsertConv(s, detail.conv);
    }
    case "queued":
      return upsertConv(state, { ...(f.conversation || {}), mode: "queued" });
    case "claimed": {
      const id = String(f.conversation_id || f.conversation?.id);
      const by = f.operator?.id ?? f.operator?.user_id ?? f.user_id ?? null;
      const conv = f.conversation ? { ...f.conversation, mode: "live", assignee_id: by } : { ...(state.queue[id] || state.details[id]?.conv || { id, department: null }), mode: "live", assignee_id: by };
      const s = upsertConv(state, conv as Conv, by);
      return { ...s, pendingClaim: state.pendingClaim === id ? null : state.pendingClaim, activeId: by === state.me && state.pendingClaim === id ? id : s.activeId };
    }
    case "transferred": {
      const conv = f.conversation || state.details[String(f.conversation_id)]?.conv;
      return upsertConv(state, conv);
    }
    case "resolved":
    case "returned_to_bot": {
      const id = String(f.conversation_id || f.conversation?.id);
      // The event carries the conversation as it is now (the bot may already have handed off or ended again).
      const mode = f.conversation?.mode || (f.type === "resolved" ? "closed" : "bot");
      let s: State = { ...state, queue: without(state.queue, id), mine: without(state.mine, id), unread: without(state.unread, id) };
      if (f.conversation) s = upsertConv(s, { ...f.conversation, id, mode });
      const d = s.details[id];
      if (d) s = { ...s, details: { ...s.details, [id]: { ...d, conv: { ...d.conv, mode }, stale: true } } };
      return s;
    }
    case "presence": {
      const op: Operator | undefined = f.operator;
      if (!op) return state;
      const operators = state.operators.some((o) => o.user_id === op.user_id)
        ? state.operators.map((o) => (o.user_id === op.user_id ? { ...o, ...op } : o))
        : [...state.operators, op];
      return { ...state, operators, presence: op.user_id === state.me ? op.presence : state.presence };
    }
    case "message": {
      const m: Msg = f.message;
      if (!m) return state;
      const id = String(f.conversation_id || (m as any).conversation_id);
      let s = state;
      const d = state.details[id];
      if (d) {
        const had = d.messages.some((x) => x.seq === m.seq);
        // With the bot again (or closed by it), each turn may change variables, the rating and the mode.
        const stale = d.stale || (!had && d.conv.mode !== "live" && d.conv.mode !== "queued");
        s = { ...s, details: { ...s.details, [id]: { ...d, messages: mergeMessages(d.messages, [m]), stale } } };
        if (had) return s;
      }
      const patch = (rec: Record<string, Conv>) =>
        rec[id] ? { ...rec, [id]: { ...rec[id], last_message_at: m.created_at || rec[id].last_message_at, preview: isNote(m) ? rec[id].preview : m.text } } : rec;
      s = { ...s, queue: patch(s.queue), mine: patch(s.mine) };
      if (m.sender === "customer") {
        s = { ...s, typing: { ...s.typing, [id]: undefined } };
        if ((s.activeId !== id || !visible) && s.mine[id]) s = { ...s, unread: { ...s.unread, [id]: (s.unread[id] || 0) + 1 } };
      }
      return s;
    }
    case "typing": {
      const id = String(f.conversation_id);
      if (f.user_id && f.user_id === state.me) return state;
      return { ...state, typing: { ...state.typing, [id]: f.on ? { name: f.name || "", who: f.who || "customer" } : undefined } };
    }
    case "ack":
      return f.action === "set_presence" && typeof f.presence === "string" ? { ...state, presence: f.presence } : state;
    case "error":
      // `unavailable`: live updates are down; the socket is closed (4503) and the badge says "reconnecting".
      if (f.code === "unavailable") return state;
      return { ...state, error: String(f.message || f.code || "error"), pendingClaim: null };
    default:
      return state;
  }
}

/** What to ask for after a reconnect (also after a 4503 close: live updates were interrupted): the server sends
 * a fresh snapshot by itself; the chat on screen is re-opened so its transcript is replayed from the database
 * (merged by seq, so nothing is doubled). Other chats are re-read when they are opened. */
export function resyncFrames(state: State): Frame[] {
  return state.activeId ? [{ type: "open", conversation_id: state.activeId }] : [];
}

export function reducer(state: State, action: Action): State {
  switch (action.kind) {
    case "frame":
      return applyFrame(state, action.frame, action.visible);
    case "status":
      return { ...state, status: action.status };
    case "select":
      return { ...state, activeId: action.id, unread: action.id ? without(state.unread, action.id) : state.unread };
    case "claiming":
      return { ...state, pendingClaim: action.id };
    case "dismissError":
      return { ...state, error: null };
    case "typingTimeout":
      return { ...state, typing: { ...state.typing, [action.id]: undefined } };
    case "canned":
      return { ...state, canned: action.canned };
    case "nodes": {
      const d = state.details[action.id];
      return d ? { ...state, details: { ...state.details, [action.id]: { ...d, nodes: action.nodes } } } : state;
    }
  }
}
