// Form controls for the inspector. TemplateField offers {{variable}} completion as you type.
import { useId, useRef, useState, type ReactNode } from "react";

export function Field({ label, hint, children }: { label: string; hint?: string; children: ReactNode }) {
  return (
    <label className="bf-field">
      <span className="bf-field-label">{label}</span>
      {children}
      {hint ? <span className="bf-field-hint">{hint}</span> : null}
    </label>
  );
}

const OPEN_RE = /\{\{\s*([A-Za-z0-9_.]*)$/;

export function TemplateField({
  value,
  onChange,
  variables,
  multiline = false,
  placeholder,
  ariaLabel,
  testId,
}: {
  value: string;
  onChange: (v: string) => void;
  variables: string[];
  multiline?: boolean;
  placeholder?: string;
  ariaLabel?: string;
  testId?: string;
}) {
  const ref = useRef<HTMLTextAreaElement & HTMLInputElement>(null);
  const [query, setQuery] = useState<string | null>(null);
  const [index, setIndex] = useState(0);
  const listId = useId();

  const matches = query === null ? [] : variables.filter((v) => v.toLowerCase().startsWith(query.toLowerCase())).slice(0, 8);

  function refresh(text: string, caret: number) {
    const m = OPEN_RE.exec(text.slice(0, caret));
    setQuery(m ? m[1] : null);
    setIndex(0);
  }

  function insert(name: string) {
    const el = ref.current;
    if (!el) return;
    const caret = el.selectionStart ?? value.length;
    const before = value.slice(0, caret).replace(OPEN_RE, `{{${name}}}`);
    const after = value.slice(caret).replace(/^\s*[A-Za-z0-9_.]*\s*\}\}/, "");
    const next = before + after;
    onChange(next);
    setQuery(null);
    requestAnimationFrame(() => {
      el.focus();
      el.setSelectionRange(before.length, before.length);
    });
  }

  const common = {
    ref,
    value,
    placeholder,
    "aria-label": ariaLabel,
    "data-testid": testId,
    "aria-autocomplete": "list" as const,
    "aria-controls": matches.length ? listId : undefined,
    onChange: (e: any) => {
      onChange(e.target.value);
      refresh(e.target.value, e.target.selectionStart ?? e.target.value.length);
    },
    onBlur: () => setTimeout(() => setQuery(null), 150),
    onKeyDown: (e: any) => {
      if (!matches.length) return;
      if (e.key === "ArrowDown") {
        e.preventDefault();
        setIndex((i) => (i + 1) % matches.length);
      } else if (e.key === "ArrowUp") {
        e.preventDefault();
        setIndex((i) => (i - 1 + matches.length) % matches.length);
      } else if (e.key === "Enter" || e.key === "Tab") {
        e.preventDefault();
        insert(matches[index]);
      } else if (e.key === "Escape") {
        setQuery(null);
      }
    },
  };

  return (
    <div className="bf-template">
      {multiline ? <textarea rows={3} {...common} /> : <input type="text" {...common} />}
      {matches.length ? (
        <ul className="bf-suggest" id={listId} role="listbox">
          {matches.map((m, i) => (
            <li
              key={m}
              role="option"
              aria-selected={i === index}
              className={i === index ? "is-active" : ""}
              onMouseDown={(e) => {
                e.preventDefault();
                insert(m);
              }}
            >
              {`{{${m}}}`}
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}

/** A list of strings edited as a comma-separated line. */
export function ListField({
  value,
  onChange,
  placeholder,
  ariaLabel,
}: {
  value: string[];
  onChange: (v: string[]) => void;
  placeholder?: string;
  ariaLabel?: string;
}) {
  const [text, setText] = useState(value.join(", "));
  const [last, setLast] = useState(value);
  if (last !== value && value.join(", ") !== text.split(",").map((s) => s.trim()).filter(Boolean).join(", ")) {
    setLast(value);
    setText(value.join(", "));
  }
  return (
    <input
      type="text"
      value={text}
      placeholder={placeholder}
      aria-label={ariaLabel}
      onChange={(e) => {
        setText(e.target.value);
        const list = e.target.value
          .split(",")
          .map((s) => s.trim())
          .filter(Boolean);
        setLast(list);
        onChange(list);
      }}
    />
  );
}

/** A select over the scenario's steps, named by their titles (the start step, a jump target). */
export function NodeSelect({ value, nodeIds, nodeTitles, onChange }: {
  value: string;
  nodeIds: string[];
  nodeTitles?: Record<string, string>;
  onChange: (id: string) => void;
}) {
  return (
    <select value={value} onChange={(e) => onChange(e.target.value)}>
      <option value="">—</option>
      {nodeIds.map((n) => (
        <option key={n} value={n}>
          {nodeTitles?.[n] ?? n}
        </option>
      ))}
    </select>
  );
}
