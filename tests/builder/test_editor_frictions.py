"""Issue 12 item 6 (backend side): expression problems with a reason and a column, return-to-bot entry
nodes, "changes not published" by content, the channel kinds that run a scenario, unique names on import."""

from __future__ import annotations

import json

import pytest

from builder import services
from builder.graph import check_graph
from builder.schema import validate_document
from runtime.engine.loader import compile_scenario
from runtime.models import Channel
from tests.builder.conftest import url
from tests.support.documents import full_document


def condition_doc(expression: str) -> dict:
    doc = full_document()
    doc["variables"].append({"name": "topic", "type": "string"})
    rules = next(n for n in doc["nodes"] if n["id"] == "check")["data"]["rules"]
    rules[0]["expression"] = expression
    return doc


def expression_findings(expression: str) -> list:
    return [f for f in check_graph(condition_doc(expression)) if f.path.endswith("/data/rules/0/expression")]


def test_a_single_equals_says_use_double_equals_at_its_column():
    [finding] = expression_findings('topic = "Sales"')
    assert (finding.code, finding.severity, finding.node_id) == ("expression_invalid", "error", "check")
    assert finding.params == {"reason": "single_equals", "column": 7}
    assert "Column 7" in finding.message and "'=='" in finding.message
    assert "invalid syntax" not in finding.message


def test_an_unquoted_word_is_an_undeclared_variable_with_its_column():
    [finding] = expression_findings("topic == Sales")
    assert finding.code == "variable_undeclared"
    assert finding.params == {"reason": "unknown_name", "name": "Sales", "column": 10}


@pytest.mark.parametrize(
    ("expression", "reason", "column"),
    [
        ('topic == "Sales', "unclosed_quote", 10),
        ("(topic == 1", "unclosed_paren", 1),
        ("topic == 1)", "unmatched_paren", 11),
        ('topic == "a" && topic', "use_word", 14),
        ("topic ==", "incomplete", 9),
        ("lowr(topic) == 1", "unknown_function", 1),
    ],
)
def test_other_problems_have_a_reason_and_a_column(expression, reason, column):
    [finding] = expression_findings(expression)
    assert finding.code == "expression_invalid"
    assert (finding.params["reason"], finding.params["column"]) == (reason, column)


def test_findings_carry_params_through_the_api(api, scenario):
    doc = condition_doc('topic = "Sales"')
    response = api.put(url("acme", scenario.pk, "draft/"), {"document": doc, "revision": scenario.revision}, format="json")
    [finding] = [f for f in response.json()["findings"] if f["code"] == "expression_invalid"]
    assert finding["params"] == {"reason": "single_equals", "column": 7}


# --- return-to-bot entries -------------------------------------------------------------------------


def orphan_doc(entry) -> dict:
    doc = full_document()
    data = {"text": "Welcome back! What else can we do?", "buttons": [{"id": "more", "label": "More"}]}
    if entry is not None:
        data["entry"] = entry
    doc["nodes"].append({"id": "back", "type": "buttons", "position": {"x": 0, "y": 900}, "data": data})
    doc["nodes"].append({"id": "after", "type": "end", "position": {"x": 300, "y": 900}, "data": {}})
    doc["edges"].append({"id": "e_back", "source": "back", "source_port": "more", "target": "after"})
    return doc


def test_a_node_marked_as_return_to_bot_entry_is_not_unreachable_nor_what_follows():
    unreachable = [f.node_id for f in check_graph(orphan_doc(None)) if f.code == "unreachable_node"]
    assert unreachable == ["back", "after"]
    marked = orphan_doc(True)
    assert check_graph(marked) == []
    assert validate_document(marked) == []
    compile_scenario(marked)  # the engine accepts the flag
    assert [f.code for f in check_graph(orphan_doc(False)) if f.code == "unreachable_node"] == ["unreachable_node"] * 2
    assert [f.path for f in validate_document(orphan_doc("yes"))] == [f"/nodes/{len(full_document()['nodes'])}/data/entry"]


# --- changes not published ----------------------------------------------------------------------------


def test_unpublished_changes_compare_content_not_timestamps(api, scenario):
    detail = lambda: api.get(url("acme", scenario.pk)).json()  # noqa: E731
    listed = lambda: next(r for r in api.get(url("acme")).json() if r["id"] == str(scenario.pk))  # noqa: E731
    assert detail()["has_unpublished_changes"] is True  # never published

    api.post(url("acme", scenario.pk, "publish/"), {}, format="json")
    assert detail()["has_unpublished_changes"] is False
    assert listed()["has_unpublished_changes"] is False

    def save(document):
        revision = detail()["revision"]
        return api.put(url("acme", scenario.pk, "draft/"), {"document": document, "revision": revision}, format="json").json()

    same = json.loads(json.dumps(full_document()))
    assert save(same)["has_unpublished_changes"] is False  # a new revision, the same content
    changed = full_document()
    changed["nodes"][0]["data"]["text"] = "Hello again"
    assert save(changed)["has_unpublished_changes"] is True
    assert detail()["has_unpublished_changes"] is True and listed()["has_unpublished_changes"] is True
    assert save(full_document())["has_unpublished_changes"] is False  # edited back: nothing to publish


# --- which channels run the scenario --------------------------------------------------------------------


def test_detail_lists_the_kinds_of_active_channels_running_the_scenario(api, workspace, scenario):
    assert api.get(url("acme", scenario.pk)).json()["channel_kinds"] == []
    Channel.objects.create(workspace=workspace, kind="web", name="Site", scenario=scenario)
    Channel.objects.create(workspace=workspace, kind="preview", name="Preview", scenario=scenario)
    Channel.objects.create(workspace=workspace, kind="telegram", name="Off", scenario=scenario, is_active=False)
    assert api.get(url("acme", scenario.pk)).json()["channel_kinds"] == ["web"]
    Channel.objects.create(workspace=workspace, kind="whatsapp", name="WA", scenario=scenario)
    Channel.objects.create(workspace=workspace, kind="whatsapp", name="WA 2", scenario=scenario)
    assert api.get(url("acme", scenario.pk)).json()["channel_kinds"] == ["web", "whatsapp"]


# --- unique names ----------------------------------------------------------------------------------------


def test_importing_a_taken_name_numbers_it_and_the_report_says_so(api, workspace, scenario):
    bundle = {"format": "botflow/bundle", "version": 1,
              "scenarios": [{"slug": "welcome", "name": "Welcome", "document": full_document()},
                            {"slug": "other", "name": "Welcome", "document": full_document()}]}
    response = api.post("/api/w/acme/import/", bundle, format="json")
    assert response.status_code == 201, response.json()
    planned = response.json()["scenarios"]
    assert [(p["name"], p["source_name"], p["renamed"]) for p in planned] == [
        ("Welcome (2)", "Welcome", True), ("Welcome (3)", "Welcome", True)
    ]
    names = [r["name"] for r in api.get(url("acme")).json()]
    assert len(names) == len(set(names))
    assert services.unique_name(workspace, "Welcome (3)") == "Welcome (4)"
    assert services.unique_name(workspace, "Fresh") == "Fresh"
