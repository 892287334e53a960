import type { Conv } from "./store";

export function contactName(conv: Conv | undefined): string {
  return conv?.contact?.name || conv?.contact?.email || conv?.contact?.phone || "#" + (conv?.id || "").slice(0, 6);
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
