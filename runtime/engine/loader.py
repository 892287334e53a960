"""Scenario document (dict, see README "The scenario format") → `ir.Scenario`.

The loader checks what the interpreter needs to run safely (known node types, ids, field types, edges
pointing at existing nodes and ports) and raises `ScenarioError` otherwise. Editorial checks (unreachable
nodes, unconnected ports, undeclared variables) belong to builder/graph.py: a draft with such findings still
runs in preview. `compile_cached` keeps compiled scenarios per caller key (e.g. a published version id).
"""

from __future__ import annotations

import builtins
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, Literal, overload

from . import ir
from .effects import OPERATOR_BUTTON_ID, Button, Media
from .texts import text as default_text

_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_VAR = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")
_PATH_STEP = re.compile(r"""\.([A-Za-z0-9_-]+)|\[(-?\d+)\]|\[\s*"([^"]*)"\s*\]|\[\s*'([^']*)'\s*\]""")

ASK_KINDS = ("text", "number", "email", "phone", "date", "choice")
HTTP_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
CACHE_SIZE = 256


class ScenarioError(Exception):
    """A document the engine cannot run. `code` is stable, `message` is for people."""

    def __init__(self, code: str, message: str, node_id: str | None = None) -> None:
        super().__init__(f"{code}: {message}" + (f" (node {node_id})" if node_id else ""))
        self.code = code
        self.message = message
        self.node_id = node_id


# --- field readers -----------------------------------------------------------------------------------


class _Data:
    """Typed access to one node's `data`, raising ScenarioError with the node id."""

    def __init__(self, node_id: str, node_type: str, data: Any) -> None:
        if not isinstance(data, dict):
            raise ScenarioError("data_invalid", "node data must be an object", node_id)
        unknown = set(data) - set(ir.NODE_TYPES[node_type].fields) - set(ir.COMMON_FIELDS)
        if unknown:
            raise ScenarioError("data_unknown_field", f"unknown field(s) {sorted(unknown)} for {node_type}", node_id)
        self.id, self.data = node_id, data

    def fail(self, message: builtins.str) -> ScenarioError:
        return ScenarioError("data_invalid", message, self.id)

    # The readers are named after the type they read, so inside the class `builtins.str`/`builtins.int` name
    # the types; the overloads tell a caller when None cannot come back (required, or a default given).
    @overload
    def str(self, key: builtins.str, default: builtins.str, *, required: bool = False) -> builtins.str: ...
    @overload
    def str(self, key: builtins.str, default: None = None, *, required: Literal[True]) -> builtins.str: ...
    @overload
    def str(
        self, key: builtins.str, default: None = None, *, required: bool = False
    ) -> builtins.str | None: ...
    def str(
        self, key: builtins.str, default: builtins.str | None = None, *, required: bool = False
    ) -> builtins.str | None:
        value = self.data.get(key)
        if value is None:
            if required:
                raise self.fail(f"'{key}' is required")
            return default
        if not isinstance(value, str):
            raise self.fail(f"'{key}' must be a string")
        return value

    @overload
    def int(self, key: builtins.str, default: builtins.int, lo: builtins.int, hi: builtins.int) -> builtins.int: ...
    @overload
    def int(
        self, key: builtins.str, default: None, lo: builtins.int, hi: builtins.int
    ) -> builtins.int | None: ...
    def int(
        self, key: builtins.str, default: builtins.int | None, lo: builtins.int, hi: builtins.int
    ) -> builtins.int | None:
        value = self.data.get(key)
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
            raise self.fail(f"'{key}' must be an integer from {lo} to {hi}")
        return value

    def num(self, key: builtins.str) -> float | None:
        value = self.data.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail(f"'{key}' must be a number")
        return value

    def list(
        self, key: builtins.str, *, required: bool = False, lo: builtins.int = 0, hi: builtins.int = 1000
    ) -> builtins.list[Any]:
        value = self.data.get(key)
        if value is None:
            if required:
                raise self.fail(f"'{key}' is required")
            return []
        if not isinstance(value, list) or not lo <= len(value) <= hi:
            raise self.fail(f"'{key}' must be a list of {lo} to {hi} items")
        return value

    def var(self, key: builtins.str, *, required: bool = False) -> builtins.str | None:
        value = self.str(key, required=required)
        if value is not None and not _VAR.match(value):
            raise self.fail(f"'{key}' is not a valid variable name")
        return value


