"""The scenario format v1: load the JSON Schema once, validate documents, derive node ports.

The schema file is the single definition of node types; the editor, the graph checks and the engine's IR
all learn node types and ports from it (`x-ports`, `x-ports-from`, `x-ports-extra`, `x-ports-soft`,
`x-ports-optional` annotations on each `$defs/node_<type>`).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import fastjsonschema
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from builder.findings import Finding

SCHEMA_PATH = Path(__file__).resolve().parent / "schemas" / "scenario.v1.json"
SCHEMA: dict[str, Any] = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
SCHEMA_ID: str = SCHEMA["$id"]
FORMAT_NAME: str = SCHEMA["properties"]["format"]["const"]
FORMAT_VERSION: int = SCHEMA["properties"]["version"]["const"]

NODE_TYPES: tuple[str, ...] = tuple(SCHEMA["x-node-types"])
INTERACTIVE_TYPES: frozenset[str] = frozenset(SCHEMA["x-interactive-types"])
WAITING_TYPES: frozenset[str] = frozenset(SCHEMA["x-waiting-types"])
BUILTIN_VARIABLES: frozenset[str] = frozenset(SCHEMA["x-builtin-variables"])


def data_schema(node_type: str) -> dict[str, Any] | None:
    """The JSON Schema of `data` for a node type, or None for an unknown type."""
    return SCHEMA["$defs"].get(f"node_{node_type}") if node_type in NODE_TYPES else None


def data_fields(node_type: str) -> tuple[str, ...]:
    schema = data_schema(node_type)
    return tuple(schema["properties"]) if schema else ()


@dataclass(frozen=True, slots=True)
class PortSpec:
    fixed: tuple[str, ...] = ()
    # "buttons/*/id": one port per item id of data.buttons.
    derived_from: str | None = None
    extra: tuple[str, ...] = ()
    # Ports whose absence of an edge is only a warning (ask invalid/timeout, http error).
    soft: frozenset[str] = frozenset()
    # Ports that may be left unconnected silently (e.g. WhatsApp `outside_window` fallback).
    optional: tuple[str, ...] = ()


@cache
def port_spec(node_type: str) -> PortSpec:
    schema = data_schema(node_type) or {}
    return PortSpec(
        fixed=tuple(schema.get("x-ports", ())),
        derived_from=schema.get("x-ports-from"),
        extra=tuple(schema.get("x-ports-extra", ())),
        soft=frozenset(schema.get("x-ports-soft", ())),
        optional=tuple(schema.get("x-ports-optional", ())),
    )


def node_ports(node: dict[str, Any]) -> list[str]:
    """All output ports of a node, in display order: derived (one per button/rule), extra, fixed, optional.

    Tolerates malformed nodes (drafts may be broken): unknown type or bad data yields what can be derived.
    """
    if not isinstance(node, dict) or not isinstance(node.get("type"), str):
        return []
    spec = port_spec(node["type"])
    ports: list[str] = []
    if spec.derived_from:
        list_key, _, item_key = spec.derived_from.split("/")
        data = node.get("data")
        items = data.get(list_key) if isinstance(data, dict) else None
        if isinstance(items, list):
            for item in items:
                port = item.get(item_key) if isinstance(item, dict) else None
                if isinstance(port, str) and port not in ports:
                    ports.append(port)
    for port in (*spec.extra, *spec.fixed, *spec.optional):
        if port not in ports:
            ports.append(port)
    return ports


def describe_node_types() -> dict[str, dict[str, Any]]:
    """Node types with their data fields and port spec: what the engine IR must mirror (a test compares)."""
    return {
        node_type: {
            "fields": sorted(data_fields(node_type)),
            "required": sorted(data_schema(node_type).get("required", [])),
            "ports": list(port_spec(node_type).fixed),
            "ports_from": port_spec(node_type).derived_from,
            "ports_extra": list(port_spec(node_type).extra),
            "ports_optional": list(port_spec(node_type).optional),
        }
        for node_type in NODE_TYPES
    }


# --- validation -----------------------------------------------------------------------------------


def pointer(parts: Any) -> str:
    """RFC 6901 JSON pointer from path parts."""
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


_CODES = {
    "required": "field_missing",
    "minProperties": "field_missing",
    "additionalProperties": "field_unknown",
    "type": "wrong_type",
    "enum": "invalid_value",
    "const": "invalid_value",
    "pattern": "invalid_format",
    "minLength": "too_short",
    "maxLength": "too_long",
    "minItems": "too_few",
    "maxItems": "too_many",
    "minimum": "too_small",
    "maximum": "too_large",
    "uniqueItems": "duplicate_item",
    "oneOf": "invalid_value",
    "anyOf": "invalid_value",
}
_JSON_TYPES = {dict: "object", list: "array", str: "string", bool: "boolean", int: "integer", float: "number"}


def _json_type(value: Any) -> str:
    return "null" if value is None else _JSON_TYPES.get(type(value), type(value).__name__)


def _findings_for(error: ValidationError, doc: Any) -> list[tuple[str, str, str]]:
    """(path, code, message) triples for one jsonschema error, phrased for a marketer."""
    parts = list(error.absolute_path)
    path = pointer(parts)
    kind = error.validator
    code = _CODES.get(str(kind), "invalid")
    instance = error.instance
    if kind == "required":
        missing = [k for k in error.validator_value if isinstance(instance, dict) and k not in instance]
        return [(pointer([*parts, k]), code, f"Field '{k}' is required") for k in missing]
    if kind == "additionalProperties":
        known = error.schema.get("properties", {})
        extras = [k for k in instance if k not in known] if isinstance(instance, dict) else []
        return [(pointer([*parts, k]), code, f"Unknown field '{k}'") for k in extras]
    if kind == "enum" and len(parts) == 3 and parts[0] == "nodes" and parts[2] == "type":
        return [(path, "node_type_unknown", f"unknown node type '{instance}'")]
    if kind == "type":
        expected = error.validator_value
        expected = " or ".join(expected) if isinstance(expected, list) else expected
        return [(path, code, f"Expected {expected}, got {_json_type(instance)}")]
    if kind == "enum":
        allowed = ", ".join(repr(v) for v in error.validator_value)
        return [(path, code, f"{instance!r} is not one of {allowed}")]
    if kind == "const":
        return [(path, code, f"Must be {error.validator_value!r}")]
    if kind == "oneOf" and all(set(s) == {"required"} for s in error.validator_value):
        names = " or ".join(f"'{s['required'][0]}'" for s in error.validator_value)
        return [(path, code, f"Set exactly one of {names}")]
    if kind == "minProperties":
        names = " or ".join(f"'{k}'" for k in error.schema.get("properties", {}))
        return [(path, code, f"Set {names}")]
    if kind == "pattern":
        return [(path, code, f"{instance!r} does not match the pattern {error.validator_value}")]
    if kind in ("minLength", "maxLength"):
        bound = "at least" if kind == "minLength" else "at most"
        return [(path, code, f"Must be {bound} {error.validator_value} characters long")]
    if kind in ("minItems", "maxItems"):
        bound = "at least" if kind == "minItems" else "at most"
        return [(path, code, f"Must have {bound} {error.validator_value} items")]
    if kind in ("minimum", "maximum"):
        bound = "at least" if kind == "minimum" else "at most"
        return [(path, code, f"Must be {bound} {error.validator_value}")]
    if kind == "anyOf":
        return [(path, code, f"{instance!r} is not an allowed value here")]
    return [(path, code, error.message)]


def node_id_at(doc: Any, path: str) -> str | None:
    """The id of the node a pointer points into (`/nodes/3/...`), if any."""
    if not path.startswith("/nodes/") or not isinstance(doc, dict):
        return None
    index = path.split("/")[2]
    nodes = doc.get("nodes")
    if not _is_index(index) or not isinstance(nodes, list) or int(index) >= len(nodes):
        return None
    node = nodes[int(index)]
    node_id = node.get("id") if isinstance(node, dict) else None
    return node_id if isinstance(node_id, str) else None


def _sub_schema(ref: str | None = None, **replace: Any) -> dict[str, Any]:
    """A standalone schema for one part (keeps `$defs` so refs resolve)."""
    if ref is not None:
        return {"$defs": SCHEMA["$defs"], "$ref": ref}
    return {"$defs": SCHEMA["$defs"], **replace}


@cache
def _validators() -> dict[str, tuple[Callable[[Any], Any], Draft202012Validator]]:
    """(fast pass/fail check, detailed validator) per document part.

    jsonschema alone needs seconds for a 5,000-node document (the `if`/`then` type dispatch is evaluated for
    every node), so the document is validated part by part, with the discriminator applied in Python:
    fastjsonschema answers "valid?" quickly and jsonschema explains only the parts that are not.
    """
    # No `$id`: refs must resolve inside this document, never by fetching the (unhosted) $id URL.
    top = {k: v for k, v in SCHEMA.items() if not k.startswith("x-") and k not in ("$id", "$schema")}
    top["properties"] = {**SCHEMA["properties"], "nodes": {k: v for k, v in SCHEMA["properties"]["nodes"].items()
                                                           if k != "items"},
                         "edges": {k: v for k, v in SCHEMA["properties"]["edges"].items() if k != "items"}}
    node_shell = {k: v for k, v in SCHEMA["$defs"]["node"].items() if k != "allOf"}
    parts = {"top": top, "node": _sub_schema(**node_shell), "edge": _sub_schema("#/$defs/edge")}
    for node_type in NODE_TYPES:
        parts[f"data:{node_type}"] = _sub_schema(f"#/$defs/node_{node_type}")
    return {
        name: (fastjsonschema.compile(schema, handlers=_NO_REMOTE), Draft202012Validator(schema))
        for name, schema in parts.items()
    }


def _refuse_remote(uri: str) -> Any:
    raise ValueError(f"remote schema reference {uri} is not allowed")


_NO_REMOTE = {"http": _refuse_remote, "https": _refuse_remote}


def _part_errors(name: str, instance: Any) -> list[ValidationError]:
    fast, detailed = _validators()[name]
    try:
        fast(instance)
    except fastjsonschema.JsonSchemaException:
        return list(detailed.iter_errors(instance))
    return []


def _prefixed(errors: list[ValidationError], prefix: list) -> list[ValidationError]:
    for error in errors:
        error.path.extendleft(reversed(prefix))
    return errors


def validate_document(doc: Any) -> list[Finding]:
    """Schema findings (all errors), each with a JSON pointer and the node id when inside a node."""
    errors = _part_errors("top", doc)
    if isinstance(doc, dict):
        for index, node in enumerate(doc.get("nodes") if isinstance(doc.get("nodes"), list) else []):
            errors += _prefixed(_part_errors("node", node), ["nodes", index])
            if isinstance(node, dict) and node.get("type") in NODE_TYPES and isinstance(node.get("data"), dict):
                data_errors = _part_errors(f"data:{node['type']}", node["data"])
                errors += _prefixed(data_errors, ["nodes", index, "data"])
        for index, edge in enumerate(doc.get("edges") if isinstance(doc.get("edges"), list) else []):
            errors += _prefixed(_part_errors("edge", edge), ["edges", index])
    findings: list[Finding] = []
    seen: set[tuple[str, str]] = set()
    for error in errors:
        for path, code, message in _findings_for(error, doc):
            if (path, code) in seen:
                continue
            seen.add((path, code))
            findings.append(Finding(code=code, message=message, path=path, node_id=node_id_at(doc, path)))
    findings.sort(key=lambda f: pointer_sort_key(f.path))
    return findings


def pointer_sort_key(path: str) -> list[tuple[bool, int | str]]:
    """Document order: /nodes/2 before /nodes/10."""
    parts = path.split("/")[1:]
    return [(not _is_index(part), int(part) if _is_index(part) else part) for part in parts]


def _is_index(part: str) -> bool:
    return part.isascii() and part.isdigit()


def empty_document(name: str = "", *, language: str | None = None) -> dict[str, Any]:
    """A new scenario that validates with zero errors: a greeting `message` then `end`."""
    doc: dict[str, Any] = {
        "format": FORMAT_NAME,
        "version": FORMAT_VERSION,
        "name": name,
        "start": "start",
        "variables": [],
        "settings": {},
        "nodes": [
            {"id": "start", "type": "message", "position": {"x": 0, "y": 0}, "data": {"text": "Hello!"}},
            {"id": "end", "type": "end", "position": {"x": 320, "y": 0}, "data": {}},
        ],
        "edges": [{"id": "e-start-end", "source": "start", "source_port": "next", "target": "end"}],
    }
    if language:
        doc["settings"]["language"] = language
    return doc


def validate_node_data(node_type: str, data: Any, prefix: str = "") -> list[Finding]:
    """Schema findings for one node's `data` alone (e.g. the editor's "Test request"), paths under `prefix`."""
    if node_type not in NODE_TYPES:
        return [Finding(code="node_type_unknown", message=f"unknown node type '{node_type}'", path=prefix)]
    findings = [
        Finding(code=code, message=message, path=prefix + path)
        for error in _part_errors(f"data:{node_type}", data)
        for path, code, message in _findings_for(error, data)
    ]
    findings.sort(key=lambda f: pointer_sort_key(f.path))
    return findings
