// Conversation history: search (message text, the contact's name, e-mail or phone) and filters over the
// REST history API (GET /api/w/<ws>/conversations/); a resolved chat opens as a read-only transcript with
// the variables the bot collected.
import { useCallback, useEffect, useState, type FormEvent } from "react";
import { api } from "../shared/api";
import { dynamicKey, useI18n } from "./i18n";
import { ContactRows, MessageItem, VariablesTable } from "./ChatView";
import type { Conv, Department, Msg } from "./store";
import { contactName } from "./util";

interface Row extends Conv {
  started_at?: string | null;
  closed_at?: string | null;
}

interface Page {
  count: number;
  next: string | null;
  results: Row[];
}

interface Transcript {
  conversation: Row;
  variables: Record<string, unknown>;
  messages: Msg[];
}

export interface Filters {
  q: string;
  status: string;
  department: string;
  channel: string;
  since: string;
  until: string;
}

const EMPTY: Filters = { q: "", status: "", department: "", channel: "", since: "", until: "" };
const STATUSES = ["closed", "live", "queued", "bot"];
const KINDS = ["web", "telegram", "whatsapp"];

/** The history API's query string for these filters (empty filters are left out). */
export function historyQuery(f: Filters, offset = 0): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(f)) if (v.trim()) q.set(k, v.trim());
  q.set("limit", "30");
  if (offset) q.set("offset", String(offset));
  return q.toString();
}

function when(iso: string | null | undefined): string {
  return iso ? new Date(iso).toLocaleString([], { dateStyle: "short", timeStyle: "short" }) : "";
}

