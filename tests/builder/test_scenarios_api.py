"""Scenario CRUD + duplicate through the HTTP API."""

from __future__ import annotations

from builder.models import Scenario
from builder.schema import empty_document
from tests.builder.conftest import url
from tests.support.documents import full_document


def test_workspaces_lists_my_memberships_with_role(api, other_workspace):
    response = api.get("/api/workspaces/")
    assert response.status_code == 200
    assert response.json() == [{"slug": "acme", "name": "Acme", "role": "editor"}]


def test_create_with_defaults_gives_a_valid_empty_scenario(api, workspace):
    response = api.post(url("acme"), {"name": "Лиды с сайта"}, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["revision"] == 1
    assert body["slug"]  # slugified (non-ASCII names still get a usable slug)
    assert body["findings"] == []
    assert body["published_version"] is None
    assert body["updated_by"] == "eddie"
    assert body["draft"]["nodes"] == empty_document()["nodes"]
    assert Scenario.objects.get(pk=body["id"]).workspace == workspace


def test_create_with_document_and_slug_and_list(api, workspace):
    api.post(url("acme"), {"name": "FAQ", "slug": "faq"}, format="json")  # full_document() jumps to it
    api.post(url("acme"), {"name": "B bot", "slug": "b", "document": full_document(), "description": "d"}, format="json")
    broken = full_document()
    broken["start"] = "nowhere"
    api.post(url("acme"), {"name": "A bot", "slug": "a", "document": broken}, format="json")
    response = api.get(url("acme"))
    assert response.status_code == 200
    rows = response.json()
    assert [(r["slug"], r["has_errors"]) for r in rows] == [("a", True), ("b", False), ("faq", False)]
    assert set(rows[0]) == {"id", "name", "slug", "description", "revision", "updated_at", "updated_by",
                            "published_version", "has_errors", "has_unpublished_changes"}


def test_duplicate_slug_is_a_400_with_path(api, scenario):
    response = api.post(url("acme"), {"name": "Again", "slug": "welcome"}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"path": "/slug", "node_id": None, "code": "slug_taken", "message": "A scenario with slug 'welcome' already exists"}
    ]


def test_retrieve_includes_draft_revision_findings(api, scenario):
    response = api.get(url("acme", scenario.pk))
    assert response.status_code == 200
    body = response.json()
    assert body["draft"] == full_document()
    assert body["revision"] == 1
    assert body["findings"] == []


def test_patch_meta_keeps_draft_and_revision(api, scenario):
    response = api.patch(url("acme", scenario.pk), {"name": "Hello", "slug": "hello", "description": "x"}, format="json")
    assert response.status_code == 200
    assert (response.json()["name"], response.json()["slug"], response.json()["revision"]) == ("Hello", "hello", 1)
    assert api.patch(url("acme", scenario.pk), {"slug": "Not A Slug"}, format="json").status_code == 400
    assert api.patch(url("acme", scenario.pk), {"slug": "faq"}, format="json").json()["errors"][0]["code"] == "slug_taken"


def test_delete(api, scenario):
    assert api.delete(url("acme", scenario.pk)).status_code == 204
    assert not Scenario.objects.filter(pk=scenario.pk).exists()
    assert api.get(url("acme", scenario.pk)).status_code == 404


def test_duplicate_copies_the_draft_with_a_new_slug(api, scenario):
    response = api.post(url("acme", scenario.pk, "duplicate/"), {}, format="json")
    assert response.status_code == 201
    body = response.json()
    assert body["id"] != str(scenario.pk)
    assert (body["name"], body["slug"], body["revision"]) == ("Welcome (2)", "welcome-copy", 1)
    assert body["draft"]["nodes"] == full_document()["nodes"]
    second = api.post(url("acme", scenario.pk, "duplicate/"), {"name": "Twin"}, format="json").json()
    assert (second["name"], second["slug"]) == ("Twin", "welcome-copy-2")
    # No two scenarios end up with the same name: a copy of a copy counts on.
    third = api.post(url("acme", scenario.pk, "duplicate/"), {}, format="json").json()
    fourth = api.post(url("acme", body["id"], "duplicate/"), {}, format="json").json()
    assert (third["name"], fourth["name"]) == ("Welcome (3)", "Welcome (4)")


def test_validate_saved_draft_or_a_given_document(api, scenario):
    assert api.post(url("acme", scenario.pk, "validate/"), {}, format="json").json() == {"findings": []}
    doc = full_document()
    doc["nodes"][0]["type"] = "foo"
    findings = api.post(url("acme", scenario.pk, "validate/"), {"document": doc}, format="json").json()["findings"]
    assert findings[0] == {"severity": "error", "code": "node_type_unknown", "node_id": "welcome",
                           "path": "/nodes/0/type", "message": "unknown node type 'foo'", "params": {}}


def test_validate_uses_workspace_departments(api, scenario):
    doc = full_document()
    doc["nodes"][9]["data"]["department"] = "billing"
    findings = api.post(url("acme", scenario.pk, "validate/"), {"document": doc}, format="json").json()["findings"]
    assert [(f["code"], f["path"]) for f in findings] == [("department_missing", "/nodes/9/data/department")]


def test_delete_is_refused_while_conversations_run_a_version(api, scenario, workspace):
    from builder import services
    from runtime.models import Channel, Contact, Conversation

    version = services.publish(scenario)
    channel = Channel.objects.create(workspace=workspace, kind="web", name="Site", scenario=scenario)
    contact = Contact.objects.create(workspace=workspace, channel=channel, external_id="v1")
    Conversation.objects.create(workspace=workspace, channel=channel, contact=contact, scenario=scenario, version=version)
    response = api.delete(url("acme", scenario.pk))
    assert response.status_code == 409
    assert response.json()["errors"][0]["code"] == "scenario_in_use"
    assert Scenario.objects.filter(pk=scenario.pk).exists()
