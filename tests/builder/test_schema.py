"""The scenario JSON Schema: valid documents pass; each kind of mistake is one finding at its exact pointer."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from builder.schema import NODE_TYPES, SCHEMA, SCHEMA_PATH, empty_document, node_ports, validate_document
from builder.validation import validate
from tests.support.documents import clone, full_document, linear_document, node_index


def codes(findings):
    return [(f.path, f.code) for f in findings]


def test_schema_file_is_valid_draft_2020_12_with_versioned_id():
    Draft202012Validator.check_schema(SCHEMA)
    assert SCHEMA["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert SCHEMA["$id"].endswith("/scenario.v1.json")
    assert json.loads(SCHEMA_PATH.read_text()) == SCHEMA


def test_every_node_type_has_a_data_schema_refusing_unknown_fields_and_port_annotations():
    assert set(NODE_TYPES) == {"message", "buttons", "ask", "condition", "set_variable", "http_request", "wait",
                               "jump", "handoff", "rating", "tag", "end", "template"}
    for node_type in NODE_TYPES:
        data = SCHEMA["$defs"][f"node_{node_type}"]
        assert data["additionalProperties"] is False
        assert "x-ports" in data or "x-ports-from" in data


def test_full_and_empty_documents_have_no_findings():
    assert validate_document(full_document()) == []
    assert validate(empty_document("New")) == []


def test_unknown_node_type_is_one_clear_error_at_the_type():
    doc = full_document()
    i = node_index(doc, "pause")
    doc["nodes"][i]["type"] = "foo"
    findings = validate_document(doc)
    assert len(findings) == 1
    assert findings[0].path == f"/nodes/{i}/type"
    assert findings[0].code == "node_type_unknown"
    assert findings[0].message == "unknown node type 'foo'"
    assert findings[0].node_id == "pause"


def test_missing_field_points_at_the_field():
    doc = full_document()
    i = node_index(doc, "ask_email")
    del doc["nodes"][i]["data"]["variable"]
    assert codes(validate_document(doc)) == [(f"/nodes/{i}/data/variable", "field_missing")]


def test_wrong_type_points_at_the_value():
    doc = full_document()
    i = node_index(doc, "pause")
    doc["nodes"][i]["data"]["seconds"] = "ten"
    findings = validate_document(doc)
    assert codes(findings) == [(f"/nodes/{i}/data/seconds", "wrong_type")]
    assert findings[0].message == "Expected integer, got string"
    assert findings[0].node_id == "pause"


def test_typo_in_a_field_name_is_an_unknown_field():
    doc = full_document()
    i = node_index(doc, "welcome")
    doc["nodes"][i]["data"]["buttons"][1]["lable"] = "x"
    assert codes(validate_document(doc)) == [(f"/nodes/{i}/data/buttons/1/lable", "field_unknown")]


@pytest.mark.parametrize(
    ("node_id", "mutate", "suffix", "code"),
    [
        ("welcome", lambda d: d.update(buttons=[{"id": f"b{i}", "label": "x"} for i in range(11)]), "buttons", "too_many"),
        ("welcome", lambda d: d["buttons"][0].update(label="x" * 65), "buttons/0/label", "too_long"),
        ("ask_email", lambda d: d.update(retries=11), "retries", "too_large"),
        ("ask_email", lambda d: d.update(kind="choice"), "choices", "field_missing"),
        ("crm", lambda d: d.update(method="TRACE"), "method", "invalid_value"),
        ("crm", lambda d: d.update(timeout_seconds=31), "timeout_seconds", "too_large"),
        ("pause", lambda d: d.update(seconds=0), "seconds", "too_small"),
        ("media", lambda d: d.pop("media"), "media", "field_missing"),
        ("score", lambda d: d["assignments"][0].update(value="x"), "assignments/0", "invalid_value"),
        ("again", lambda d: d.pop("node"), "", "field_missing"),
        ("tagging", lambda d: d.update(consent="maybe"), "consent", "invalid_value"),
        ("check", lambda d: d.update(rules=[]), "rules", "too_few"),
    ],
)
def test_data_limits(node_id, mutate, suffix, code):
    doc = full_document()
    i = node_index(doc, node_id)
    mutate(doc["nodes"][i]["data"])
    path = f"/nodes/{i}/data" + (f"/{suffix}" if suffix else "")
    assert (path, code) in codes(validate_document(doc))


def test_top_level_and_edge_errors():
    doc = full_document()
    doc["version"] = 2
    doc["extra"] = True
    doc["edges"][0]["source_port"] = 5
    assert codes(validate_document(doc)) == [
        ("/edges/0/source_port", "wrong_type"),
        ("/extra", "field_unknown"),
        ("/version", "invalid_value"),
    ]


def test_not_an_object_is_one_finding():
    assert codes(validate_document([1, 2])) == [("", "wrong_type")]
    assert codes(validate(None)) == [("", "wrong_type")]


def test_node_ports_come_from_the_schema_annotations():
    doc = full_document()
    by_id = {n["id"]: n for n in doc["nodes"]}
    assert node_ports(by_id["welcome"]) == ["sales", "support", "outside_window"]
    assert node_ports(by_id["check"]) == ["vip", "web", "else"]
    assert node_ports(by_id["ask_email"]) == ["next", "invalid", "timeout"]
    assert node_ports(by_id["crm"]) == ["ok", "error"]
    assert node_ports(by_id["media"]) == ["next", "outside_window"]
    assert node_ports(by_id["to_sales"]) == []
    assert node_ports({"id": "x", "type": "nope", "data": {}}) == []
    assert node_ports({"id": "x", "type": "buttons", "data": {"buttons": "garbage"}}) == ["outside_window"]


def test_large_document_validates_cleanly():
    assert validate(linear_document(5000)) == []


def test_errors_in_many_nodes_are_all_reported():
    doc = clone(linear_document(50))
    for i in (3, 17, 42):
        doc["nodes"][i]["data"]["text"] = 7
    assert [f.path for f in validate_document(doc)] == [f"/nodes/{i}/data/text" for i in (3, 17, 42)]


_scalars = st.none() | st.booleans() | st.integers(-3, 70000) | st.floats(allow_nan=False, width=32) | st.sampled_from(
    ["", "a", "next", "x" * 70, "$.a", "GET", "image", "https://x", "email", "choice", "subscribe"]
)
_values = st.recursive(
    _scalars,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.sampled_from(
        ["text", "id", "label", "buttons", "seconds", "kind", "url", "media", "node", "rules", "expression", "zz"]
    ), children, max_size=3),
    max_leaves=12,
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.fixed_dictionaries({"id": st.sampled_from(["a", "b", "bad id"]), "type": st.sampled_from(
        ["message", "buttons", "ask", "wait", "jump", "tag", "end", "nope"]), "data": _values}), max_size=3),
    st.lists(_values, max_size=2),
    _values,
)
def test_part_by_part_validation_agrees_with_the_whole_schema(nodes, edges, version):
    """The fast path (per-part, discriminator in Python) must accept exactly what the published schema accepts."""
    doc = {"format": "botflow/scenario", "version": version, "start": "a", "nodes": nodes, "edges": edges}
    reference = Draft202012Validator(SCHEMA)
    assert (validate_document(doc) == []) == reference.is_valid(doc)
