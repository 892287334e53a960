// Small stroke icons as inline SVG (no icon font, no emoji: headless and minimal Linux installs lack
// emoji fonts, and the UI must look the same everywhere).
import type { NodeType } from "./model/types";

const PATHS: Record<string, string> = {
  message: "M4 5h16v11H9l-5 4z",
  buttons: "M3 6h18v5H3zM3 13h18v5H3z",
  ask: "M9.5 9a2.5 2.5 0 1 1 3.5 2.3c-.6.3-1 .9-1 1.6V14M12 17.5v.5M4 4h16v16H4z",
  condition: "M6 3v6a6 6 0 0 0 6 6h0a6 6 0 0 1 6 6M18 3v6a6 6 0 0 1-6 6M6 21v-3",
  set_variable: "M5 8h14M5 16h14M9 4 7 20M17 4l-2 16",
  http_request: "M12 3a9 9 0 1 0 0 18 9 9 0 0 0 0-18zM3 12h18M12 3c2.5 2.5 3.5 5.5 3.5 9s-1 6.5-3.5 9c-2.5-2.5-3.5-5.5-3.5-9s1-6.5 3.5-9z",
  wait: "M12 3a9 9 0 1 0 0 18 9 9 0 0 0 0-18zM12 7v5l3 2",
  jump: "M4 17V11a4 4 0 0 1 4-4h11M15 3l4 4-4 4",
  handoff: "M4 14v-2a8 8 0 0 1 16 0v2M4 14h3v5H4zM17 14h3v5h-3z",
  rating: "M12 3l2.7 5.6 6.1.8-4.4 4.3 1 6.1L12 17l-5.4 2.8 1-6.1L3.2 9.4l6.1-.8z",
  template: "M4 4h16v12H8l-4 4zM8 8h8M8 12h5",
  tag: "M3 12V4h8l10 10-8 8zM7.5 7.5h.01",
  end: "M6 6h12v12H6z",
  undo: "M9 14 4 9l5-5M4 9h11a5 5 0 0 1 0 10h-3",
  redo: "M15 14l5-5-5-5M20 9H9a5 5 0 0 0 0 10h3",
  layout: "M4 4h6v6H4zM14 14h6v6h-6zM14 4h6v6h-6zM10 7h4M17 10v4",
  history: "M3 12a9 9 0 1 0 3-6.7L3 8M3 3v5h5M12 7v5l3 2",
  play: "M7 4l13 8-13 8z",
  check: "M5 12l5 5L20 7",
  alert: "M12 3 2 20h20zM12 10v4M12 17v.5",
  settings: "M12 9a3 3 0 1 0 0 6 3 3 0 0 0 0-6zM12 2v3M12 19v3M2 12h3M19 12h3M4.9 4.9l2.1 2.1M17 17l2.1 2.1M4.9 19.1 7 17M17 7l2.1-2.1",
  upload: "M12 16V4M7 9l5-5 5 5M4 20h16",
  plus: "M12 5v14M5 12h14",
  close: "M6 6l12 12M18 6 6 18",
};

export function Icon({ name, size = 16, className }: { name: NodeType | keyof typeof PATHS; size?: number; className?: string }) {
  return (
    <svg
      className={className ?? "bf-svg"}
      width={size}
      height={size}
      viewBox="0 0 24 24"
      fill="none"
      stroke="currentColor"
      strokeWidth={1.9}
      strokeLinecap="round"
      strokeLinejoin="round"
      aria-hidden="true"
    >
      <path d={PATHS[name] ?? PATHS.message} />
    </svg>
  );
}
