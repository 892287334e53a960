// The canvas page: palette, React Flow canvas, inspector / settings, preview, autosave with
// optimistic concurrency, findings, publish, versions and diff.
import {
  Background,
  BackgroundVariant,
  Controls,
  MiniMap,
  ReactFlow,
  ReactFlowProvider,
  useEdgesState,
  useNodesState,
  useNodesInitialized,
  useReactFlow,
  type Connection,
  type EdgeChange,
  type NodeChange,
} from "@xyflow/react";
import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from "react";
import { api, ApiError, wsUrl } from "../shared/api";
import type { Bootstrap } from "../shared/bootstrap";
import { LanguageSwitcher } from "../shared/i18n";
import { useI18n } from "./i18n";
import { DeclareVariableContext, Inspector, type Department } from "./Inspector";
import { docToFlow, edgeToFlow, flowToDoc, nodeToFlow, type DocMeta, type FlowEdge, type FlowNode } from "./model/convert";
import { defaultData } from "./model/defaults";
import { connectEdge, pruneEdges } from "./model/graph";
import { useAutosave } from "./hooks/useAutosave";
import { useClipboard, type PastePlan } from "./hooks/useClipboard";
import { isStructuralEdgeChange, isStructuralNodeChange, useHistory } from "./hooks/useHistory";
import { selectAdded, selectedOf, useSelection } from "./hooks/useSelection";
import { useShortcuts } from "./hooks/useShortcuts";
import { uniqueId } from "./model/ids";
import { autoLayout } from "./model/layout";
import { BUILTIN_VARIABLES, type Finding, type NodeData, type NodeType, type ScenarioDocument } from "./model/types";
import { Icon } from "./icons";
import { nodeTypes } from "./nodes";
import { DND_MIME, Palette } from "./Palette";
import { Preview } from "./Preview";
import { ScenarioSettings } from "./ScenarioSettings";
import { expressionMessage, isExpressionFinding } from "./expressionText";
import { findingMessage, nodeTitle, type NodeInfo } from "./findingText";
import { StatusContext, StatusStore } from "./status";
import { DiffCanvas, VersionsDrawer, type Version } from "./Versions";
import { ConnectDialog } from "./ConnectDialog";

interface ScenarioResponse {
  id: string;
  name: string;
  draft: ScenarioDocument;
  revision: number;
  findings: Finding[];
  published_version: number | null;
  updated_by: string | null;
  updated_at: string;
  /** The draft's content differs from the published version (true when never published). */
  has_unpublished_changes?: boolean;
  /** Kinds of the active channels running this scenario, e.g. ["web", "whatsapp"]. */
  channel_kinds?: string[];
}

/** A memo of each step's kind and data by id that keeps its identity while no step's kind or data changed. */
function nodeInfoCache() {
  let prev = new Map<string, NodeInfo>();
  return (nodes: FlowNode[]): Map<string, NodeInfo> => {
    if (prev.size === nodes.length && nodes.every((n) => prev.get(n.id)?.data === n.data && prev.get(n.id)?.type === n.type)) return prev;
    prev = new Map(nodes.map((n) => [n.id, { type: String(n.type), data: n.data }]));
    return prev;
  };
}

export function EditorApp({ boot }: { boot: Bootstrap }) {
  const store = useMemo(() => new StatusStore(), []);
  return (
    <StatusContext.Provider value={store}>
      <ReactFlowProvider>
        <Editor boot={boot} store={store} />
      </ReactFlowProvider>
    </StatusContext.Provider>
  );
}

