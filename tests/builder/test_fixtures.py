"""The contract for fixtures/*.json: every example bundle is valid, complete, readable, and publishes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model

from builder import services, transfer
from builder.findings import errors_only
from builder.graph import check_graph
from builder.models import Department, Scenario
from builder.schema import validate_document

FIXTURES = sorted(Path(settings.BASE_DIR, "fixtures").glob("*.json"))
LIMITS = {"max_bytes": settings.IMPORT_MAX_BYTES, "max_nodes": settings.IMPORT_MAX_NODES}
EXPECTED = {
    "welcome_funnel.json",
    "faq.json",
    "lead_capture.json",
    "order_status.json",
    "quiz.json",
    "feedback.json",
}


def load(path: Path) -> transfer.Bundle:
    return transfer.parse_bundle(path.read_bytes(), **LIMITS)


def all_slugs() -> set[str]:
    return {s.slug for path in FIXTURES for s in load(path).scenarios}


def test_the_six_example_bundles_exist_and_half_are_russian():
    assert {p.name for p in FIXTURES} >= EXPECTED
    languages = [s.document["settings"]["language"] for p in FIXTURES for s in load(p).scenarios]
    assert len(languages) >= 6
    assert languages.count("ru") * 2 >= len(languages)


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.name)
def test_fixture_validates_with_zero_errors_and_no_unreachable_nodes(path):
    bundle = load(path)
    departments = {d["slug"] for d in bundle.requires["departments"]}
    for entry in bundle.scenarios:
        findings = validate_document(entry.document)
        findings += check_graph(entry.document, departments=departments, scenarios=all_slugs())
        assert errors_only(findings) == [], [f.as_dict() for f in findings]
        assert [f for f in findings if f.code == "unreachable_node"] == []
        # Every department the scenario hands off to is declared in `requires`.
        assert set(transfer.referenced_departments(entry.document)) <= departments
        assert departments <= {"sales", "support"}
        # The editor shows positions: every node has one, and no two nodes overlap.
        positions = [(n["position"]["x"], n["position"]["y"]) for n in entry.document["nodes"]]
        assert len(set(positions)) == len(positions)


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.name)
def test_fixture_is_written_in_the_canonical_readable_form(path):
    text = path.read_text(encoding="utf-8")
    assert "\\u" not in text
    assert transfer.dumps_bundle(json.loads(text)) == text


def test_the_welcome_funnel_routes_to_sales_support_the_demo_and_feedback():
    [welcome] = load(Path(settings.BASE_DIR, "fixtures", "welcome_funnel.json")).scenarios
    nodes = {n["id"]: n for n in welcome.document["nodes"]}
    menu = next(n for n in nodes.values() if n["type"] == "buttons")
    assert [b["label"] for b in menu["data"]["buttons"]] == [
        "Talk to sales",
        "Talk to support",
        "Try the demo bot",
        "Rate our service",
    ]
    # The rating node is also where operators return customers after a chat (CSAT).
    assert any(n["type"] == "rating" for n in nodes.values())
    handoffs = sorted(n["data"]["department"] for n in nodes.values() if n["type"] == "handoff")
    assert handoffs == ["sales", "support"]
    jumps = [n["data"]["scenario"] for n in nodes.values() if n["type"] == "jump"]
    assert jumps and set(jumps) <= all_slugs()


@pytest.mark.django_db
def test_every_fixture_imports_and_publishes_in_a_workspace_with_sales_and_support():
    owner = get_user_model().objects.create_user("owner", password="pw-123456789")
    ws = services.create_workspace("Fixtures", "fixtures", owner)
    for slug, name in (("sales", "Sales"), ("support", "Support")):
        Department.objects.create(workspace=ws, slug=slug, name=name)
    merged = transfer.merge_bundles(load(p) for p in FIXTURES)
    plan = transfer.plan_import(merged, ws)
    assert plan.missing_departments == [] and plan.missing_scenarios == []
    imported = transfer.apply_import(plan, owner, publish=True)
    assert len(imported) == len(merged.scenarios) >= 6
    assert all(s.published_version is not None for s in Scenario.objects.filter(workspace=ws))
