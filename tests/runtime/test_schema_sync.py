"""The engine's IR registry and the JSON Schema describe the same node types, data fields and ports."""

import json
from pathlib import Path

import pytest

from runtime.engine.ir import BUILTIN_VARIABLES, COMMON_FIELDS, NODE_TYPES

SCHEMA_PATH = Path(__file__).resolve().parents[2] / "builder" / "schemas" / "scenario.v1.json"


@pytest.fixture(scope="module")
def schema():
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


def node_defs(schema):
    """node type → its data schema, following the `if type == X then data: $ref` branches."""
    out = {}
    for branch in schema["$defs"]["node"]["allOf"]:
        node_type = branch["if"]["properties"]["type"]["const"]
        ref = branch["then"]["properties"]["data"]["$ref"]
        out[node_type] = schema["$defs"][ref.removeprefix("#/$defs/")]
    return out


def test_same_node_types(schema):
    assert set(schema["x-node-types"]) == set(NODE_TYPES)
    assert set(schema["$defs"]["node"]["properties"]["type"]["enum"]) == set(NODE_TYPES)
    assert set(node_defs(schema)) == set(NODE_TYPES)


def test_same_data_fields(schema):
    for node_type, data in node_defs(schema).items():
        assert set(data["properties"]) == set(NODE_TYPES[node_type].fields) | set(COMMON_FIELDS), node_type
        assert data.get("additionalProperties") is False, node_type


def test_same_ports(schema):
    for node_type, data in node_defs(schema).items():
        spec = NODE_TYPES[node_type]
        assert tuple(data.get("x-ports", ())) == spec.ports, node_type
        assert data.get("x-ports-from") == spec.ports_from, node_type
        assert tuple(data.get("x-ports-extra", ())) == spec.ports_extra, node_type
        assert tuple(data.get("x-ports-soft", ())) == spec.soft_ports, node_type
        assert tuple(data.get("x-ports-optional", ())) == spec.optional_ports, node_type


def test_same_interactive_and_waiting_types(schema):
    assert set(schema["x-interactive-types"]) == {t for t, s in NODE_TYPES.items() if s.interactive}
    assert set(schema["x-waiting-types"]) == {t for t, s in NODE_TYPES.items() if s.waiting}


def test_ports_from_paths_point_at_id_lists(schema):
    for node_type, data in node_defs(schema).items():
        source = data.get("x-ports-from")
        if source:
            field, star, key = source.split("/")
            assert star == "*"
            assert key in data["properties"][field]["items"]["properties"], node_type


def test_same_builtin_variables(schema):
    assert set(schema["x-builtin-variables"]) == set(BUILTIN_VARIABLES)


def test_every_builtin_variable_is_set_once_a_conversation_starts():
    from runtime.engine.events import Start
    from runtime.engine.interpreter import step
    from runtime.engine.loader import compile_scenario
    from runtime.engine.state import State

    sc = compile_scenario({"start": "e", "nodes": [{"id": "e", "type": "end", "data": {}}], "edges": []})
    variables = step(sc, State(), Start(ref="r", channel="web")).state.variables
    assert set(BUILTIN_VARIABLES) <= set(variables)
    assert variables["business_hours"] is True and variables["ref"] == "r"