export function History({ workspace, departments, deptName }: { workspace: string; departments: Department[]; deptName: (slug: string | null | undefined) => string }) {
  const { t } = useI18n();
  const base = `/api/w/${encodeURIComponent(workspace)}/conversations/`;
  const [filters, setFilters] = useState<Filters>(EMPTY);
  const [rows, setRows] = useState<Row[]>([]);
  const [count, setCount] = useState(0);
  const [error, setError] = useState(false);
  const [loading, setLoading] = useState(true); // the first page is on its way
  const [open, setOpen] = useState<Transcript | null>(null);

  const fetchPage = useCallback(
    (f: Filters, offset: number) =>
      api
        .get<Page>(`${base}?${historyQuery(f, offset)}`)
        .then((page) => {
          setRows((prev) => (offset ? [...prev, ...page.results] : page.results));
          setCount(page.count);
        })
        .catch(() => setError(true))
        .finally(() => setLoading(false)),
    [base],
  );
  const load = useCallback(
    (f: Filters, offset = 0) => {
      setLoading(true);
      setError(false);
      fetchPage(f, offset);
    },
    [fetchPage],
  );
  useEffect(() => {
    fetchPage(EMPTY, 0);
  }, [fetchPage]);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    load(filters);
  };
  const set = (k: keyof Filters) => (e: { target: { value: string } }) => setFilters({ ...filters, [k]: e.target.value });
  const show = (id: string) =>
    api
      .get<Transcript>(`${base}${encodeURIComponent(id)}/`)
      .then(setOpen)
      .catch(() => setError(true));

  const conv = open?.conversation;
  const vars = open?.variables || {};
  return (
    <div className="ib-main ib-history" data-testid="history">
      <aside className="ib-side">
        <form className="ib-section ib-filters" onSubmit={submit} role="search">
          <input type="search" value={filters.q} onChange={set("q")} placeholder={t("inbox.history.search")} aria-label={t("inbox.history.search")} />
          <label>
            <span>{t("inbox.history.status")}</span>
            <select value={filters.status} onChange={set("status")}>
              <option value="">{t("inbox.history.any")}</option>
              {STATUSES.map((s) => (
                <option key={s} value={s}>
                  {t(dynamicKey(`inbox.mode.${s}`))}
                </option>
              ))}
            </select>
          </label>
          <label>
            <span>{t("inbox.department")}</span>
            <select value={filters.department} onChange={set("department")}>
              <option value="">{t("inbox.history.any")}</option>
              {departments.map((d) => (
                <option key={d.slug} value={d.slug}>
                  {d.name}
                </option>
              ))}
            </select>
          </label>
          <label>
            <span>{t("inbox.history.channel")}</span>
            <select value={filters.channel} onChange={set("channel")}>
              <option value="">{t("inbox.history.any")}</option>
              {KINDS.map((k) => (
                <option key={k} value={k}>
                  {t(dynamicKey(`inbox.kind.${k}`))}
                </option>
              ))}
            </select>
          </label>
          <label>
            <span>{t("inbox.history.since")}</span>
            <input type="date" value={filters.since} onChange={set("since")} />
          </label>
          <label>
            <span>{t("inbox.history.until")}</span>
            <input type="date" value={filters.until} onChange={set("until")} />
          </label>
          <button type="submit" className="ib-btn ib-btn-primary">
            {t("inbox.history.find")}
          </button>
        </form>
        <section className="ib-section">
          {error && <p className="ib-error-text">{t("inbox.history.error")}</p>}
          <p className="ib-muted" data-testid="history-count">
            {t("inbox.history.total", { n: count })}
          </p>
          <ul className="ib-list">
            {!loading && rows.length === 0 && <li className="ib-empty">{t("inbox.history.empty")}</li>}
            {rows.map((c) => (
              <li key={c.id} className={`ib-item ${open?.conversation.id === c.id ? "active" : ""}`} data-conversation={c.id}>
                <button type="button" className="ib-item-main" onClick={() => show(c.id)}>
                  <span className="ib-avatar" aria-hidden="true">
                    {contactName(c, t).charAt(0).toUpperCase()}
                  </span>
                  <span className="ib-item-text">
                    <span className="ib-item-name">{contactName(c, t)}</span>
                    <span className="ib-item-sub">
                      <span className={`ib-mode ib-mode-${c.mode}`}>{t(dynamicKey(`inbox.mode.${c.mode}`))}</span> <span className="ib-chip">{deptName(c.department)}</span>{" "}
                      {when(c.started_at)}
                    </span>
                  </span>
                </button>
              </li>
            ))}
          </ul>
          {rows.length < count && (
            <button type="button" className="ib-btn" onClick={() => load(filters, rows.length)}>
              {t("inbox.history.more")}
            </button>
          )}
        </section>
      </aside>
      {conv ? (
        <>
          <main className="ib-chat" aria-label={contactName(conv, t)}>
            <div className="ib-chat-head">
              <div>
                <h1>{contactName(conv, t)}</h1>
                <div className="ib-chat-meta">
                  <span className={`ib-mode ib-mode-${conv.mode}`}>{t(dynamicKey(`inbox.mode.${conv.mode}`))}</span>
                  <span className="ib-chip">{deptName(conv.department)}</span>
                  {conv.channel?.name && <span className="ib-muted">{conv.channel.name}</span>}
                  <span className="ib-muted">{t("inbox.history.readOnly")}</span>
                </div>
              </div>
            </div>
            <ol className="ib-msgs" aria-label={t("inbox.messages")}>
              {open.messages.map((m) => (
                <MessageItem key={m.seq} m={m} t={t} />
              ))}
            </ol>
          </main>
          <aside className="ib-details" aria-label={t("inbox.details")}>
            <h2>{t("inbox.contact")}</h2>
            <dl>
              <ContactRows conv={conv} t={t} />
              <dt>{t("inbox.history.started")}</dt>
              <dd>{when(conv.started_at)}</dd>
            </dl>
            <h2>{t("inbox.variables")}</h2>
            <VariablesTable variables={vars} t={t} testId="history-variables" />
          </aside>
        </>
      ) : (
        <main className="ib-placeholder">
          <p>{t("inbox.history.pick")}</p>
        </main>
      )}
    </div>
  );
}
