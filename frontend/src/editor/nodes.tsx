// Canvas node components: one per node type, all memoised, all drawn by one shell that shows the
// node's content and one labelled source handle per output port.
import {
  Handle,
  Position,
  useNodeConnections,
  useStore,
  useUpdateNodeInternals,
  type NodeProps,
  type NodeTypes,
} from "@xyflow/react";
import { memo, useEffect, useMemo, type ReactNode } from "react";
import { dynamicKey, useI18n, type T } from "./i18n";
import type { FlowNode } from "./model/convert";
import { portsOf, type Port } from "./model/ports";
import { NODE_TYPES, type NodeData, type NodeType } from "./model/types";
import { nodeTitle } from "./findingText";
import { Icon } from "./icons";
import { useNodeStatus, useWhatsappUsed } from "./status";


export function portLabel(t: T, type: NodeType, port: Port): string {
  // Derived ports (a button, a rule) show their own label; fixed ports a translated name.
  if ((type === "buttons" || type === "condition") && port.kind === "required" && port.id !== "else") return port.label;
  return t(dynamicKey(`port.${port.id}`));
}

/** "Go to Buttons «Choose a topic»": a jump's target by its title, read from the canvas (never its id). */
function JumpTo({ target, t }: { target: string; t: T }) {
  const title = useStore((s) => {
    const n = s.nodeLookup.get(target);
    return n ? nodeTitle(t, { type: String(n.type), data: n.data as NodeData }) : t("finding.missing_step");
  });
  return <>{t("node.jump_node", { n: title })}</>;
}

function clip(s: unknown, n = 140): string {
  const text = typeof s === "string" ? s : "";
  return text.length > n ? `${text.slice(0, n - 1)}…` : text;
}

function Body({ type, data, t }: { type: NodeType; data: NodeData; t: T }): ReactNode {
  switch (type) {
    case "message":
      return (
        <>
          {data.media?.url ? <div className="bf-node-media">[{t(dynamicKey(`media.${data.media.kind ?? "image"}`))}]</div> : null}
          <div className="bf-node-text">{clip(data.text) || <em>{t("node.empty_text")}</em>}</div>
        </>
      );
    case "buttons":
      return <div className="bf-node-text">{clip(data.text) || <em>{t("node.empty_text")}</em>}</div>;
    case "ask":
      return (
        <>
          <div className="bf-node-text">{clip(data.prompt) || <em>{t("node.empty_text")}</em>}</div>
          <div className="bf-node-meta">
            → <code>{`{{${data.variable ?? ""}}}`}</code> · {t(dynamicKey(`kind.${data.kind ?? "text"}`))}
          </div>
        </>
      );
    case "condition":
      return <div className="bf-node-meta">{t("node.condition_hint")}</div>;
    case "set_variable":
      return (
        <div className="bf-node-meta">
          {(data.assignments ?? []).slice(0, 4).map((a: any, i: number) => (
            <div key={i}>
              <code>{a.variable}</code> = {clip(a.expression ?? a.value, 40)}
            </div>
          ))}
        </div>
      );
    case "http_request":
      return (
        <div className="bf-node-meta">
          <b>{data.method}</b> {clip(data.url, 60)}
        </div>
      );
    case "wait":
      return <div className="bf-node-meta">{t("node.wait_for", { n: data.seconds ?? 0 })}</div>;
    case "jump":
      return (
        <div className="bf-node-meta">
          {data.scenario ? (
            t("node.jump_scenario", { s: data.scenario })
          ) : data.node ? (
            <JumpTo target={data.node} t={t} />
          ) : (
            t("node.jump_node", { n: "—" })
          )}
        </div>
      );
    case "handoff":
      return (
        <>
          <div className="bf-node-meta">
            {t("node.department")}: <b>{data.department || t("node.default_department")}</b>
          </div>
          {data.message ? <div className="bf-node-text">{clip(data.message)}</div> : null}
        </>
      );
    case "rating":
      return <div className="bf-node-text">{clip(data.prompt)}</div>;
    case "template":
      return (
        <div className="bf-node-meta">
          <code>{clip(data.template, 60) || "—"}</code> · {data.language || "—"}
        </div>
      );
    case "tag":
      return (
        <div className="bf-node-meta">
          {(data.add ?? []).map((x: string) => `+${x}`).join(" ")} {(data.remove ?? []).map((x: string) => `−${x}`).join(" ")}{" "}
          {data.consent ? t(dynamicKey(`consent.${data.consent}`)) : ""}
        </div>
      );
    case "end":
      return <div className="bf-node-text">{clip(data.text) || <em>{t("node.end_hint")}</em>}</div>;
  }
}

