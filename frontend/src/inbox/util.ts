import { isInboxKey, type T } from "./i18n";
import type { Conv, NodeRef } from "./store";

/** Who the operator talks to: the name, e-mail or phone the bot collected, else a translated "Visitor"
 * (never the channel's internal visitor id). */
export function contactName(conv: Conv | undefined, t: T): string {
  return conv?.contact?.name || conv?.contact?.email || conv?.contact?.phone || t("inbox.visitor");
}

/** Why the bot handed off, in the operator's language; an unknown reason gets a generic text, never a key. */
export function reasonText(t: T, reason: string | null | undefined): string {
  if (!reason) return "—";
  const key = `inbox.reason.${reason}`;
  return isInboxKey(key) ? t(key) : t("inbox.reason.other");
}

/** A scenario step as people know it: its kind and its text (the node id stays internal). */
export function nodeTitle(t: T, node: NodeRef | undefined): string {
  if (!node) return t("inbox.nodeType.other");
  const key = `inbox.nodeType.${node.type || "other"}`;
  const kind = isInboxKey(key) ? t(key) : t("inbox.nodeType.other");
  return node.label ? `${kind}: ${node.label}` : kind;
}

/** "42s", "5m", "2h 10m", "3d" since an ISO time. */
export function since(iso: string | null | undefined, now: number): string {
  if (!iso) return "";
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m`;
  if (s < 86400) return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
  return `${Math.floor(s / 86400)}d`;
}
