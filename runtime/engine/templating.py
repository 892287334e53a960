"""`{{variable}}` templates: plain substitution, never code.

Syntax: `{{name}}`, `{{ name }}`, `{{name|default text}}`, `{{order.status}}` / `{{items.0.name}}`
(reads into json variables). An empty or unset value renders the default (or nothing). `\\{{` renders a
literal `{{`. Anything between braces that is not a name is left as written. Output is plain text; the
channel escapes it for display.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import Any
from urllib.parse import quote

_PLACEHOLDER = re.compile(r"\\\{\{|\{\{\s*([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)*)\s*(?:\|([^{}]*?))?\s*\}\}")
_ESCAPED_OPEN = "\\{{"

# A compiled template: literal strings and (path, default) placeholders, in order.
Part = str | tuple[tuple[str, ...], str]


@lru_cache(maxsize=8192)
def compile_template(template: str) -> tuple[Part, ...]:
    if "{{" not in template:
        return (template,)
    parts: list[Part] = []
    pos = 0
    for m in _PLACEHOLDER.finditer(template):
        if m.start() > pos:
            parts.append(template[pos : m.start()])
        if m.group(0) == _ESCAPED_OPEN:
            parts.append("{{")
        else:
            parts.append((tuple(m.group(1).split(".")), (m.group(2) or "").strip()))
        pos = m.end()
    if pos < len(template):
        parts.append(template[pos:])
    return tuple(parts)


_compiled: dict[str, tuple[Part, ...]] = {}  # hot-path cache in front of compile_template's lru_cache


def template_names(template: str) -> tuple[str, ...]:
    """Top-level variable names a template reads (for graph checks)."""
    return tuple(p[0][0] for p in compile_template(template) if isinstance(p, tuple))


def lookup(variables: Mapping[str, Any], path: tuple[str, ...]) -> Any:
    """Read `a.b.0` from variables; a missing step gives None."""
    value: Any = variables.get(path[0])
    for key in path[1:]:
        if isinstance(value, Mapping):
            value = value.get(key)
        elif isinstance(value, list) and key.lstrip("-").isdigit():
            idx = int(key)
            value = value[idx] if -len(value) <= idx < len(value) else None
        else:
            return None
    return value


def to_text(value: Any) -> str:
    """How a variable's value reads in a message."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if isinstance(value, int | float):
        return str(value)
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def render(
    template: str,
    variables: Mapping[str, Any],
    escape: Callable[[str], str] | None = None,
) -> str:
    """Substitute variables into `template`. `escape` transforms each substituted value (not defaults)."""
    parts = _compiled.get(template)
    if parts is None:
        parts = compile_template(template)
        if len(_compiled) > 8192:  # bounded; templates come from a few scenarios, so this rarely clears
            _compiled.clear()
        _compiled[template] = parts
    if len(parts) == 1 and parts[0].__class__ is str:
        return parts[0]
    return _fill(parts, variables, escape)


def _fill(parts: tuple[Part, ...], variables: Mapping[str, Any], escape: Callable[[str], str] | None) -> str:
    """Literal parts as they are; a placeholder's value through `escape`, its default (when empty) as it is."""
    out: list[str] = []
    for part in parts:
        if isinstance(part, str):
            out.append(part)
            continue
        path, default = part
        text = to_text(lookup(variables, path))
        if text == "":
            out.append(default)
        else:
            out.append(escape(text) if escape else text)
    return "".join(out)


def json_string_escape(text: str) -> str:
    """Escape a value for use inside a JSON string literal in a request body template."""
    return json.dumps(text, ensure_ascii=False)[1:-1]


def header_escape(text: str) -> str:
    """Header values must not smuggle extra headers."""
    return text.replace("\r", " ").replace("\n", " ")


_WEB_URL = re.compile(r"https?://[^\s/?#]", re.IGNORECASE)


def is_web_url(url: str) -> bool:
    """True for an absolute http(s) URL: the only kind a message may link or embed (a `javascript:` or
    `data:` URL would run or render in the widget, the inbox or the editor's preview)."""
    return _WEB_URL.match(url.strip()) is not None


def render_url(template: str, variables: Mapping[str, Any]) -> str:
    """URL templates: values are percent-encoded, except a placeholder that opens the URL (a base URL)."""
    parts = compile_template(template)
    return _fill(parts[:1], variables, None) + _fill(parts[1:], variables, _quote_all)


def _quote_all(text: str) -> str:
    return quote(text, safe="")
