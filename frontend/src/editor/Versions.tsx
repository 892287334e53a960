// Version history drawer, visual diff of two versions, rollback.
import { Background, Controls, MiniMap, ReactFlow, ReactFlowProvider } from "@xyflow/react";
import { useEffect, useMemo, useState } from "react";
import { api, ApiError } from "../shared/api";
import { useI18n } from "./i18n";
import { docToFlow, type FlowEdge, type FlowNode } from "./model/convert";
import type { ScenarioDocument } from "./model/types";
import { Icon } from "./icons";
import { nodeTypes } from "./nodes";
import { StatusContext, StatusStore, type DiffState } from "./status";

export interface Version {
  number: number;
  note: string;
  author: string | null;
  created_at: string;
  rolled_back_from: number | null;
}

export interface DiffResult {
  a: number;
  b: number;
  nodes: { added: string[]; removed: string[]; changed: { id: string; fields: string[] }[] };
  edges: { added: any[]; removed: any[] };
  variables_changed: boolean;
  settings_changed: boolean;
}

export function VersionsDrawer({
  base,
  publishedVersion,
  onClose,
  onCompare,
  onRolledBack,
  onConnect,
}: {
  base: string;
  publishedVersion: number | null;
  onClose: () => void;
  onCompare: (a: number, b: number) => void;
  onRolledBack: (v: Version) => void;
  /** Open "Connect to a channel" (offered once a version is live). */
  onConnect?: () => void;
}) {
  const { t, lang } = useI18n();
  const [versions, setVersions] = useState<Version[] | null>(null);
  const [a, setA] = useState<number | null>(null);
  const [b, setB] = useState<number | null>(null);
  const [error, setError] = useState("");

  useEffect(() => {
    api
      .get<Version[]>(`${base}versions/`)
      .then((v) => {
        setVersions(v);
        if (v.length >= 2) {
          setA(v[1].number);
          setB(v[0].number);
        }
      })
      .catch((e) => setError(String(e.message ?? e)));
  }, [base, publishedVersion]);

  async function rollback(v: Version) {
    if (!window.confirm(t("versions.rollback_confirm", { n: v.number }))) return;
    try {
      const created = await api.post<Version>(`${base}versions/${v.number}/rollback/`, { note: t("versions.rollback_note", { n: v.number }) });
      onRolledBack(created);
    } catch (e) {
      setError(e instanceof ApiError ? e.message : String(e));
    }
  }

  const fmt = (s: string) => new Date(s).toLocaleString(lang);

  return (
    <aside className="bf-drawer" data-testid="versions" aria-label={t("versions.title")}>
      <div className="bf-panel-head">
        <Icon name="history" /> {t("versions.title")}
        <span className="bf-spacer" />
        <button type="button" className="bf-icon-btn" onClick={onClose} title={t("common.close")}>
          ✕
        </button>
      </div>
      {error ? <div className="bf-alert bf-alert-error">{error}</div> : null}
      {publishedVersion && onConnect ? (
        <div className="bf-pad">
          <button type="button" className="bf-btn bf-btn-small" onClick={onConnect} data-testid="versions-connect">
            {t("connect.open")}
          </button>
        </div>
      ) : null}
      {versions === null ? <p className="bf-muted">{t("common.loading")}</p> : null}
      {versions && !versions.length ? <p className="bf-muted">{t("versions.none")}</p> : null}
      {versions && versions.length >= 2 ? (
        <div className="bf-compare">
          <select value={a ?? ""} onChange={(e) => setA(Number(e.target.value))} aria-label="A">
            {versions.map((v) => (
              <option key={v.number} value={v.number}>
                v{v.number}
              </option>
            ))}
          </select>
          →
          <select value={b ?? ""} onChange={(e) => setB(Number(e.target.value))} aria-label="B">
            {versions.map((v) => (
              <option key={v.number} value={v.number}>
                v{v.number}
              </option>
            ))}
          </select>
          <button type="button" className="bf-btn bf-btn-small" disabled={!a || !b || a === b} onClick={() => onCompare(a!, b!)}>
            {t("versions.compare")}
          </button>
        </div>
      ) : null}
      <ul className="bf-version-list">
        {versions?.map((v) => (
          <li key={v.number} className={v.number === publishedVersion ? "is-live" : ""}>
            <div className="bf-version-head">
              <b>v{v.number}</b>
              {v.number === publishedVersion ? <span className="bf-chip bf-chip-live">{t("versions.live")}</span> : null}
              <span className="bf-spacer" />
              <span className="bf-muted">{fmt(v.created_at)}</span>
            </div>
            <div className="bf-version-note">{v.note || <em className="bf-muted">{t("versions.no_note")}</em>}</div>
            <div className="bf-version-foot">
              <span className="bf-muted">
                {v.author ?? "—"}
                {v.rolled_back_from ? ` · ${t("versions.rolled_back_from", { n: v.rolled_back_from })}` : ""}
              </span>
              <span className="bf-spacer" />
              {v.number !== publishedVersion ? (
                <button type="button" className="bf-btn bf-btn-small" onClick={() => rollback(v)}>
                  {t("versions.rollback")}
                </button>
              ) : null}
            </div>
          </li>
        ))}
      </ul>
    </aside>
  );
}