def _item_ids(d: _Data, items: list[Any], what: str) -> None:
    seen: set[str] = set()
    for item in items:
        if not isinstance(item, dict) or not isinstance(item.get("id"), str) or not _ID.match(item["id"]):
            raise d.fail(f"each of {what} needs a valid 'id'")
        if item["id"] in seen:
            raise ScenarioError("duplicate_id", f"{what} id {item['id']!r} is used twice", d.id)
        seen.add(item["id"])


def parse_json_path(path: object) -> tuple[str | int, ...] | None:
    """`$.a.b`, `$.items[0].name`, `$["odd key"]` → ("a", "b") …; None when malformed."""
    if not isinstance(path, str) or not path.startswith("$"):
        return None
    steps: list[str | int] = []
    pos = 1
    while pos < len(path):
        m = _PATH_STEP.match(path, pos)
        if not m:
            return None
        if m.group(1) is not None:
            steps.append(m.group(1))
        elif m.group(2) is not None:
            steps.append(int(m.group(2)))
        else:
            steps.append(m.group(3) if m.group(3) is not None else m.group(4))
        pos = m.end()
    return tuple(steps)


# --- one builder per node type ------------------------------------------------------------------------


def _message(d: _Data) -> ir.MessageNode:
    media = d.data.get("media")
    parsed = None
    if media is not None:
        if not isinstance(media, dict) or media.get("kind") not in ("image", "video", "audio", "file"):
            raise d.fail("'media' needs a kind (image, video, audio, file) and a url")
        if not isinstance(media.get("url"), str) or not media["url"]:
            raise d.fail("'media.url' is required")
        caption = media.get("caption") or ""
        if not isinstance(caption, str):
            raise d.fail("'media.caption' must be a string")
        parsed = Media(media["kind"], media["url"], caption)
    return ir.MessageNode(d.id, d.str("text", ""), parsed)


def _buttons(d: _Data) -> ir.ButtonsNode:
    items = d.list("buttons", required=True, lo=1, hi=10)
    _item_ids(d, items, "buttons")
    buttons = []
    for item in items:
        label = item.get("label")
        if not isinstance(label, str) or not label.strip():
            raise d.fail("each button needs a label")
        if item["id"] == OPERATOR_BUTTON_ID:
            raise d.fail(f"button id {OPERATOR_BUTTON_ID} is reserved")
        buttons.append(Button(item["id"], label))
    return ir.ButtonsNode(d.id, d.str("text", required=True), tuple(buttons), d.var("variable"))


def _ask(d: _Data) -> ir.AskNode:
    kind = d.str("kind", "text")
    if kind not in ASK_KINDS:
        raise d.fail(f"'kind' must be one of {', '.join(ASK_KINDS)}")
    choices = d.list("choices", hi=10)
    if not all(isinstance(c, str) and c.strip() for c in choices):
        raise d.fail("'choices' must be non-empty strings")
    if kind == "choice" and not choices:
        raise d.fail("a choice question needs 'choices'")
    return ir.AskNode(
        d.id,
        prompt=d.str("prompt", required=True),
        variable=d.var("variable", required=True) or "",
        kind=kind,
        choices=tuple(choices),
        min=d.num("min"),
        max=d.num("max"),
        validation_message=d.str("validation_message", ""),
        retries=d.int("retries", 2, 0, 10),
        timeout_seconds=d.int("timeout_seconds", None, 1, 2_592_000),
    )


def _condition(d: _Data) -> ir.ConditionNode:
    items = d.list("rules", required=True, lo=1, hi=20)
    _item_ids(d, items, "rules")
    rules = []
    for item in items:
        if not isinstance(item.get("expression"), str):
            raise d.fail("each rule needs an expression")
        rules.append(ir.Rule(item["id"], item["expression"], str(item.get("label") or "")))
    if any(r.id == "else" for r in rules):
        raise d.fail("rule id 'else' is reserved")
    return ir.ConditionNode(d.id, tuple(rules))


