"""Graph checks on a scenario document, with networkx.

Every check is defensive: drafts may be schema-invalid, so anything malformed is skipped here (the schema
reports it) instead of raising. Each finding names its node and points at the offending field.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

import networkx as nx

from builder.findings import Finding
from builder.schema import BUILTIN_VARIABLES, NODE_TYPES, WAITING_TYPES, node_ports, pointer, port_spec
from runtime.engine.expressions import diagnose

# --- templates ------------------------------------------------------------------------------------

_TEMPLATE_TAG = re.compile(r"\{\{(.*?)\}\}", re.S)
_TEMPLATE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+|\[\d+\])*$")
_ROOT_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*")
_WEB_URL_START = re.compile(r"https?://", re.IGNORECASE)

# Templated data fields per node type (`items/*/field` for lists of objects).
TEMPLATE_FIELDS: dict[str, tuple[str, ...]] = {
    "message": ("text", "media/url", "media/caption"),
    "buttons": ("text",),
    "ask": ("prompt", "validation_message"),
    "set_variable": ("assignments/*/value",),
    "http_request": ("url", "headers/*/value", "body"),
    "handoff": ("message", "note"),
    "rating": ("prompt", "comment_prompt", "thanks_text"),
    "end": ("text",),
    "template": ("variables/*",),
}
EXPRESSION_FIELDS: dict[str, tuple[str, ...]] = {
    "condition": ("rules/*/expression",),
    "set_variable": ("assignments/*/expression",),
}
# Fields that store into a variable: the variable must be declared too.
VARIABLE_FIELDS: dict[str, tuple[str, ...]] = {
    "buttons": ("variable",),
    "ask": ("variable",),
    "set_variable": ("assignments/*/variable",),
    "http_request": ("response_mapping/*/variable",),
}


class TemplateError(ValueError):
    pass


@lru_cache(maxsize=4096)
def template_names(text: str) -> tuple[str, ...]:
    """Root variable names used by a template; raises TemplateError on a malformed tag."""
    names: list[str] = []
    for match in _TEMPLATE_TAG.finditer(text):
        inner = match.group(1).split("|", 1)[0].strip()
        if not _TEMPLATE_NAME.match(inner):
            raise TemplateError(f"'{{{{{match.group(1)}}}}}' is not a valid variable reference")
        names.append(_ROOT_NAME.match(inner).group(0))
    rest = _TEMPLATE_TAG.sub("", text)
    if "{{" in rest:
        raise TemplateError("'{{' is not closed with '}}'")
    return tuple(names)


# --- expressions ----------------------------------------------------------------------------------

EXPRESSION_FUNCTIONS: dict[str, int] = {
    "lower": 1, "upper": 1, "len": 1, "int": 1, "float": 1, "str": 1, "empty": 1, "contains": 2, "startswith": 2,
}  # fmt: skip
EXPRESSION_LITERAL_NAMES = frozenset({"true", "false", "null"})
_BOOL_OPS = (ast.And, ast.Or)
_UNARY_OPS = (ast.Not, ast.USub, ast.UAdd)
_BIN_OPS = (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.Mod)
_CMP_OPS = (ast.Eq, ast.NotEq, ast.Lt, ast.LtE, ast.Gt, ast.GtE, ast.In, ast.NotIn)


class ExpressionError(ValueError):
    pass


@lru_cache(maxsize=4096)
def expression_names(source: str) -> frozenset[str]:
    """Variable names an expression reads; raises ExpressionError on syntax errors or disallowed constructs."""
    try:
        tree = ast.parse(source.strip(), mode="eval")
    except SyntaxError as exc:
        raise ExpressionError(f"Syntax error: {exc.msg}") from None
    names: set[str] = set()
    _walk_expression(tree.body, names)
    return frozenset(names)


def _walk_expression(node: ast.AST, names: set[str]) -> None:
    if isinstance(node, ast.Constant):
        if not isinstance(node.value, (int, float, str, bool)) and node.value is not None:
            raise ExpressionError(f"Literal {node.value!r} is not allowed")
        return
    if isinstance(node, ast.Name):
        if node.id not in EXPRESSION_LITERAL_NAMES and node.id not in ("True", "False", "None"):
            names.add(node.id)
        return
    if isinstance(node, ast.BoolOp) and isinstance(node.op, _BOOL_OPS):
        children: list[ast.AST] = list(node.values)
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, _UNARY_OPS):
        children = [node.operand]
    elif isinstance(node, ast.BinOp) and isinstance(node.op, _BIN_OPS):
        children = [node.left, node.right]
    elif isinstance(node, ast.Compare) and all(isinstance(op, _CMP_OPS) for op in node.ops):
        children = [node.left, *node.comparators]
    elif isinstance(node, ast.Attribute):
        children = [node.value]
    elif isinstance(node, ast.Subscript):
        if not (isinstance(node.slice, ast.Constant) and isinstance(node.slice.value, (str, int))):
            raise ExpressionError("Only a string or integer literal may be used inside [ ]")
        children = [node.value]
    elif isinstance(node, ast.Call):
        func = node.func.id if isinstance(node.func, ast.Name) else None
        if func not in EXPRESSION_FUNCTIONS:
            raise ExpressionError(
                f"Unknown function{' ' + repr(func) if func else ''}: use one of {', '.join(EXPRESSION_FUNCTIONS)}"
            )
        if node.keywords or len(node.args) != EXPRESSION_FUNCTIONS[func]:
            raise ExpressionError(f"{func}() takes {EXPRESSION_FUNCTIONS[func]} argument(s)")
        children = list(node.args)
    else:
        raise ExpressionError(f"'{ast.unparse(node)}' is not allowed in an expression")
    for child in children:
        _walk_expression(child, names)


# --- helpers --------------------------------------------------------------------------------------


def _as_list(value: Any) -> list:
    return value if isinstance(value, list) else []


def _as_dict(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def _type_name(node: dict) -> str | None:
    """The node's type if it is a string; a draft may hold any JSON value there (lists are unhashable)."""
    value = node.get("type")
    return value if isinstance(value, str) else None


