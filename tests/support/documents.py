"""Scenario documents for tests: a node and document builder, one document that uses every node type and
validates with zero findings, a long chain, and lookups. Pure Python: the engine tests use it without Django."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any


def node(node_id: str, node_type: str, data: dict[str, Any] | None = None, x: int = 0, **fields: Any) -> dict[str, Any]:
    """One node; its data as a dict, as keywords, or both: node("a", "message", text="Hi")."""
    return {"id": node_id, "type": node_type, "position": {"x": x, "y": 0}, "data": {**(data or {}), **fields}}


def document(nodes: list[dict[str, Any]], edges: Sequence[tuple[str, str, str]] = (), *, name: str = "Test",
             start: str | None = None, settings: dict[str, Any] | None = None,
             variables: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """A scenario document starting at the first node (or `start`); edges as (source, port, target)."""
    return {
        "format": "botflow/scenario",
        "version": 1,
        "name": name,
        "start": start or nodes[0]["id"],
        "variables": variables or [],
        "settings": settings or {},
        "nodes": nodes,
        "edges": [{"id": f"e{i}", "source": s, "source_port": p, "target": t} for i, (s, p, t) in enumerate(edges)],
    }


def full_document() -> dict[str, Any]:
    nodes = [
        ("welcome", "buttons", {"text": "Hi {{contact_name|there}}! How can we help?", "variable": "choice",
                                "buttons": [{"id": "sales", "label": "Sales"}, {"id": "support", "label": "Support"}]}),
        ("ask_email", "ask", {"prompt": "Your e-mail?", "variable": "email", "kind": "email",
                              "validation_message": "That does not look like an e-mail", "retries": 2,
                              "timeout_seconds": 600}),
        ("check", "condition", {"rules": [{"id": "vip", "label": "VIP", "expression": 'contains(lower(email), "@vip.")'},
                                          {"id": "web", "expression": 'channel == "web" and business_hours'}]}),
        ("score", "set_variable", {"assignments": [{"variable": "points", "expression": "points + 1"},
                                                   {"variable": "greeting", "value": "Hello {{email}}"}]}),
        ("crm", "http_request", {"method": "POST", "url": "https://crm.example.com/leads?ref={{ref}}",
                                 "headers": [{"name": "X-Api-Key", "value": "{{api_key}}"}],
                                 "body": '{"email": "{{email}}"}',
                                 "response_mapping": [{"variable": "lead_id", "path": "$.id"}],
                                 "timeout_seconds": 5}),
        ("pause", "wait", {"seconds": 60}),
        ("media", "message", {"text": "", "media": {"kind": "image", "url": "https://example.com/a.png", "caption": "Our office"}}),
        ("tagging", "tag", {"add": ["lead"], "remove": ["cold"], "consent": "subscribe"}),
        ("csat", "rating", {"prompt": "Rate us", "ask_comment": True, "comment_prompt": "Why?", "thanks_text": "Thanks!"}),
        ("to_sales", "handoff", {"department": "sales", "message": "Connecting you…", "note": "Lead {{lead_id}}"}),
        ("again", "jump", {"node": "welcome"}),
        ("faq", "jump", {"scenario": "faq"}),
        ("bye", "end", {"text": "Bye {{contact_name}}"}),
    ]
    edges = [
        ("welcome", "sales", "ask_email"),
        ("welcome", "support", "to_sales"),
        ("ask_email", "next", "check"),
        ("ask_email", "invalid", "faq"),
        ("ask_email", "timeout", "bye"),
        ("check", "vip", "score"),
        ("check", "web", "crm"),
        ("check", "else", "again"),
        ("score", "next", "crm"),
        ("crm", "ok", "pause"),
        ("crm", "error", "to_sales"),
        ("pause", "next", "media"),
        ("media", "next", "tagging"),
        ("tagging", "next", "csat"),
        ("csat", "next", "bye"),
    ]
    return document(
        [node(nid, ntype, data, x=i * 100) for i, (nid, ntype, data) in enumerate(nodes)], edges,
        name="Everything",
        variables=[
            {"name": "email", "type": "string", "default": ""},
            {"name": "choice", "type": "string"},
            {"name": "points", "type": "number", "default": 0},
            {"name": "greeting", "type": "string"},
            {"name": "api_key", "type": "string"},
            {"name": "lead_id", "type": "string"},
        ],
        settings={"language": "en", "fallback_text": "Please use the buttons.", "timezone": "Europe/Moscow",
                  "operator_button": {"enabled": True, "label": "Operator", "keywords": ["human"],
                                      "department": "support"}},
    )


def linear_document(n: int) -> dict[str, Any]:
    """A long valid chain of message nodes ending in `end` (for large-document checks)."""
    doc = {"format": "botflow/scenario", "version": 1, "name": "Long", "start": "n0", "variables": [],
           "settings": {}, "nodes": [], "edges": []}
    for i in range(n):
        doc["nodes"].append({"id": f"n{i}", "type": "message", "position": {"x": 0, "y": i}, "data": {"text": f"#{i}"}})
        doc["edges"].append({"id": f"e{i}", "source": f"n{i}", "source_port": "next", "target": f"n{i + 1}"})
    doc["nodes"].append({"id": f"n{n}", "type": "end", "position": {"x": 0, "y": n}, "data": {}})
    return doc


def node_index(doc: dict[str, Any], node_id: str) -> int:
    return next(i for i, n in enumerate(doc["nodes"]) if n["id"] == node_id)


def find_node(doc: dict[str, Any], node_id: str) -> dict[str, Any]:
    return doc["nodes"][node_index(doc, node_id)]


def edge_index(doc: dict[str, Any], source: str, port: str) -> int:
    return next(i for i, e in enumerate(doc["edges"]) if e["source"] == source and e["source_port"] == port)


def clone(doc: dict[str, Any]) -> dict[str, Any]:
    return copy.deepcopy(doc)