def _set_variable(d: _Data) -> ir.SetVariableNode:
    out = []
    for item in d.list("assignments", required=True, lo=1, hi=20):
        if not isinstance(item, dict) or not isinstance(item.get("variable"), str) or not _VAR.match(item["variable"]):
            raise d.fail("each assignment needs a valid 'variable'")
        value, expression = item.get("value"), item.get("expression")
        if (value is None) == (expression is None):
            raise d.fail("an assignment has either 'value' or 'expression'")
        if not isinstance(value if value is not None else expression, str):
            raise d.fail("'value' and 'expression' are strings")
        out.append(ir.Assignment(item["variable"], value, expression))
    return ir.SetVariableNode(d.id, tuple(out))


def _http_request(d: _Data) -> ir.HttpRequestNode:
    method = d.str("method", "GET")
    if method not in HTTP_METHODS:
        raise d.fail(f"'method' must be one of {', '.join(HTTP_METHODS)}")
    headers = []
    for h in d.list("headers", hi=20):
        if not isinstance(h, dict) or not isinstance(h.get("name"), str) or not isinstance(h.get("value"), str):
            raise d.fail("each header needs a name and a value")
        headers.append((h["name"], h["value"]))
    mapping = []
    for m in d.list("response_mapping", hi=20):
        if not isinstance(m, dict) or not isinstance(m.get("variable"), str) or not _VAR.match(m["variable"]):
            raise d.fail("each response mapping needs a valid 'variable'")
        steps = parse_json_path(m.get("path"))
        if steps is None:
            raise ScenarioError("json_path_invalid", f"cannot read JSON path {m.get('path')!r}", d.id)
        mapping.append(ir.ResponseMapping(m["variable"], m["path"], steps))
    return ir.HttpRequestNode(
        d.id, method, d.str("url", required=True), tuple(headers), d.str("body"), tuple(mapping),
        d.int("timeout_seconds", 10, 1, 30),
    )


def _wait(d: _Data) -> ir.WaitNode:
    seconds = d.int("seconds", None, 1, 2_592_000)
    if seconds is None:
        raise d.fail("'seconds' is required")
    return ir.WaitNode(d.id, seconds)


def _jump(d: _Data) -> ir.JumpNode:
    node, scenario = d.str("node"), d.str("scenario")
    if node is None and scenario is None:
        raise ScenarioError("jump_target_missing", "a jump needs a node or a scenario", d.id)
    return ir.JumpNode(d.id, node, scenario)


def _handoff(d: _Data) -> ir.HandoffNode:
    return ir.HandoffNode(d.id, d.str("department"), d.str("message", ""), d.str("note", ""))


def _rating(d: _Data) -> ir.RatingNode:
    ask_comment = d.data.get("ask_comment", False)
    if not isinstance(ask_comment, bool):
        raise d.fail("'ask_comment' must be true or false")
    return ir.RatingNode(
        d.id, d.str("prompt", required=True), ask_comment, d.str("comment_prompt", ""), d.str("thanks_text", "")
    )


def _tag(d: _Data) -> ir.TagNode:
    add, remove = d.list("add", hi=20), d.list("remove", hi=20)
    if not all(isinstance(t, str) and t for t in add + remove):
        raise d.fail("tags are non-empty strings")
    consent = d.str("consent")
    if consent not in (None, "subscribe", "unsubscribe"):
        raise d.fail("'consent' is subscribe or unsubscribe")
    return ir.TagNode(d.id, tuple(add), tuple(remove), consent)


def _end(d: _Data) -> ir.EndNode:
    return ir.EndNode(d.id, d.str("text", ""))


def _template(d: _Data) -> ir.TemplateNode:
    raw = d.data.get("variables") or {}
    if not isinstance(raw, dict) or not all(
        isinstance(k, str) and k.isdigit() and isinstance(v, str) for k, v in raw.items()
    ):
        raise d.fail("'variables' maps placeholder numbers (\"1\", \"2\", …) to texts")
    return ir.TemplateNode(d.id, d.str("template", required=True), d.str("language", required=True),
                           tuple(sorted(raw.items(), key=lambda item: int(item[0]))))