/** A read-only canvas of version B with the nodes removed since A, coloured by what changed. */
export function DiffCanvas({ base, a, b, onClose }: { base: string; a: number; b: number; onClose: () => void }) {
  const { t } = useI18n();
  const [state, setState] = useState<{ diff: DiffResult; nodes: FlowNode[]; edges: FlowEdge[] } | null>(null);
  const [error, setError] = useState("");
  const store = useMemo(() => new StatusStore(), []);

  useEffect(() => {
    let cancelled = false;
    Promise.all([
      api.get<DiffResult>(`${base}diff/?a=${a}&b=${b}`),
      api.get<{ document: ScenarioDocument }>(`${base}versions/${a}/`),
      api.get<{ document: ScenarioDocument }>(`${base}versions/${b}/`),
    ])
      .then(([diff, va, vb]) => {
        if (cancelled) return;
        const ga = docToFlow(va.document);
        const gb = docToFlow(vb.document);
        const removed = new Set(diff.nodes.removed);
        const nodes = [...gb.nodes, ...ga.nodes.filter((n) => removed.has(n.id))];
        const edgeKey = (e: any) => `${e.source}|${e.source_port ?? e.sourceHandle}|${e.target}`;
        const removedEdges = new Set(diff.edges.removed.map(edgeKey));
        const addedEdges = new Set(diff.edges.added.map(edgeKey));
        const edges: FlowEdge[] = [
          ...gb.edges.map((e) => (addedEdges.has(edgeKey(e)) ? { ...e, className: "diff-edge-added" } : e)),
          ...ga.edges.filter((e) => removedEdges.has(edgeKey(e))).map((e) => ({ ...e, id: `removed-${e.id}`, className: "diff-edge-removed" })),
        ];
        const status = new Map<string, DiffState>();
        for (const id of diff.nodes.added) status.set(id, "added");
        for (const id of diff.nodes.removed) status.set(id, "removed");
        for (const c of diff.nodes.changed) status.set(c.id, "changed");
        store.setDiff(status);
        setState({ diff, nodes: nodes.map((n) => ({ ...n, draggable: false, connectable: false })), edges });
      })
      .catch((e) => setError(e instanceof ApiError ? e.message : String(e)));
    return () => {
      cancelled = true;
    };
  }, [base, a, b, store]);

  return (
    <div className="bf-diff" data-testid="diff">
      <div className="bf-diff-bar">
        <b>{t("diff.title", { a, b })}</b>
        {state ? (
          <>
            <span className="bf-chip bf-chip-added">{t("diff.n_added", { n: state.diff.nodes.added.length })}</span>
            <span className="bf-chip bf-chip-removed">{t("diff.n_removed", { n: state.diff.nodes.removed.length })}</span>
            <span className="bf-chip bf-chip-changed">{t("diff.n_changed", { n: state.diff.nodes.changed.length })}</span>
            {state.diff.variables_changed ? <span className="bf-chip">{t("diff.variables_changed")}</span> : null}
            {state.diff.settings_changed ? <span className="bf-chip">{t("diff.settings_changed")}</span> : null}
          </>
        ) : null}
        <span className="bf-spacer" />
        <button type="button" className="bf-btn" onClick={onClose}>
          {t("diff.exit")}
        </button>
      </div>
      {error ? <div className="bf-alert bf-alert-error">{error}</div> : null}
      <div className="bf-diff-canvas">
        {state ? (
          <StatusContext.Provider value={store}>
            <ReactFlowProvider>
              <ReactFlow
                nodes={state.nodes}
                edges={state.edges}
                nodeTypes={nodeTypes}
                nodesConnectable={false}
                nodesDraggable={false}
                elementsSelectable={false}
                fitView
                minZoom={0.1}
                proOptions={{ hideAttribution: true }}
              >
                <Background gap={20} />
                <Controls showInteractive={false} />
                <MiniMap pannable zoomable />
              </ReactFlow>
            </ReactFlowProvider>
          </StatusContext.Provider>
        ) : null}
      </div>
    </div>
  );
}
