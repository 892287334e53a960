"""Every endpoint is scoped to the caller's memberships; operators only read scenarios."""

from __future__ import annotations

import uuid

import pytest

from builder import services
from builder.models import Scenario
from tests.builder.conftest import url
from tests.support.documents import full_document

SCENARIO_ENDPOINTS = [
    ("get", ""),
    ("patch", ""),
    ("delete", ""),
    ("put", "draft/"),
    ("post", "validate/"),
    ("post", "publish/"),
    ("post", "duplicate/"),
    ("get", "versions/"),
    ("get", "versions/1/"),
    ("post", "versions/1/rollback/"),
    ("get", "diff/?a=1&b=1"),
]


def call(client, method, path):
    body = {"document": full_document(), "revision": 1, "name": "x"} if method in ("put", "patch", "post") else None
    return getattr(client, method)(path, body, format="json") if body else getattr(client, method)(path)


@pytest.fixture
def foreign(other_workspace):
    scenario = Scenario.objects.get(workspace=other_workspace, slug="secret")
    services.publish(scenario, None, "v1")
    return scenario


@pytest.mark.parametrize(("method", "suffix"), SCENARIO_ENDPOINTS)
def test_another_workspaces_scenario_is_404_everywhere(api, scenario, foreign, method, suffix):
    # Through the foreign workspace's slug (not a member) …
    response = call(api, method, url("other", foreign.pk, suffix))
    assert response.status_code == 404
    assert response.json()["errors"][0]["code"] == "not_found"
    # … and through my own workspace's slug with the foreign id.
    assert call(api, method, url("acme", foreign.pk, suffix)).status_code == 404
    assert call(api, method, url("acme", uuid.uuid4(), suffix)).status_code == 404
    foreign.refresh_from_db()
    assert (foreign.name, foreign.revision, foreign.versions.count()) == ("Secret bot", 1, 1)


def test_foreign_workspace_list_and_create_are_404(api, foreign):
    assert api.get(url("other")).status_code == 404
    assert api.post(url("other"), {"name": "Intruder"}, format="json").status_code == 404
    assert not Scenario.objects.filter(name="Intruder").exists()
    assert [w["slug"] for w in api.get("/api/workspaces/").json()] == ["acme"]


@pytest.mark.parametrize(("method", "suffix"), [e for e in SCENARIO_ENDPOINTS if e[0] != "get" and e[1] != "validate/"])
def test_operators_cannot_change_scenarios(client_for, operator, scenario, method, suffix):
    services.publish(scenario, None, "v1")
    response = call(client_for(operator), method, url("acme", scenario.pk, suffix))
    assert response.status_code == 403
    scenario.refresh_from_db()
    assert (scenario.name, scenario.revision, scenario.versions.count()) == ("Welcome", 1, 1)


def test_operators_can_read_and_validate(client_for, operator, scenario):
    client = client_for(operator)
    services.publish(scenario, None, "v1")
    assert client.get(url("acme")).status_code == 200
    assert client.get(url("acme", scenario.pk)).status_code == 200
    assert client.get(url("acme", scenario.pk, "versions/1/")).status_code == 200
    assert client.post(url("acme", scenario.pk, "validate/"), {}, format="json").status_code == 200
    assert client.post(url("acme"), {"name": "Nope"}, format="json").status_code == 403