_BUILDERS: dict[str, Callable[[_Data], ir.Node]] = {
    "message": _message, "buttons": _buttons, "ask": _ask, "condition": _condition,
    "set_variable": _set_variable, "http_request": _http_request, "wait": _wait, "jump": _jump,
    "handoff": _handoff, "rating": _rating, "tag": _tag, "end": _end, "template": _template,
}
assert set(_BUILDERS) == set(ir.NODE_TYPES), "every node type needs a loader"


# --- document ------------------------------------------------------------------------------------------


def _settings(raw: Any) -> ir.Settings:
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise ScenarioError("settings_invalid", "settings must be an object")
    language = raw.get("language") or "en"
    op = raw.get("operator_button") or {}
    if not isinstance(op, dict):
        raise ScenarioError("settings_invalid", "settings.operator_button must be an object")
    keywords = op.get("keywords")
    if keywords is not None and not (isinstance(keywords, list) and all(isinstance(k, str) for k in keywords)):
        raise ScenarioError("settings_invalid", "settings.operator_button.keywords must be a list of strings")
    return ir.Settings(
        language=str(language),
        operator_enabled=op.get("enabled", True) is not False,
        operator_label=str(op.get("label") or default_text(language, "operator_label")),
        operator_keywords=tuple(keywords) if keywords is not None else None,
        department=op.get("department") or None,
        fallback_text=str(raw.get("fallback_text") or default_text(language, "fallback_text")),
        timezone=str(raw.get("timezone") or "UTC"),
        contact_fields=_contact_fields(raw.get("contact_fields")),
    )


CONTACT_FIELDS = ("name", "email", "phone")


def _contact_fields(raw: Any) -> tuple[tuple[str, str], ...]:
    """(variable, contact field) pairs: `settings.contact_fields` {field: variable} over the defaults (a variable
    named like the field); an empty value turns that field off."""
    chosen = {field: field for field in CONTACT_FIELDS}
    if isinstance(raw, dict):
        for field in CONTACT_FIELDS:
            if field in raw:
                chosen[field] = raw[field] if isinstance(raw[field], str) else ""
    return tuple((variable, field) for field, variable in chosen.items() if variable)


def _variables(raw: Any) -> dict[str, ir.Variable]:
    out: dict[str, ir.Variable] = {}
    for item in raw or []:
        if not isinstance(item, dict) or not isinstance(item.get("name"), str) or not _VAR.match(item["name"]):
            raise ScenarioError("variable_invalid", "each variable needs a valid name")
        vtype = item.get("type", "string")
        if vtype not in ("string", "number", "boolean", "json"):
            raise ScenarioError("variable_invalid", f"variable {item['name']!r} has unknown type {vtype!r}")
        default = item.get("default", "" if vtype == "string" else None)
        out[item["name"]] = ir.Variable(item["name"], vtype, default)
    return out


def _node(raw: Any) -> ir.Node:
    if not isinstance(raw, dict) or not isinstance(raw.get("id"), str) or not _ID.match(raw["id"]):
        raise ScenarioError("node_invalid", "each node needs a valid 'id'")
    node_id, node_type = raw["id"], raw.get("type")
    if not isinstance(node_type, str) or node_type not in ir.NODE_TYPES:
        raise ScenarioError("node_type_unknown", f"unknown node type {node_type!r}", node_id)
    return _BUILDERS[node_type](_Data(node_id, node_type, raw.get("data", {})))


def compile_scenario(doc: dict[str, Any]) -> ir.Scenario:
    """Compile a scenario document; raise ScenarioError (and nothing else) when it cannot run."""
    try:
        return _compile(doc)
    except ScenarioError:
        raise
    except (TypeError, ValueError, AttributeError, KeyError, IndexError) as exc:
        # A shape the checks above did not foresee (the schema normally refuses it first).
        raise ScenarioError("document_invalid", f"malformed scenario document ({exc})") from None


