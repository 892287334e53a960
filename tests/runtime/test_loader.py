import pytest

from runtime.engine import ir
from runtime.engine.loader import ScenarioError, compile_cached, compile_scenario, parse_json_path
from tests.support.documents import document as doc
from tests.support.documents import node


def good():
    return doc(
        [node("b", "buttons", text="x", buttons=[{"id": "a", "label": "A"}, {"id": "c", "label": "C"}]),
         node("c", "condition", rules=[{"id": "r1", "expression": "true"}]),
         node("e", "end")],
        [("b", "a", "c"), ("c", "r1", "e"), ("c", "else", "e")],
    )


def test_compiles_to_frozen_ir_with_edges_and_ports():
    sc = compile_scenario(good())
    assert isinstance(sc.nodes["b"], ir.ButtonsNode)
    assert sc.edges[("b", "a")] == "c"
    assert sc.target("c", "else") == "e"
    assert ir.ports(sc.nodes["b"]) == ("a", "c", "outside_window")
    assert ir.ports(sc.nodes["c"]) == ("r1", "else")
    assert ir.ports(sc.nodes["e"]) == ()
    with pytest.raises(AttributeError):
        sc.nodes["b"].text = "changed"


@pytest.mark.parametrize(
    ("mutate", "code", "node_id"),
    [
        (lambda d: d.update(start="nope"), "start_missing", None),
        (lambda d: d["nodes"].append(node("b", "end")), "duplicate_id", "b"),
        (lambda d: d["nodes"].append(node("x", "teleport")), "node_type_unknown", "x"),
        (lambda d: d["edges"].append({"id": "z", "source": "ghost", "source_port": "next", "target": "e"}),
         "edge_source_missing", None),
        (lambda d: d["edges"].append({"id": "z", "source": "b", "source_port": "c", "target": "ghost"}),
         "edge_target_missing", "b"),
        (lambda d: d["edges"].append({"id": "z", "source": "b", "source_port": "zzz", "target": "e"}),
         "edge_port_unknown", "b"),
        (lambda d: d["edges"].append({"id": "z", "source": "b", "source_port": "a", "target": "e"}),
         "port_multiple_edges", "b"),
        (lambda d: d["nodes"][0]["data"].update(colour="red"), "data_unknown_field", "b"),
        (lambda d: d["nodes"][0]["data"].pop("text"), "data_invalid", "b"),
        (lambda d: d["nodes"][0]["data"]["buttons"].append({"id": "a", "label": "dup"}), "duplicate_id", "b"),
        (lambda d: d["nodes"].append(node("j", "jump", node="ghost")), "jump_target_missing", "j"),
        (lambda d: d["nodes"].append(node("j", "jump")), "jump_target_missing", "j"),
        (lambda d: d["nodes"].append(node("w", "wait", seconds=0)), "data_invalid", "w"),
        (lambda d: d["nodes"].append(node("q", "ask", prompt="?", variable="v", kind="choice")), "data_invalid", "q"),
        (lambda d: d["nodes"].append(node("h", "http_request", method="GET", url="u",
                                          response_mapping=[{"variable": "v", "path": "$..x"}])),
         "json_path_invalid", "h"),
        (lambda d: d.update(version=2), "format_unsupported", None),
    ],
)
def test_structural_problems_raise_clear_errors(mutate, code, node_id):
    d = good()
    mutate(d)
    with pytest.raises(ScenarioError) as exc:
        compile_scenario(d)
    assert exc.value.code == code
    assert exc.value.node_id == node_id
    assert exc.value.message


def test_settings_defaults():
    sc = compile_scenario(good())
    assert sc.settings.operator_enabled and sc.settings.operator_label == "Call operator"
    assert sc.settings.operator_keywords is None
    assert sc.node_buttons["b"][-1].id == "__operator__"


def test_compile_cached_reuses_per_key():
    a = compile_cached(("v", 1), good())
    assert compile_cached(("v", 1), {"not": "even valid"}) is a
    assert compile_cached(("v", 2), good()) is not a


@pytest.mark.parametrize(
    ("path", "steps"),
    [("$", ()), ("$.a.b", ("a", "b")), ("$.items[0].name", ("items", 0, "name")), ('$["odd key"][-1]', ("odd key", -1))],
)
def test_json_path(path, steps):
    assert parse_json_path(path) == steps


@pytest.mark.parametrize("path", ["a.b", "$.", "$[x]", "$..a"])
def test_bad_json_path(path):
    assert parse_json_path(path) is None