function Editor({ boot, store }: { boot: Bootstrap; store: StatusStore }) {
  const { t, lang } = useI18n();
  const scenarioId = boot.scenario_id!;
  const base = wsUrl(boot.workspace, `scenarios/${scenarioId}/`);
  const wsBase = wsUrl(boot.workspace);
  const canEdit = boot.role === "admin" || boot.role === "editor";
  const flow = useReactFlow<FlowNode, FlowEdge>();

  const [nodes, setNodes, onNodesChangeBase] = useNodesState<FlowNode>([]);
  const [edges, setEdges, onEdgesChangeBase] = useEdgesState<FlowEdge>([]);
  const [meta, setMeta] = useState<DocMeta>({ format: "botflow/scenario", version: 1 });
  const [loaded, setLoaded] = useState(false);
  const [loadError, setLoadError] = useState("");
  const [name, setName] = useState("");
  const [findings, setFindings] = useState<Finding[]>([]);
  const [updatedAt, setUpdatedAt] = useState("");
  const [publishedVersion, setPublishedVersion] = useState<number | null>(null);
  const [unpublished, setUnpublished] = useState(false);
  const [departments, setDepartments] = useState<Department[]>([]);
  const [rightPanel, setRightPanel] = useState<"inspector" | "preview">("inspector");
  const [showVersions, setShowVersions] = useState(false);
  const [showProblems, setShowProblems] = useState(false);
  const [publishOpen, setPublishOpen] = useState(false);
  // After a publish the editor offers to connect the scenario to a channel (banner, then the dialog).
  const [connect, setConnect] = useState<"" | "banner" | "dialog">("");
  const [diff, setDiff] = useState<{ a: number; b: number } | null>(null);
  const [toast, setToast] = useState("");

  // Refs mirror the latest rendered state for event handlers and the autosave timer (updated after each
  // render, before any handler or effect can run).
  const nodesRef = useRef(nodes);
  const edgesRef = useRef(edges);
  const metaRef = useRef(meta);
  useLayoutEffect(() => {
    nodesRef.current = nodes;
    edgesRef.current = edges;
    metaRef.current = meta;
  }, [nodes, edges, meta]);
  const wrapper = useRef<HTMLDivElement>(null);
  // Fit the view once React Flow has measured the freshly loaded nodes (not before: it would fit nothing).
  const needFit = useRef(false);
  const nodesInitialized = useNodesInitialized();
  useEffect(() => {
    if (nodesInitialized && needFit.current) {
      needFit.current = false;
      flow.fitView({ padding: 0.25, maxZoom: 1 });
    }
  }, [flow, nodesInitialized]);

  const snapshot = useCallback(() => flowToDoc(nodesRef.current, edgesRef.current, metaRef.current), []);

  const showToast = useCallback((msg: string) => {
    setToast(msg);
    window.setTimeout(() => setToast((cur) => (cur === msg ? "" : cur)), 3500);
  }, []);

  // The node badges get the findings translated (see shownFindings).
  const applyFindings = useCallback((list: Finding[]) => setFindings(list), []);

  // --- autosave -------------------------------------------------------------------------------
  const { saver, status, save, flush: flushSave, overwrite, schedule: scheduleSave } = useAutosave({
    enabled: () => canEdit,
    send: async (revision) => {
      const res = await api.put<{ revision: number; findings: Finding[]; updated_at: string; has_unpublished_changes?: boolean }>(
        `${base}draft/`,
        { document: snapshot(), revision },
      );
      setUpdatedAt(res.updated_at);
      if (typeof res.has_unpublished_changes === "boolean") setUnpublished(res.has_unpublished_changes);
      applyFindings(res.findings ?? []);
      return res.revision;
    },
    conflictOf: (e) =>
      e instanceof ApiError && e.status === 409
        ? { current_revision: e.body?.current_revision, updated_by: e.body?.updated_by ?? null, updated_at: e.body?.updated_at ?? "" }
        : null,
    errorText: (e) => (e instanceof ApiError ? e.message : t("save.network_error")),
  });
  const { state: saveState, error: saveError, conflict } = status;

  // --- undo / redo ------------------------------------------------------------------------------
  const restore = useCallback(
    (doc: ScenarioDocument) => {
      const selected = new Set(nodesRef.current.filter((n) => n.selected).map((n) => n.id));
      const g = docToFlow(doc);
      setNodes(g.nodes.map((n) => (selected.has(n.id) ? { ...n, selected: true } : n)));
      setEdges(g.edges);
      setMeta(g.meta);
      store.setStart(g.meta.start);
      scheduleSave();
    },
    [scheduleSave, setEdges, setNodes, store],
  );
  const onCommitted = useCallback(() => {
    store.setStart(metaRef.current.start);
    scheduleSave();
  }, [scheduleSave, store]);
  const history = useHistory<ScenarioDocument>({ snapshot, restore, onChange: onCommitted, nodes, edges, meta });
  const { flags: historyFlags, undo: doUndo, redo: doRedo, mark: markEdit, reset: resetHistory } = history;

  // --- loading ----------------------------------------------------------------------------------
  const loadDocument = useCallback(
    (doc: ScenarioDocument, fit: boolean) => {
      const g = docToFlow(doc);
      setNodes(g.nodes);
      setEdges(g.edges);
      setMeta(g.meta);
      store.setStart(g.meta.start);
      if (fit) needFit.current = true;
      return g;
    },
    [setEdges, setNodes, store],
  );

  const showScenario = useCallback(
    (sc: ScenarioResponse) => {
      saver.loaded(sc.revision);
      setName(sc.name);
      setPublishedVersion(sc.published_version);
      setUnpublished(!!sc.has_unpublished_changes);
      store.setChannelKinds(sc.channel_kinds ?? []);
      setUpdatedAt(sc.updated_at);
      const g = loadDocument(sc.draft, true);
      resetHistory(flowToDoc(g.nodes, g.edges, g.meta));
      applyFindings(sc.findings ?? []);
      setLoaded(true);
      if (g.missingPositions) {
        const pos = autoLayout(sc.draft.nodes, sc.draft.edges);
        setNodes((nds) => nds.map((n) => ({ ...n, position: pos.get(n.id) ?? n.position })));
      }
    },
    [applyFindings, loadDocument, resetHistory, saver, setNodes, store],
  );

  const load = useCallback(
    () =>
      api
        .get<ScenarioResponse>(base)
        .then(showScenario)
        .catch((e) => setLoadError(e instanceof ApiError ? e.message : String(e))),
    [base, showScenario],
  );

  useEffect(() => {
    load();
    api
      .get<any>(`${wsBase}departments/`)
      .then((d) => setDepartments(Array.isArray(d) ? d : (d?.results ?? d?.departments ?? [])))
      .catch(() => setDepartments([]));
  }, [load, wsBase]);

  // --- graph edits ------------------------------------------------------------------------------
  const onNodesChange = useCallback(
    (changes: NodeChange<FlowNode>[]) => {
      if (isStructuralNodeChange(changes)) markEdit(null);
      onNodesChangeBase(changes);
      if (changes.some((c) => c.type === "remove")) {
        const removed = new Set(changes.filter((c) => c.type === "remove").map((c) => (c as { id: string }).id));
        setEdges((es) => es.filter((e) => !removed.has(e.source) && !removed.has(e.target)));
      }
    },
    [markEdit, onNodesChangeBase, setEdges],
  );

  const onEdgesChange = useCallback(
    (changes: EdgeChange<FlowEdge>[]) => {
      if (isStructuralEdgeChange(changes)) markEdit(null);
      onEdgesChangeBase(changes);
    },
    [markEdit, onEdgesChangeBase],
  );

  const onConnect = useCallback(
    (c: Connection) => {
      if (!c.source || !c.target) return;
      const taken = new Set(edgesRef.current.map((e) => e.id));
      const edge: FlowEdge = { id: uniqueId("e", taken), source: c.source, sourceHandle: c.sourceHandle ?? "next", target: c.target };
      markEdit(null);
      setEdges((es) => connectEdge(es, edge));
    },
    [markEdit, setEdges],
  );

  const declareVariables = useCallback(
    (names: string[]) => {
      const declared = new Set((metaRef.current.variables ?? []).map((v) => v.name));
      const missing = names.filter((n) => n && !declared.has(n) && !BUILTIN_VARIABLES.includes(n));
      if (!missing.length) return;
      markEdit(null);
      setMeta((m) => ({ ...m, variables: [...(m.variables ?? []), ...missing.map((name) => ({ name, type: "string" as const }))] }));
    },
    [markEdit],
  );

  const declareOne = useCallback((name: string) => declareVariables([name]), [declareVariables]);

  const addNode = useCallback(
    (type: NodeType, position?: { x: number; y: number }) => {
      const taken = new Set(nodesRef.current.map((n) => n.id));
      const id = uniqueId(type, taken);
      let pos = position;
      if (!pos) {
        const rect = wrapper.current?.getBoundingClientRect();
        pos = flow.screenToFlowPosition({
          x: (rect?.left ?? 0) + (rect?.width ?? 800) / 2 - 130,
          y: (rect?.top ?? 0) + (rect?.height ?? 600) / 2 - 60,
        });
      }
      const data = defaultData(type, t);
      const node: FlowNode = nodeToFlow({ id, type, position: pos, data });
      markEdit(null);
      setNodes((nds) => selectAdded(nds, [node]));
      if (type === "ask") declareVariables([data.variable]);
      if (type === "set_variable") declareVariables(data.assignments.map((a: { variable: string }) => a.variable));
      if (!metaRef.current.start || !taken.has(metaRef.current.start)) setMeta((m) => ({ ...m, start: id }));
    },
    [declareVariables, flow, markEdit, setNodes, t],
  );

  const onDrop = useCallback(
    (e: React.DragEvent) => {
      e.preventDefault();
      const type = e.dataTransfer.getData(DND_MIME) as NodeType;
      if (!type) return;
      addNode(type, flow.screenToFlowPosition({ x: e.clientX, y: e.clientY }));
    },
    [addNode, flow],
  );

  const onDragOver = useCallback((e: React.DragEvent) => {
    e.preventDefault();
    e.dataTransfer.dropEffect = "move";
  }, []);

  const replaceNodeData = useCallback(
    (id: string, data: NodeData, field: string) => {
      const next = nodesRef.current.map((n) => (n.id === id ? { ...n, data } : n));
      markEdit(`${id}:${field}`);
      setNodes(next);
      setEdges((es) => pruneEdges(es, next));
    },
    [markEdit, setEdges, setNodes],
  );

  const deleteNode = useCallback(
    (id: string) => {
      markEdit(null);
      setNodes((nds) => nds.filter((n) => n.id !== id));
      setEdges((es) => es.filter((e) => e.source !== id && e.target !== id));
    },
    [markEdit, setEdges, setNodes],
  );

  const setStart = useCallback(
    (id: string) => {
      markEdit("start");
      setMeta((m) => ({ ...m, start: id }));
    },
    [markEdit],
  );

  const patchMeta = useCallback(
    (patch: Partial<DocMeta>, field: string) => {
      markEdit(`meta:${field}`);
      setMeta((m) => ({ ...m, ...patch }));
    },
    [markEdit],
  );

  const layout = useCallback(() => {
    const doc = snapshot();
    const sizes = new Map(
      nodesRef.current.map((n) => [n.id, { width: n.measured?.width ?? 260, height: n.measured?.height ?? 120 }]),
    );
    const pos = autoLayout(doc.nodes, doc.edges, sizes);
    markEdit(null);
    setNodes((nds) => nds.map((n) => ({ ...n, position: pos.get(n.id) ?? n.position })));
    window.requestAnimationFrame(() => flow.fitView({ padding: 0.2, duration: 300 }));
  }, [flow, markEdit, setNodes, snapshot]);

  // --- selection, clipboard, shortcuts ----------------------------------------------------------
  const { selected, single, selectAll, focusNode } = useSelection(nodes, setNodes, flow);

  const clipboard = useClipboard({
    canEdit,
    snapshot,
    selectedIds: useCallback(() => selectedOf(nodesRef.current).map((n) => n.id), []),
    current: useCallback(
      () => ({ nodeIds: nodesRef.current.map((n) => n.id), edgeIds: edgesRef.current.map((e) => e.id), meta: metaRef.current }),
      [],
    ),
    toCanvas: useCallback((p: { x: number; y: number }) => flow.screenToFlowPosition(p), [flow]),
    onCopied: useCallback((n: number) => showToast(t("clipboard.copied", { n })), [showToast, t]),
    onCut: useCallback(
      (ids: Set<string>) => {
        markEdit(null);
        setNodes((nds) => nds.filter((n) => !ids.has(n.id)));
        setEdges((es) => es.filter((x) => !ids.has(x.source) && !ids.has(x.target)));
      },
      [markEdit, setEdges, setNodes],
    ),
    onPaste: useCallback(
      (plan: PastePlan) => {
        markEdit(null);
        setNodes((nds) => selectAdded(nds, plan.nodes.map((n) => nodeToFlow(n))));
        setEdges((es) => [...es, ...plan.edges.map(edgeToFlow)]);
        if (plan.variables.length) setMeta((m) => ({ ...m, variables: [...(m.variables ?? []), ...plan.variables] }));
        if (plan.start) setMeta((m) => ({ ...m, start: plan.start! }));
        showToast(t("clipboard.pasted", { n: plan.nodes.length }));
      },
      [markEdit, setEdges, setNodes, showToast, t],
    ),
  });

  useShortcuts({ save: useCallback(() => void save(), [save]), undo: doUndo, redo: doRedo, selectAll });

  // Steps as people know them (kind + text) and the problems in the user's language. The map is rebuilt only
  // when a step's kind or data changes (a drag keeps every node's data object), not on every drag frame.
  const [nodeInfoOf] = useState(() => nodeInfoCache());
  const nodeInfo = nodeInfoOf(nodes);
  const shownFindings = useMemo(
    () =>
      findings.map((f) => ({
        ...f,
        // An expression's problem says what was expected and at which column (the same words as under its field).
        message:
          isExpressionFinding(f) && f.params?.reason ? expressionMessage(t, f) : findingMessage(t, f, (id) => nodeInfo.get(id)),
      })),
    [findings, nodeInfo, t],
  );
  useEffect(() => store.setFindings(shownFindings), [store, shownFindings]);
  const nodeTitles = useMemo(() => {
    const out: Record<string, string> = {};
    const used = new Map<string, number>();
    for (const [id, info] of nodeInfo) {
      const title = nodeTitle(t, info);
      const n = (used.get(title) ?? 0) + 1;
      used.set(title, n);
      out[id] = n > 1 ? `${title} (${n})` : title;
    }
    return out;
  }, [nodeInfo, t]);
  const errors = shownFindings.filter((f) => f.severity === "error");
  const warnings = shownFindings.filter((f) => f.severity === "warning");

  const setActiveNode = useCallback(
    (id: string | null) => {
      store.setActive(id);
    },
    [store],
  );

  // Recomputed only when the set of ids changes, not on every drag frame.
  const idKey = nodes.map((n) => n.id).join("\n");
  const nodeIds = useMemo(() => (idKey ? idKey.split("\n") : []), [idKey]);
  const variableNames = useMemo(
    () => [...(meta.variables ?? []).map((v) => v.name), ...BUILTIN_VARIABLES],
    [meta.variables],
  );
  const singleId = single?.id;
  const singleFindings = useMemo(
    () => (singleId ? shownFindings.filter((f) => f.node_id === singleId) : []),
    [shownFindings, singleId],
  );

  const renameScenario = async (value: string) => {
    const trimmed = value.trim();
    if (!trimmed) return;
    try {
      await api.patch(base, { name: trimmed });
      setName(trimmed);
      patchMeta({ name: trimmed }, "name");
    } catch (e) {
      showToast(e instanceof ApiError ? e.message : String(e));
    }
  };

  if (loadError) return <div className="bf-page-error">{loadError}</div>;

  const saveLabel = !loaded
    ? t("common.loading")
    : saveState === "saving"
      ? t("save.saving")
      : saveState === "dirty"
        ? t("save.dirty")
        : saveState === "error"
          ? t("save.error")
          : saveState === "conflict"
            ? t("save.conflict")
            : t("save.saved");

  return (
    <DeclareVariableContext.Provider value={declareOne}>
    <div className="bf-editor">
      <header className="bf-topbar">
        <a className="bf-brand" href="/" title={t("list.title")}>
          ◆ botflow
        </a>
        {/* Title over a status line (save state · publish state): in a narrow window or in Russian the
            whole title and both states still fit, and only the spacer gives way. */}
        <div className="bf-title-block">
        <input
          className="bf-title-input"
          aria-label={t("list.name")}
          defaultValue={name}
          key={name}
          size={Math.min(Math.max(name.length, 8), 48)}
          title={name}
          onBlur={(e) => e.target.value !== name && renameScenario(e.target.value)}
          onKeyDown={(e) => e.key === "Enter" && (e.target as HTMLInputElement).blur()}
          disabled={!canEdit}
        />
        <div className="bf-title-status">
        <span className={`bf-save bf-save--${saveState}`} data-testid="save-state" title={saveError || updatedAt}>
          {saveLabel}
        </span>
        {loaded ? (
          <span
            className={`bf-pub ${publishedVersion === null ? "bf-pub--never" : unpublished ? "bf-pub--pending" : "bf-pub--live"}`}
            data-testid="publish-state"
            title={publishedVersion !== null && unpublished ? t("pub.pending_hint", { n: publishedVersion }) : undefined}
          >
            {publishedVersion === null
              ? t("pub.never")
              : unpublished
                ? t("pub.pending")
                : t("pub.live", { n: publishedVersion })}
          </span>
        ) : null}
        </div>
        </div>
        <span className="bf-spacer" />
        <button type="button" className="bf-btn" onClick={doUndo} disabled={!historyFlags.undo} title={`${t("tb.undo")} (Ctrl+Z)`} aria-label={t("tb.undo")}>
          <Icon name="undo" />
        </button>
        <button
          type="button"
          className="bf-btn"
          onClick={doRedo}
          disabled={!historyFlags.redo}
          title={`${t("tb.redo")} (Ctrl+Shift+Z)`}
          aria-label={t("tb.redo")}
        >
          <Icon name="redo" />
        </button>
        <button type="button" className="bf-btn" onClick={layout} title={t("tb.layout")} aria-label={t("tb.layout")}>
          <Icon name="layout" /> <span className="bf-btn-label">{t("tb.layout")}</span>
        </button>
        <button
          type="button"
          className={`bf-btn ${errors.length ? "bf-btn-error" : warnings.length ? "bf-btn-warning" : ""}`}
          onClick={() => setShowProblems((v) => !v)}
          data-testid="problems-toggle"
          title={t("tb.problems")}
          aria-label={t("tb.problems")}
        >
          <Icon name={errors.length || warnings.length ? "alert" : "check"} />
          <span className="bf-btn-label">{t("tb.problems")}</span>
          {errors.length ? <span className="bf-badge bf-badge-error">{errors.length}</span> : null}
          {warnings.length ? <span className="bf-badge bf-badge-warning">{warnings.length}</span> : null}
        </button>
        <button
          type="button"
          className={`bf-btn ${showVersions ? "is-on" : ""}`}
          onClick={() => setShowVersions((v) => !v)}
          title={t("tb.versions")}
          aria-label={t("tb.versions")}
        >
          <Icon name="history" /> <span className="bf-btn-label">{t("tb.versions")}</span>
          {publishedVersion ? ` · v${publishedVersion}` : ""}
        </button>
        <button
          type="button"
          className={`bf-btn ${rightPanel === "preview" ? "is-on" : ""}`}
          onClick={() => setRightPanel((p) => (p === "preview" ? "inspector" : "preview"))}
          data-testid="preview-toggle"
          title={t("tb.preview")}
          aria-label={t("tb.preview")}
        >
          <Icon name="play" /> <span className="bf-btn-label">{t("tb.preview")}</span>
        </button>
        <button
          type="button"
          className="bf-btn bf-btn-primary"
          disabled={!canEdit || errors.length > 0 || saveState === "conflict" || !loaded}
          title={errors.length ? t("publish.blocked", { n: errors.length }) : ""}
          onClick={() => setPublishOpen(true)}
          data-testid="publish"
        >
          {t("tb.publish")}
        </button>
        <LanguageSwitcher />
      </header>

      {connect === "banner" && publishedVersion ? (
        <div className="bf-banner bf-banner-published" role="status" data-testid="published-banner">
          <span>{t("connect.published", { n: publishedVersion })}</span>
          <button type="button" className="bf-btn bf-btn-primary" onClick={() => setConnect("dialog")} data-testid="connect-open">
            {t("connect.open")}
          </button>
          <span className="bf-spacer" />
          <button type="button" className="bf-icon-btn" aria-label={t("common.close")} onClick={() => setConnect("")}>
            ✕
          </button>
        </div>
      ) : null}
      {conflict ? (
        <div className="bf-banner bf-banner-conflict" role="alert" data-testid="conflict">
          <span>
            {t("conflict.text", {
              user: conflict.updated_by ?? t("conflict.someone"),
              time: conflict.updated_at ? new Date(conflict.updated_at).toLocaleString(lang) : "",
            })}
          </span>
          <span className="bf-spacer" />
          <button type="button" className="bf-btn" onClick={() => load()}>
            {t("conflict.reload")}
          </button>
          <button type="button" className="bf-btn bf-btn-danger" onClick={overwrite}>
            {t("conflict.overwrite")}
          </button>
        </div>
      ) : null}
      {saveState === "error" ? (
        <div className="bf-banner bf-banner-error" role="alert">
          <span>
            {t("save.failed")}: {saveError}
          </span>
          <span className="bf-spacer" />
          <button type="button" className="bf-btn" onClick={() => save()}>
            {t("common.retry")}
          </button>
        </div>
      ) : null}

      <div className="bf-workspace">
        {canEdit ? <Palette onAdd={addNode} /> : null}
        <div
          className="bf-canvas"
          ref={wrapper}
          onDrop={onDrop}
          onDragOver={onDragOver}
          {...clipboard.mouse}
          data-testid="canvas"
        >
          <ReactFlow
            nodes={nodes}
            edges={edges}
            nodeTypes={nodeTypes}
            onNodesChange={onNodesChange}
            onEdgesChange={onEdgesChange}
            onConnect={onConnect}
            nodesDraggable={canEdit}
            nodesConnectable={canEdit}
            deleteKeyCode={canEdit ? ["Backspace", "Delete"] : null}
            multiSelectionKeyCode={["Meta", "Control", "Shift"]}
            selectionKeyCode="Shift"
            minZoom={0.1}
            maxZoom={2}
            onlyRenderVisibleElements={nodes.length > 200}
            defaultEdgeOptions={{ type: "smoothstep", interactionWidth: 16 }}
            proOptions={{ hideAttribution: true }}
          >
            <Background variant={BackgroundVariant.Dots} gap={20} size={1.2} />
            <Controls />
            <MiniMap pannable zoomable nodeStrokeWidth={3} />
          </ReactFlow>
          {loaded && nodes.length === 0 ? <div className="bf-empty-canvas">{t("canvas.empty")}</div> : null}
          {showProblems ? (
            <div className="bf-problems" data-testid="problems">
              <div className="bf-panel-head">
                {t("tb.problems")}
                <span className="bf-spacer" />
                <button type="button" className="bf-icon-btn" onClick={() => setShowProblems(false)}>
                  ✕
                </button>
              </div>
              {findings.length === 0 ? <p className="bf-muted">{t("problems.none")}</p> : null}
              <ul>
                {[...errors, ...warnings].map((f, i) => (
                  <li key={i} className={`is-${f.severity}`}>
                    <button type="button" onClick={() => focusNode(f.node_id)} disabled={!f.node_id}>
                      <span className={`bf-sev is-${f.severity}`}><Icon name="alert" size={14} /></span>
                      <span>{f.message}</span>
                      {f.node_id ? <span className="bf-problem-node">{nodeTitles[f.node_id] ?? nodeTitle(t, undefined)}</span> : null}
                    </button>
                  </li>
                ))}
              </ul>
            </div>
          ) : null}
          {diff ? <DiffCanvas base={base} a={diff.a} b={diff.b} onClose={() => setDiff(null)} /> : null}
        </div>
        <div className="bf-side">
          {rightPanel === "preview" ? (
            <Preview
              base={wsBase}
              scenarioId={scenarioId}
              beforeStart={flushSave}
              onActiveNode={setActiveNode}
              onClose={() => setRightPanel("inspector")}
            />
          ) : single ? (
            <Inspector
              key={single.id}
              id={single.id}
              type={single.type as NodeType}
              data={single.data}
              isStart={meta.start === single.id}
              variables={variableNames}
              departments={departments}
              nodeIds={nodeIds}
              nodeTitles={nodeTitles}
              onPatch={canEdit ? replaceNodeData : () => {}}
              onDelete={deleteNode}
              onSetStart={setStart}
              findings={singleFindings}
            />
          ) : selected.length > 1 ? (
            <div className="bf-inspector">
              <div className="bf-panel-head">{t("inspector.multi", { n: selected.length })}</div>
              <p className="bf-muted bf-pad">{t("inspector.multi_hint")}</p>
            </div>
          ) : (
            <ScenarioSettings meta={meta} nodeIds={nodeIds} nodeTitles={nodeTitles} departments={departments} onChange={patchMeta} />
          )}
        </div>
        {showVersions ? (
          <VersionsDrawer
            base={base}
            publishedVersion={publishedVersion}
            onClose={() => setShowVersions(false)}
            onCompare={(a, b) => setDiff({ a, b })}
            onConnect={() => setConnect("dialog")}
            onRolledBack={(v: Version) => {
              setPublishedVersion(v.number);
              showToast(t("versions.rolled_back", { n: v.number }));
              load();
            }}
          />
        ) : null}
      </div>
      {publishOpen ? (
        <PublishDialog
          onCancel={() => setPublishOpen(false)}
          onPublish={async (note) => {
            if (!(await flushSave())) return t("publish.save_failed");
            try {
              const v = await api.post<Version>(`${base}publish/`, { note, revision: saver.revision });
              setPublishedVersion(v.number);
              setUnpublished(false);
              setPublishOpen(false);
              showToast(t("publish.done", { n: v.number }));
              setConnect("banner");
              return "";
            } catch (e) {
              if (e instanceof ApiError && e.errors.length) {
                applyFindings(e.errors.map((x) => ({ severity: "error", code: x.code ?? "", node_id: x.node_id, path: x.path, message: x.message })));
              }
              return e instanceof ApiError ? e.message : String(e);
            }
          }}
        />
      ) : null}
      {connect === "dialog" ? (
        <ConnectDialog
          wsBase={wsBase}
          scenarioId={scenarioId}
          scenarioName={name}
          published={publishedVersion !== null}
          onClose={() => setConnect("")}
        />
      ) : null}
      {toast ? (
        <div className="bf-toast" role="status" data-testid="toast">
          {toast}
        </div>
      ) : null}
    </div>
    </DeclareVariableContext.Provider>
  );
}