def _compile(doc: dict[str, Any]) -> ir.Scenario:
    if not isinstance(doc, dict):
        raise ScenarioError("document_invalid", "a scenario document is a JSON object")
    if doc.get("format", "botflow/scenario") != "botflow/scenario" or doc.get("version", 1) != 1:
        raise ScenarioError("format_unsupported", "only botflow/scenario version 1 is supported")
    nodes: dict[str, ir.Node] = {}
    for raw in doc.get("nodes") or []:
        node = _node(raw)
        if node.id in nodes:
            raise ScenarioError("duplicate_id", f"node id {node.id!r} is used twice", node.id)
        nodes[node.id] = node
    start = doc.get("start")
    if not nodes:
        raise ScenarioError("start_missing", "the scenario has no nodes")
    if start is None:
        start = next(iter(nodes))  # a fresh draft without an explicit start runs from its first node
    if start not in nodes:
        raise ScenarioError("start_missing", f"start node {start!r} does not exist")
    for node in nodes.values():
        if isinstance(node, ir.JumpNode) and node.scenario is None and node.node not in nodes:
            raise ScenarioError("jump_target_missing", f"jump target {node.node!r} does not exist", node.id)

    edges: dict[tuple[str, str], str] = {}
    exits: dict[str, dict[str, str]] = {}
    for raw in doc.get("edges") or []:
        if not isinstance(raw, dict):
            raise ScenarioError("edge_invalid", "each edge is an object")
        source, port, target = raw.get("source"), raw.get("source_port"), raw.get("target")
        if not all(isinstance(x, str) for x in (source, port, target)):
            raise ScenarioError("edge_invalid", f"edge {raw.get('id')!r} needs source, source_port and target ids")
        if source not in nodes:
            raise ScenarioError("edge_source_missing", f"edge {raw.get('id')!r} starts at unknown node {source!r}")
        if target not in nodes:
            raise ScenarioError("edge_target_missing", f"edge {raw.get('id')!r} ends at unknown node {target!r}", source)
        if port not in ir.ports(nodes[source]):
            raise ScenarioError("edge_port_unknown", f"node {source!r} has no port {port!r}", source)
        if (source, port) in edges:
            raise ScenarioError("port_multiple_edges", f"port {port!r} has more than one edge", source)
        edges[(source, port)] = target
        exits.setdefault(source, {})[port] = target

    settings = _settings(doc.get("settings"))
    return ir.Scenario(
        name=str(doc.get("name") or ""),
        start=start,
        variables=_variables(doc.get("variables")),
        settings=settings,
        nodes=nodes,
        edges=edges,
        exits=exits,
        node_buttons=_interactive_buttons(nodes, settings),
    )


def _interactive_buttons(nodes: dict[str, ir.Node], settings: ir.Settings) -> dict[str, tuple[Button, ...]]:
    """The buttons each interactive node shows, with the runtime's operator button appended."""
    operator = (Button(OPERATOR_BUTTON_ID, settings.operator_label),) if settings.operator_enabled else ()
    out: dict[str, tuple[Button, ...]] = {}
    for node in nodes.values():
        if isinstance(node, ir.ButtonsNode):
            out[node.id] = node.buttons + operator
        elif isinstance(node, ir.AskNode):
            choices = tuple(Button(f"choice-{i}", c) for i, c in enumerate(node.choices, 1))
            out[node.id] = (choices if node.kind == "choice" else ()) + operator
        elif isinstance(node, ir.RatingNode):
            out[node.id] = tuple(Button(f"rate-{n}", "⭐" * n) for n in range(1, 6)) + operator
    return out


# --- cache -----------------------------------------------------------------------------------------------

_cache: OrderedDict[Hashable, ir.Scenario] = OrderedDict()
_cache_lock = threading.Lock()


def compile_cached(key: Hashable, doc: dict[str, Any]) -> ir.Scenario:
    """Compile once per key (e.g. a published version's id: versions are immutable). LRU, CACHE_SIZE entries."""
    with _cache_lock:
        hit = _cache.get(key)
        if hit is not None:
            _cache.move_to_end(key)
            return hit
    scenario = compile_scenario(doc)
    with _cache_lock:
        _cache[key] = scenario
        _cache.move_to_end(key)
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return scenario


def clear_cache() -> None:
    with _cache_lock:
        _cache.clear()
