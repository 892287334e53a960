"""Template placeholders, rendering and the validation of scenario `template` nodes."""

from __future__ import annotations

from runtime.connectors.templates import (
    check_template_nodes,
    params_from_mapping,
    placeholders,
    render_body,
)
from runtime.models import MessageTemplate


def test_placeholders_in_numeric_order():
    assert placeholders("Your request {{1}} will be solved by {{2}}; ref {{ 10 }} and {{1}} again") == ["1", "2", "10"]
    assert placeholders("No variables") == []


def test_render_body_and_params():
    body = "Your request {{1}} will be solved by {{2}}"
    assert render_body(body, ["#42", "Olga"]) == "Your request #42 will be solved by Olga"
    assert params_from_mapping(body, {"2": "Olga", "1": "#42"}) == ["#42", "Olga"]


def _doc(data: dict) -> dict:
    return {"nodes": [{"id": "remind", "type": "template", "position": {"x": 0, "y": 0}, "data": data}]}


def test_template_node_must_use_an_approved_template_with_every_placeholder_mapped(world):
    MessageTemplate.objects.create(channel=world.whatsapp, name="order_update", language="en_US",
                                   body="Your order {{1}} is {{2}}.", status="approved")
    MessageTemplate.objects.create(channel=world.whatsapp, name="pending_one", language="en_US",
                                   body="Hi", status="submitted")
    ok = _doc({"template": "order_update", "language": "en_US", "variables": {"1": "{{order_id}}", "2": "shipped"}})
    assert check_template_nodes(world.workspace, ok) == []

    unmapped = check_template_nodes(world.workspace, _doc({"template": "order_update", "language": "en_US",
                                                           "variables": {"1": "{{order_id}}", "2": "  "}}))
    assert [(f.code, f.path, f.node_id) for f in unmapped] == [
        ("template_unmapped", "/nodes/0/data/variables/2", "remind")]

    for name in ("pending_one", "no_such_template"):
        findings = check_template_nodes(world.workspace, _doc({"template": name, "language": "en_US",
                                                               "variables": {}}))
        assert [f.code for f in findings] == ["template_not_approved"]


def test_templates_of_another_workspace_do_not_count(world):
    from .conftest import make_world

    other = make_world("globex")
    MessageTemplate.objects.create(channel=other.whatsapp, name="order_update", language="en_US",
                                   body="Your order {{1}}.", status="approved")
    findings = check_template_nodes(world.workspace, _doc({"template": "order_update", "language": "en_US",
                                                           "variables": {"1": "x"}}))
    assert [f.code for f in findings] == ["template_not_approved"]
