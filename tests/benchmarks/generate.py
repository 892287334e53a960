"""Generate valid scenarios of any size for the benchmarks (zero validation errors by construction).

Blocks of four nodes: a `buttons` menu whose first button leads through a `message` and a `set_variable`
to the next menu, and whose second leads through a `condition` to the next menu; the last menu's
buttons jump back to the start, so every cycle passes a waiting node.
"""

from __future__ import annotations

from typing import Any


def _node(node_id: str, node_type: str, x: int, y: int, **data: Any) -> dict[str, Any]:
    return {"id": node_id, "type": node_type, "position": {"x": x, "y": y}, "data": data}


def scenario(node_count: int, name: str = "generated") -> dict[str, Any]:
    blocks = max(1, node_count // 4)
    nodes: list[dict[str, Any]] = []
    edges: list[dict[str, Any]] = []

    def edge(source: str, port: str, target: str) -> None:
        edges.append({"id": f"e{len(edges)}", "source": source, "source_port": port, "target": target})

    for k in range(blocks):
        x = k * 300
        nxt = f"menu{k + 1}" if k + 1 < blocks else "restart"
        nodes += [
            _node(f"menu{k}", "buttons", x, 0, text=f"Step {k}: pick one, {{{{contact_name|friend}}}}",
                  buttons=[{"id": "a", "label": f"Option A{k}"}, {"id": "b", "label": f"Option B{k}"}]),
            _node(f"info{k}", "message", x, 150, text=f"You picked A at step {k}. Score: {{{{score}}}}"),
            _node(f"add{k}", "set_variable", x, 300, assignments=[{"variable": "score", "expression": "score + 1"}]),
            _node(f"check{k}", "condition", x, -150,
                  rules=[{"id": "high", "label": "High score", "expression": "score > 3"}]),
        ]
        edge(f"menu{k}", "a", f"info{k}")
        edge(f"info{k}", "next", f"add{k}")
        edge(f"add{k}", "next", nxt)
        edge(f"menu{k}", "b", f"check{k}")
        edge(f"check{k}", "high", nxt)
        edge(f"check{k}", "else", nxt)
    nodes.append(_node("restart", "jump", blocks * 300, 0, node="menu0"))
    return {
        "format": "botflow/scenario",
        "version": 1,
        "name": name,
        "start": "menu0",
        "variables": [{"name": "score", "type": "number", "default": 0}],
        "settings": {"language": "en"},
        "nodes": nodes,
        "edges": edges,
    }