// Zoomed far out, text is unreadable anyway: nodes drop their body (level of detail), which keeps a
// 500-node overview cheap to paint. A boolean selector re-renders nodes only when the threshold is crossed.
const isFarOut = (s: { transform: [number, number, number] }) => s.transform[2] < 0.28;

function NodeShell({ id, type, data, selected }: NodeProps<FlowNode>) {
  const { t } = useI18n();
  const farOut = useStore(isFarOut);
  const status = useNodeStatus(id);
  const nodeType = type as NodeType;
  const ports = useMemo(() => portsOf(nodeType, data), [nodeType, data]);
  const portKey = ports.map((p) => p.id).join("|");
  const updateInternals = useUpdateNodeInternals();
  useEffect(() => {
    updateInternals(id);
  }, [id, portKey, updateInternals]);

  const classes = ["bf-node", `bf-node--${type}`];
  if (farOut) classes.push("is-far");
  if (selected) classes.push("is-selected");
  if (status.errors.length) classes.push("has-errors");
  else if (status.warnings.length) classes.push("has-warnings");
  if (status.diff) classes.push(`diff-${status.diff}`);
  if (status.active) classes.push("is-active");
  // Optional ports (outside the WhatsApp 24h window) are offered only where a WhatsApp channel runs the
  // scenario, and then only on the selected node; a drawn edge always keeps its handle. The lookup is per
  // handle, not a scan of all edges.
  const whatsapp = useWhatsappUsed();
  const optionalInUse = useNodeConnections({ id, handleType: "source", handleId: "outside_window" }).length > 0;
  const visiblePorts = ports.filter((p) => p.kind !== "optional" || (selected && whatsapp) || optionalInUse);

  return (
    <div className={classes.join(" ")} data-node-id={id} data-node-type={type}>
      <Handle type="target" position={Position.Left} className="bf-handle-in" id="in" />
      <div className="bf-node-head">
        <span className="bf-node-icon" aria-hidden>
          <Icon name={nodeType} />
        </span>
        <span className="bf-node-title">{t(`type.${type}`)}</span>
        {status.start ? <span className="bf-chip bf-chip-start">{t("node.start")}</span> : null}
        {data.entry === true ? (
          <span className="bf-chip bf-chip-entry" title={t("f.entry")} data-testid="entry-chip">
            ↩ {t("node.entry")}
          </span>
        ) : null}
        {status.errors.length ? (
          <span className="bf-badge bf-badge-error" title={status.errors.join("\n")} data-testid="error-badge">
            {status.errors.length}
          </span>
        ) : null}
        {status.warnings.length ? (
          <span className="bf-badge bf-badge-warning" title={status.warnings.join("\n")} data-testid="warning-badge">
            {status.warnings.length}
          </span>
        ) : null}
        {status.diff ? <span className={`bf-chip bf-chip-${status.diff}`}>{t(`diff.${status.diff}`)}</span> : null}
      </div>
      {farOut ? null : (
        <div className="bf-node-body">
          <Body type={nodeType} data={data} t={t} />
        </div>
      )}
      {visiblePorts.length ? (
        <div className="bf-ports">
          {visiblePorts.map((p) => (
            <div key={p.id} className={`bf-port bf-port--${p.kind}`} data-port={p.id}>
              <span className="bf-port-label">{portLabel(t, nodeType, p)}</span>
              <Handle type="source" position={Position.Right} id={p.id} className="bf-handle-out" />
            </div>
          ))}
        </div>
      ) : null}
    </div>
  );
}

const MemoNode = memo(NodeShell);

// React Flow needs a stable object: defined once at module level, one entry per node type.
export const nodeTypes: NodeTypes = Object.fromEntries(NODE_TYPES.map((type) => [type, MemoNode]));