def _field_values(data: dict, spec: str, base: list) -> Iterator[tuple[list, Any]]:
    """(path parts, value) of `spec` ("text", "media/url", "buttons/*/id") inside data."""
    head, _, rest = spec.partition("/")
    if head == "*":
        # Lists by index; mappings (a template node's variables) by key.
        for index, item in (data.items() if isinstance(data, dict) else enumerate(_as_list(data))):
            yield from _field_values(item, rest, [*base, index]) if rest else iter([([*base, index], item)])
        return
    if not isinstance(data, dict) or head not in data:
        return
    if rest:
        yield from _field_values(data[head], rest, [*base, head])
    else:
        yield [*base, head], data[head]


class _Checker:
    def __init__(self, doc: Any, departments: set[str] | None, scenarios: set[str] | None) -> None:
        self.doc = _as_dict(doc)
        self.departments = departments
        self.scenarios = scenarios
        self.findings: list[Finding] = []
        # (index, node) for well-formed nodes with a string id.
        self.nodes: list[tuple[int, dict]] = [
            (i, n) for i, n in enumerate(_as_list(self.doc.get("nodes")))
            if isinstance(n, dict) and isinstance(n.get("id"), str)
        ]  # fmt: skip
        self.by_id: dict[str, tuple[int, dict]] = {}
        for index, node in self.nodes:
            self.by_id.setdefault(node["id"], (index, node))
        self.ports: dict[str, list[str]] = {nid: node_ports(node) for nid, (_, node) in self.by_id.items()}

    def add(
        self,
        code: str,
        message: str,
        parts: list,
        node_id: str | None = None,
        warning: bool = False,
        params: dict[str, Any] | None = None,
    ) -> None:
        severity = "warning" if warning else "error"
        self.findings.append(Finding(code, message, pointer(parts), node_id, severity, params or {}))

    def run(self) -> list[Finding]:
        self.check_ids()
        self.check_start()
        graph = self.check_edges_and_ports()
        self.check_jumps(graph)
        self.check_reachability(graph)
        self.check_loops(graph)
        self.check_variables()
        self.check_departments()
        self.check_urls()
        return self.findings

    def check_urls(self) -> None:
        """Links and media are http(s) only: a `javascript:` or `data:` URL would run or render in the
        widget, the inbox and the editor's preview. A URL that starts with a variable is checked when it is
        rendered (the engine drops a media URL that is not http(s))."""
        for index, node in self.nodes:
            data = _as_dict(node.get("data"))
            node_type = node.get("type")
            if node_type == "message":
                url, parts = _as_dict(data.get("media")).get("url"), ["nodes", index, "data", "media", "url"]
            elif node_type == "http_request":
                url, parts = data.get("url"), ["nodes", index, "data", "url"]
            else:
                continue
            if not isinstance(url, str) or not url.strip() or url.strip().startswith("{{"):
                continue
            if not _WEB_URL_START.match(url.strip()):
                self.add("url_scheme", "The URL must start with http:// or https:// (javascript:, data: and other "
                         "schemes are not allowed)", parts, node["id"])

    def check_ids(self) -> None:
        seen: set[str] = set()
        for index, node in self.nodes:
            if node["id"] in seen:
                self.add("duplicate_id", f"Node id '{node['id']}' is used twice", ["nodes", index, "id"], node["id"])
            seen.add(node["id"])
        seen = set()
        for index, edge in enumerate(_as_list(self.doc.get("edges"))):
            edge_id = _as_dict(edge).get("id")
            if isinstance(edge_id, str):
                if edge_id in seen:
                    self.add("duplicate_id", f"Edge id '{edge_id}' is used twice", ["edges", index, "id"])
                seen.add(edge_id)
        seen = set()
        for index, variable in enumerate(_as_list(self.doc.get("variables"))):
            name = _as_dict(variable).get("name")
            if isinstance(name, str):
                if name in seen:
                    self.add("duplicate_id", f"Variable '{name}' is declared twice", ["variables", index, "name"])
                elif name in BUILTIN_VARIABLES:
                    self.add("duplicate_id", f"'{name}' is a built-in variable", ["variables", index, "name"])
                seen.add(name)
        for index, node in self.nodes:
            spec = port_spec(str(node.get("type")))
            if not spec.derived_from:
                continue
            list_key, _, item_key = spec.derived_from.split("/")
            reserved = set(spec.extra) | set(spec.fixed) | set(spec.optional) | {"__operator__"}
            seen = set()
            for item_index, item in enumerate(_as_list(_as_dict(node.get("data")).get(list_key))):
                port = _as_dict(item).get(item_key)
                if not isinstance(port, str):
                    continue
                parts = ["nodes", index, "data", list_key, item_index, item_key]
                if port in seen:
                    self.add("duplicate_id", f"Id '{port}' is used twice in this node", parts, node["id"])
                elif port in reserved:
                    self.add("duplicate_id", f"Id '{port}' is reserved for a built-in port", parts, node["id"])
                seen.add(port)

    def check_start(self) -> None:
        start = self.doc.get("start")
        if not isinstance(start, str) or not start:
            self.add("start_missing", "The scenario has no start node", ["start"])
        elif start not in self.by_id:
            self.add("start_missing", f"The start node '{start}' does not exist", ["start"])

    def check_edges_and_ports(self) -> nx.DiGraph:
        graph = nx.DiGraph()
        graph.add_nodes_from(self.by_id)
        used: dict[tuple[str, str], int] = {}
        for index, edge in enumerate(_as_list(self.doc.get("edges"))):
            if not isinstance(edge, dict):
                continue
            source, port, target = edge.get("source"), edge.get("source_port"), edge.get("target")
            ok = True
            if isinstance(source, str) and source not in self.by_id:
                self.add("edge_source_missing", f"Edge starts at a missing node '{source}'", ["edges", index, "source"])
                ok = False
            if isinstance(target, str) and target not in self.by_id:
                self.add("edge_target_missing", f"Edge leads to a missing node '{target}'", ["edges", index, "target"])
                ok = False
            if not (ok and isinstance(source, str) and isinstance(target, str) and isinstance(port, str)):
                continue
            if self.by_id[source][1].get("type") not in NODE_TYPES:
                continue  # the schema already reports the unknown type
            if port not in self.ports[source]:
                known = ", ".join(self.ports[source]) or "none"
                self.add(
                    "edge_port_unknown",
                    f"Node '{source}' has no port '{port}' (ports: {known})",
                    ["edges", index, "source_port"],
                    source,
                    params={"node": source, "port": port},
                )
                continue
            if (source, port) in used:
                self.add(
                    "port_multiple_edges",
                    f"Port '{port}' of node '{source}' has more than one edge",
                    ["edges", index, "source_port"],
                    source,
                    params={"node": source, "port": port},
                )
                continue
            used[(source, port)] = index
            graph.add_edge(source, target)
        for node_id, (index, node) in self.by_id.items():
            node_type = node.get("type")
            if node_type not in NODE_TYPES:
                continue
            spec = port_spec(node_type)
            data = _as_dict(node.get("data"))
            for port in self.ports[node_id]:
                if (node_id, port) in used or port in spec.optional:
                    continue
                if port in spec.soft:
                    if not self._soft_port_matters(node_type, port, data):
                        continue
                    self.add(
                        "optional_port_unconnected",
                        f"Port '{port}' of node '{node_id}' is not connected; the conversation ends there",
                        ["nodes", index],
                        node_id,
                        warning=True,
                        params={"node": node_id, "port": port},
                    )
                else:
                    self.add(
                        "port_unconnected", f"Port '{port}' of node '{node_id}' is not connected", ["nodes", index], node_id,
                        params={"node": node_id, "port": port},
                    )
        return graph

    @staticmethod
    def _soft_port_matters(node_type: str, port: str, data: dict) -> bool:
        # A port that can never fire is not worth a warning.
        if node_type == "ask" and port == "timeout":
            return data.get("timeout_seconds") is not None
        if node_type == "ask" and port == "invalid":
            return data.get("kind") != "text" or "min" in data or "max" in data
        return True

    def check_jumps(self, graph: nx.DiGraph) -> None:
        for index, node in self.nodes:
            if node.get("type") != "jump":
                continue
            data = _as_dict(node.get("data"))
            scenario, target = data.get("scenario"), data.get("node")
            if isinstance(scenario, str):
                if self.scenarios is not None and scenario not in self.scenarios:
                    self.add(
                        "jump_target_missing",
                        f"There is no scenario '{scenario}' in this workspace",
                        ["nodes", index, "data", "scenario"],
                        node["id"],
                    )
            elif isinstance(target, str):
                if target in self.by_id:
                    graph.add_edge(node["id"], target)
                else:
                    self.add(
                        "jump_target_missing",
                        f"Jump target node '{target}' does not exist",
                        ["nodes", index, "data", "node"],
                        node["id"],
                    )

    def check_reachability(self, graph: nx.DiGraph) -> None:
        start = self.doc.get("start")
        if not isinstance(start, str) or start not in graph:
            return
        # Nodes marked `entry` are where operators may return the customer ("return to bot"): entries too.
        roots = {start} | {nid for nid, (_, node) in self.by_id.items() if _as_dict(node.get("data")).get("entry") is True}
        reachable = set(roots)
        for root in roots:
            reachable |= nx.descendants(graph, root)
        for node_id, (index, _) in self.by_id.items():
            if node_id not in reachable:
                self.add(
                    "unreachable_node",
                    f"Node '{node_id}' cannot be reached from the start",
                    ["nodes", index],
                    node_id,
                    warning=True,
                    params={"node": node_id},
                )

    def check_loops(self, graph: nx.DiGraph) -> None:
        # `type` may be any JSON value in a draft (the schema reports it); only a string can be a waiting type.
        busy = {nid for nid, (_, node) in self.by_id.items() if _type_name(node) not in WAITING_TYPES}
        sub = nx.DiGraph()
        sub.add_edges_from((a, b) for a, b in graph.edges if a in busy and b in busy)
        for component in nx.strongly_connected_components(sub):
            if len(component) == 1:
                (only,) = component
                if not sub.has_edge(only, only):
                    continue
            first = min(component, key=lambda nid: self.by_id[nid][0])
            ordered = sorted(component, key=lambda nid: self.by_id[nid][0])
            self.add(
                "infinite_loop",
                f"Loop without a step that waits for the customer: {', '.join(ordered)}",
                ["nodes", self.by_id[first][0]],
                first,
                params={"nodes": ordered},
            )

    def check_variables(self) -> None:
        declared = set(BUILTIN_VARIABLES)
        for variable in _as_list(self.doc.get("variables")):
            name = _as_dict(variable).get("name")
            if isinstance(name, str):
                declared.add(name)

        def undeclared(name: str, parts: list, node_id: str) -> None:
            self.add("variable_undeclared", f"Variable '{name}' is not declared", parts, node_id, params={"name": name})

        for index, node in self.nodes:
            node_type, data, nid = _type_name(node), _as_dict(node.get("data")), node["id"]
            base = ["nodes", index, "data"]
            for spec in TEMPLATE_FIELDS.get(node_type, ()):
                for parts, value in _field_values(data, spec, base):
                    if not isinstance(value, str) or "{{" not in value:
                        continue
                    try:
                        names = template_names(value)
                    except TemplateError as exc:
                        self.add("template_invalid", str(exc), parts, nid)
                        continue
                    for name in dict.fromkeys(names):
                        if name not in declared:
                            undeclared(name, parts, nid)
            for spec in EXPRESSION_FIELDS.get(node_type, ()):
                for parts, value in _field_values(data, spec, base):
                    if isinstance(value, str):
                        self._check_expression(value, parts, nid, declared)
            for spec in VARIABLE_FIELDS.get(node_type, ()):
                for parts, value in _field_values(data, spec, base):
                    if isinstance(value, str) and value not in declared:
                        undeclared(value, parts, nid)

    def _check_expression(self, value: str, parts: list, nid: str, declared: set[str]) -> None:
        # The engine's own diagnosis says what was expected and where (the editor translates `params`);
        # the builder's stricter allowlist (`expression_names`) runs after it.
        problem = diagnose(value)
        if problem is not None:
            self.add("expression_invalid", problem.message, parts, nid, params=problem.as_params())
            return
        try:
            names = expression_names(value)
        except ExpressionError as exc:
            self.add("expression_invalid", str(exc), parts, nid, params={"reason": "not_allowed", "what": value[:40]})
            return
        problem = diagnose(value, declared)
        columns = problem.params.get("columns", {}) if problem is not None else {}
        for name in sorted(names - declared):
            self.add(
                "variable_undeclared",
                f"Variable '{name}' is not declared",
                parts,
                nid,
                params={"reason": "unknown_name", "name": name, "column": columns.get(name)},
            )

    def check_departments(self) -> None:
        if self.departments is None:
            return
        button = _as_dict(_as_dict(self.doc.get("settings")).get("operator_button"))
        slug = button.get("department")
        if isinstance(slug, str) and slug not in self.departments:
            self.add(
                "department_missing",
                f"There is no department '{slug}' in this workspace",
                ["settings", "operator_button", "department"],
            )
        for index, node in self.nodes:
            if node.get("type") != "handoff":
                continue
            slug = _as_dict(node.get("data")).get("department")
            if isinstance(slug, str) and slug not in self.departments:
                self.add(
                    "department_missing",
                    f"There is no department '{slug}' in this workspace",
                    ["nodes", index, "data", "department"],
                    node["id"],
                )


def check_graph(
    doc: Any, *, departments: set[str] | None = None, scenarios: set[str] | None = None
) -> list[Finding]:
    """All graph checks. `departments` / `scenarios`: the workspace's slugs; None skips that reference check."""
    return _Checker(doc, departments, scenarios).run()