function PublishDialog({ onCancel, onPublish }: { onCancel: () => void; onPublish: (note: string) => Promise<string> }) {
  const { t } = useI18n();
  const [note, setNote] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState("");
  return (
    <div className="bf-modal-backdrop" onClick={onCancel}>
      <form
        className="bf-modal"
        role="dialog"
        aria-label={t("publish.title")}
        onClick={(e) => e.stopPropagation()}
        onSubmit={async (e) => {
          e.preventDefault();
          setBusy(true);
          setError(await onPublish(note));
          setBusy(false);
        }}
      >
        <h2>{t("publish.title")}</h2>
        <p className="bf-muted">{t("publish.text")}</p>
        <label className="bf-field">
          <span className="bf-field-label">{t("publish.note")}</span>
          <textarea
            rows={3}
            value={note}
            maxLength={500}
            autoFocus
            onChange={(e) => setNote(e.target.value)}
            placeholder={t("publish.note_placeholder")}
            data-testid="publish-note"
          />
        </label>
        {error ? <div className="bf-alert bf-alert-error">{error}</div> : null}
        <div className="bf-modal-foot">
          <button type="button" className="bf-btn" onClick={onCancel}>
            {t("common.cancel")}
          </button>
          <button type="submit" className="bf-btn bf-btn-primary" disabled={busy} data-testid="publish-confirm">
            {t("tb.publish")}
          </button>
        </div>
      </form>
    </div>
  );
}
