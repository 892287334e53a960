"""Graph checks: each one fires on the mistake it is for, with its node id and JSON pointer."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from builder.graph import check_graph, expression_names, template_names
from builder.validation import validate
from tests.support.documents import edge_index, find_node, full_document, node_index

REFS = {"departments": {"sales", "support"}, "scenarios": {"faq", "welcome"}}


def check(doc, **refs):
    return [(f.severity, f.code, f.node_id, f.path) for f in check_graph(doc, **(refs or REFS))]


def test_full_document_is_clean():
    assert check(full_document()) == []


def test_start_missing_or_unknown():
    doc = full_document()
    del doc["start"]
    assert ("error", "start_missing", None, "/start") in check(doc)
    doc["start"] = "nowhere"
    assert ("error", "start_missing", None, "/start") in check(doc)


def test_duplicate_ids():
    doc = full_document()
    doc["nodes"].append({"id": "bye", "type": "end", "data": {}})
    doc["edges"].append({"id": "e0", "source": "csat", "source_port": "next", "target": "bye"})
    doc["variables"].append({"name": "email", "type": "string"})
    doc["variables"].append({"name": "channel", "type": "string"})
    find_node(doc, "welcome")["data"]["buttons"].append({"id": "sales", "label": "Again"})
    find_node(doc, "check")["data"]["rules"].append({"id": "else", "expression": "true"})
    found = check(doc)
    n = len(doc["nodes"]) - 1
    w, c = node_index(doc, "welcome"), node_index(doc, "check")
    assert ("error", "duplicate_id", "bye", f"/nodes/{n}/id") in found
    assert ("error", "duplicate_id", None, f"/edges/{len(doc['edges']) - 1}/id") in found
    assert ("error", "duplicate_id", None, f"/variables/{len(doc['variables']) - 2}/name") in found
    assert ("error", "duplicate_id", None, f"/variables/{len(doc['variables']) - 1}/name") in found
    assert ("error", "duplicate_id", "welcome", f"/nodes/{w}/data/buttons/2/id") in found
    assert ("error", "duplicate_id", "check", f"/nodes/{c}/data/rules/2/id") in found


def test_dangling_edges_and_unknown_ports():
    doc = full_document()
    doc["edges"].append({"id": "x1", "source": "ghost", "source_port": "next", "target": "bye"})
    doc["edges"].append({"id": "x2", "source": "csat", "source_port": "next", "target": "ghost"})
    doc["edges"][edge_index(doc, "welcome", "support")]["source_port"] = "supprt"
    found = check(doc)
    last = len(doc["edges"]) - 1
    assert ("error", "edge_source_missing", None, f"/edges/{last - 1}/source") in found
    assert ("error", "edge_target_missing", None, f"/edges/{last}/target") in found
    i = edge_index(doc, "welcome", "supprt")
    assert ("error", "edge_port_unknown", "welcome", f"/edges/{i}/source_port") in found
    # …and so the real `support` port is now unconnected.
    assert ("error", "port_unconnected", "welcome", f"/nodes/{node_index(doc, 'welcome')}") in found


def test_required_port_unconnected_and_soft_ports_are_warnings():
    doc = full_document()
    for source, port in [("media", "next"), ("ask_email", "invalid"), ("ask_email", "timeout"), ("crm", "error")]:
        doc["edges"].pop(edge_index(doc, source, port))
    found = check(doc)
    assert ("error", "port_unconnected", "media", f"/nodes/{node_index(doc, 'media')}") in found
    ask, crm = f"/nodes/{node_index(doc, 'ask_email')}", f"/nodes/{node_index(doc, 'crm')}"
    assert [f for f in found if f[1] == "optional_port_unconnected"] == [
        ("warning", "optional_port_unconnected", "ask_email", ask),
        ("warning", "optional_port_unconnected", "ask_email", ask),
        ("warning", "optional_port_unconnected", "crm", crm),
    ]


def test_soft_ports_that_cannot_fire_and_outside_window_need_no_edge():
    doc = full_document()
    ask = find_node(doc, "ask_email")["data"]
    ask["kind"], ask["timeout_seconds"] = "text", None
    for port in ("invalid", "timeout"):
        doc["edges"].pop(edge_index(doc, "ask_email", port))
    # outside_window on buttons/message is never required either; only the now-orphaned jump is reported.
    assert check(doc) == [("warning", "unreachable_node", "faq", f"/nodes/{node_index(doc, 'faq')}")]


def test_port_with_two_edges():
    doc = full_document()
    doc["edges"].append({"id": "dup", "source": "pause", "source_port": "next", "target": "bye"})
    assert ("error", "port_multiple_edges", "pause", f"/edges/{len(doc['edges']) - 1}/source_port") in check(doc)


def test_jump_targets():
    doc = full_document()
    find_node(doc, "again")["data"]["node"] = "nowhere"
    find_node(doc, "faq")["data"]["scenario"] = "no-such-bot"
    found = check(doc)
    assert ("error", "jump_target_missing", "again", f"/nodes/{node_index(doc, 'again')}/data/node") in found
    assert ("error", "jump_target_missing", "faq", f"/nodes/{node_index(doc, 'faq')}/data/scenario") in found
    # Without workspace context, other scenarios are not checked.
    assert not [f for f in check_graph(doc) if f.node_id == "faq"]


def test_loop_without_a_waiting_node_is_an_error_and_with_one_is_fine():
    doc = full_document()
    # crm -> pause(wait) -> media -> ...: replace the wait by a message so crm/score/check can spin.
    doc["edges"][edge_index(doc, "crm", "ok")]["target"] = "score"
    found = check(doc)
    loops = [f for f in found if f[1] == "infinite_loop"]
    assert loops == [("error", "infinite_loop", "score", f"/nodes/{node_index(doc, 'score')}")]
    assert "score, crm" in check_graph(doc, **REFS)[[f[1] for f in found].index("infinite_loop")].message
    # A condition whose else jumps straight back to itself, without waiting:
    doc = full_document()
    find_node(doc, "again")["data"]["node"] = "check"
    assert ("error", "infinite_loop", "check", f"/nodes/{node_index(doc, 'check')}") in check(doc)
    # The original again -> welcome (buttons) loop waits for the customer: no finding.
    assert not [f for f in check(full_document()) if f[1] == "infinite_loop"]


def test_self_loop():
    doc = full_document()
    doc["edges"][edge_index(doc, "tagging", "next")]["target"] = "tagging"
    assert ("error", "infinite_loop", "tagging", f"/nodes/{node_index(doc, 'tagging')}") in check(doc)


def test_unreachable_nodes_are_warnings():
    doc = full_document()
    doc["nodes"].append({"id": "orphan", "type": "end", "data": {}})
    assert check(doc) == [("warning", "unreachable_node", "orphan", f"/nodes/{len(doc['nodes']) - 1}")]


def test_undeclared_variables_in_templates_expressions_and_targets():
    doc = full_document()
    doc["variables"] = [v for v in doc["variables"] if v["name"] not in ("email", "lead_id", "points")]
    found = {(f.code, f.node_id, f.path, f.message) for f in check_graph(doc, **REFS)}
    i = node_index
    expected = {
        ("ask_email", f"/nodes/{i(doc, 'ask_email')}/data/variable", "email"),
        ("check", f"/nodes/{i(doc, 'check')}/data/rules/0/expression", "email"),
        ("score", f"/nodes/{i(doc, 'score')}/data/assignments/0/variable", "points"),
        ("score", f"/nodes/{i(doc, 'score')}/data/assignments/0/expression", "points"),
        ("score", f"/nodes/{i(doc, 'score')}/data/assignments/1/value", "email"),
        ("crm", f"/nodes/{i(doc, 'crm')}/data/body", "email"),
        ("crm", f"/nodes/{i(doc, 'crm')}/data/response_mapping/0/variable", "lead_id"),
        ("to_sales", f"/nodes/{i(doc, 'to_sales')}/data/note", "lead_id"),
    }
    assert {(n, p, f"Variable '{v}' is not declared") for n, p, v in expected} == {
        (n, p, m) for code, n, p, m in found if code == "variable_undeclared"
    }


def test_builtins_and_nested_json_variables_are_known():
    doc = full_document()
    doc["variables"].append({"name": "order", "type": "json"})
    find_node(doc, "bye")["data"]["text"] = "{{ order.status }} {{order.items[0].name|none}} {{last_input}} {{ rating }}"
    find_node(doc, "check")["data"]["rules"][1]["expression"] = 'order["status"] == "paid" and http_status < 300'
    assert check(doc) == []


def test_templates_and_expressions_that_do_not_parse():
    doc = full_document()
    find_node(doc, "bye")["data"]["text"] = "Hi {{contact name}}"
    find_node(doc, "media")["data"]["media"]["caption"] = "Hi {{contact_name"
    rules = find_node(doc, "check")["data"]["rules"]
    rules[0]["expression"] = "score >= "
    rules[1]["expression"] = "__import__('os').system('id')"
    found = check(doc)
    b, m, c = node_index(doc, "bye"), node_index(doc, "media"), node_index(doc, "check")
    assert ("error", "template_invalid", "bye", f"/nodes/{b}/data/text") in found
    assert ("error", "template_invalid", "media", f"/nodes/{m}/data/media/caption") in found
    assert ("error", "expression_invalid", "check", f"/nodes/{c}/data/rules/0/expression") in found
    assert ("error", "expression_invalid", "check", f"/nodes/{c}/data/rules/1/expression") in found


def test_expression_allowlist():
    assert expression_names('score >= 3 and channel == "telegram"') == {"score", "channel"}
    assert expression_names('contains(lower(last_input), "price") or not empty(x.y)') == {"last_input", "x"}
    assert expression_names("a in b and c not in d and (e + 1) % 2 == 0 and true != null") == set("abcde")
    for bad in ["lambda: 1", "x if y else z", "[1, 2]", "a.b()", "len(x, y)", "f(x)", "x[y]", "a := 1", "1 < 2 is 3"]:
        try:
            expression_names(bad)
        except ValueError:
            continue
        raise AssertionError(f"{bad!r} was accepted")
    assert template_names("{{a}} and {{ b.c|def }} {{d[0]}}") == ("a", "b", "d")


def test_departments_are_checked_against_the_workspace():
    doc = full_document()
    find_node(doc, "to_sales")["data"]["department"] = "billing"
    doc["settings"]["operator_button"]["department"] = "vip"
    found = check(doc)
    assert ("error", "department_missing", "to_sales", f"/nodes/{node_index(doc, 'to_sales')}/data/department") in found
    assert ("error", "department_missing", None, "/settings/operator_button/department") in found
    assert not [f for f in check_graph(doc) if f.code == "department_missing"]  # no workspace context


def test_graph_checks_survive_schema_broken_documents():
    doc = full_document()
    doc["nodes"][0] = "garbage"
    doc["nodes"][1]["data"] = None
    doc["edges"][2] = {"source": 5}
    doc["variables"] = {"not": "a list"}
    doc["nodes"][3]["type"] = "foo"
    findings = validate(doc)
    assert any(f.code == "node_type_unknown" for f in findings)
    assert any(f.code == "wrong_type" and f.path == "/nodes/0" for f in findings)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=20,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.fixed_dictionaries({}, optional={
    "start": json_values, "nodes": st.lists(st.fixed_dictionaries({}, optional={
        "id": st.sampled_from(["a", "b", 1]), "type": st.sampled_from(["message", "buttons", "jump", "condition", "x"]),
        "data": json_values}), max_size=5),
    "edges": st.lists(json_values, max_size=4), "variables": json_values, "settings": json_values}))
def test_validation_never_crashes_on_garbage(doc):
    for finding in validate(doc):
        assert finding.code and finding.message and finding.severity in ("error", "warning")


def test_links_and_media_are_http_or_https_only():
    def message(node_id: str, url: str) -> dict:
        return {"id": node_id, "type": "message", "position": {"x": 0, "y": 0},
                "data": {"text": "x", "media": {"kind": "file", "url": url}}}

    doc = full_document()
    doc["nodes"] += [message("media_bad", "javascript:alert(1)"), message("media_data", " DATA:image/png;base64,AA"),
                     message("media_ok", "HTTPS://x.test/a.png"), message("media_var", "{{ref}}"),
                     {"id": "fetch_file", "type": "http_request", "position": {"x": 0, "y": 0},
                      "data": {"method": "GET", "url": "file:///etc/passwd"}}]
    found = {(f.code, f.node_id, f.path) for f in check_graph(doc, **REFS) if f.code == "url_scheme"}
    index = {n["id"]: i for i, n in enumerate(doc["nodes"])}
    assert found == {
        ("url_scheme", "media_bad", f"/nodes/{index['media_bad']}/data/media/url"),
        ("url_scheme", "media_data", f"/nodes/{index['media_data']}/data/media/url"),
        ("url_scheme", "fetch_file", f"/nodes/{index['fetch_file']}/data/url"),
    }
