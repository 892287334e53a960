// The palette: drag a node type onto the canvas (or click to add it in the middle of the view).
import { memo } from "react";
import { useI18n, type EditorKey } from "./i18n";
import type { NodeType } from "./model/types";
import { Icon } from "./icons";

export const DND_MIME = "application/x-botflow-node";

export const GROUPS: { key: EditorKey; types: NodeType[] }[] = [
  { key: "palette.talk", types: ["message", "buttons", "ask", "rating", "template"] },
  { key: "palette.logic", types: ["condition", "set_variable", "http_request", "wait", "jump", "tag"] },
  { key: "palette.finish", types: ["handoff", "end"] },
];

function PaletteImpl({ onAdd }: { onAdd: (type: NodeType) => void }) {
  const { t } = useI18n();
  return (
    <aside className="bf-palette" aria-label={t("palette.title")}>
      {GROUPS.map((g) => (
        <div key={g.key} className="bf-palette-group">
          <div className="bf-palette-title">{t(g.key)}</div>
          {g.types.map((type) => (
            <button
              type="button"
              key={type}
              className={`bf-palette-item bf-palette-item--${type}`}
              draggable
              data-testid={`palette-${type}`}
              title={t(`help.${type}`)}
              onDragStart={(e) => {
                e.dataTransfer.setData(DND_MIME, type);
                e.dataTransfer.effectAllowed = "move";
              }}
              onClick={() => onAdd(type)}
            >
              <span className="bf-palette-icon" aria-hidden>
                <Icon name={type} />
              </span>
              <span>{t(`type.${type}`)}</span>
            </button>
          ))}
        </div>
      ))}
    </aside>
  );
}

export const Palette = memo(PaletteImpl);
