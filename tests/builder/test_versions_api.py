"""Publish → immutable versions; list, read, diff, rollback."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from builder import services
from builder.models import Scenario, ScenarioVersion
from tests.builder.conftest import url
from tests.support.documents import edge_index, find_node, full_document


def save(api, scenario, document):
    revision = Scenario.objects.get(pk=scenario.pk).revision
    response = api.put(url("acme", scenario.pk, "draft/"), {"document": document, "revision": revision}, format="json")
    assert response.status_code == 200
    return response


def test_publish_creates_numbered_immutable_versions(api, scenario, editor):
    response = api.post(url("acme", scenario.pk, "publish/"), {"note": "first"}, format="json")
    assert response.status_code == 201
    body = response.json()
    assert (body["number"], body["note"], body["author"], body["rolled_back_from"]) == (1, "first", "eddie", None)
    assert api.post(url("acme", scenario.pk, "publish/"), {}, format="json").json()["number"] == 2
    assert api.get(url("acme", scenario.pk)).json()["published_version"] == 2
    version = ScenarioVersion.objects.get(scenario=scenario, number=1)
    version.note = "rewritten"
    with pytest.raises(ValueError, match="immutable"):
        version.save()


def test_publish_with_errors_is_refused_with_findings(api, scenario):
    doc = full_document()
    doc["edges"].pop(edge_index(doc, "welcome", "support"))
    doc["nodes"].append({"id": "orphan", "type": "end", "data": {}})
    save(api, scenario, doc)
    response = api.post(url("acme", scenario.pk, "publish/"), {"note": "x"}, format="json")
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert {(e["code"], e["node_id"], e["severity"]) for e in errors} == {
        ("port_unconnected", "welcome", "error"), ("unreachable_node", "orphan", "warning")
    }
    assert not ScenarioVersion.objects.filter(scenario=scenario).exists()


def test_warnings_alone_do_not_block_publishing(api, scenario):
    doc = full_document()
    doc["nodes"].append({"id": "orphan", "type": "end", "data": {}})
    save(api, scenario, doc)
    assert api.post(url("acme", scenario.pk, "publish/"), {}, format="json").status_code == 201


def test_publish_at_a_stale_revision_is_409(api, scenario):
    save(api, scenario, full_document())
    response = api.post(url("acme", scenario.pk, "publish/"), {"revision": 1}, format="json")
    assert response.status_code == 409
    assert response.json()["current_revision"] == 2
    assert api.post(url("acme", scenario.pk, "publish/"), {"revision": 2}, format="json").status_code == 201


def test_versions_list_detail_and_diff(api, scenario):
    api.post(url("acme", scenario.pk, "publish/"), {"note": "v1"}, format="json")
    doc = full_document()
    find_node(doc, "welcome")["data"]["text"] = "Hello!"
    find_node(doc, "welcome")["position"] = {"x": 5, "y": 5}
    doc["nodes"] = [n for n in doc["nodes"] if n["id"] != "pause"]
    doc["edges"] = [e for e in doc["edges"] if "pause" not in (e["source"], e["target"])]
    doc["edges"].append({"id": "new", "source": "crm", "source_port": "ok", "target": "media"})
    doc["nodes"].append({"id": "later", "type": "end", "data": {}})
    doc["edges"][edge_index(doc, "csat", "next")]["target"] = "later"
    save(api, scenario, doc)
    api.post(url("acme", scenario.pk, "publish/"), {"note": "v2"}, format="json")

    listing = api.get(url("acme", scenario.pk, "versions/")).json()
    assert [(v["number"], v["note"]) for v in listing] == [(2, "v2"), (1, "v1")]
    assert "document" not in listing[0]
    detail = api.get(url("acme", scenario.pk, "versions/1/")).json()
    assert detail["document"] == full_document()

    diff = api.get(url("acme", scenario.pk, "diff/") + "?a=1&b=2").json()
    assert diff["nodes"] == {
        "added": ["later"],
        "removed": ["pause"],
        "changed": [{"id": "welcome", "fields": ["position", "text"]}],
    }
    added = {(e["source"], e["source_port"], e["target"]) for e in diff["edges"]["added"]}
    removed = {(e["source"], e["source_port"], e["target"]) for e in diff["edges"]["removed"]}
    assert added == {("crm", "ok", "media"), ("csat", "next", "later")}
    assert removed == {("crm", "ok", "pause"), ("pause", "next", "media"), ("csat", "next", "bye")}
    assert (diff["variables_changed"], diff["settings_changed"]) == (False, False)


def test_diff_needs_existing_versions(api, scenario):
    assert api.get(url("acme", scenario.pk, "diff/") + "?a=1&b=2").status_code == 404
    response = api.get(url("acme", scenario.pk, "diff/") + "?a=x")
    assert response.status_code == 400
    assert {e["path"] for e in response.json()["errors"]} == {"/a", "/b"}
    assert api.get(url("acme", scenario.pk, "versions/7/")).status_code == 404


def test_rollback_publishes_the_old_document_as_a_new_version(api, scenario):
    api.post(url("acme", scenario.pk, "publish/"), {"note": "good"}, format="json")
    doc = full_document()
    find_node(doc, "bye")["data"]["text"] = "Broken copy"
    save(api, scenario, doc)
    api.post(url("acme", scenario.pk, "publish/"), {"note": "bad"}, format="json")

    response = api.post(url("acme", scenario.pk, "versions/1/rollback/"), {}, format="json")
    assert response.status_code == 201
    body = response.json()
    assert (body["number"], body["rolled_back_from"], body["note"]) == (3, 1, "Rollback to version 1")
    assert api.get(url("acme", scenario.pk, "versions/3/")).json()["document"] == full_document()
    detail = api.get(url("acme", scenario.pk)).json()
    assert detail["published_version"] == 3
    # The draft (work in progress) is untouched by a rollback of what customers see.
    assert find_node(detail["draft"], "bye")["data"]["text"] == "Broken copy"
    assert api.post(url("acme", scenario.pk, "versions/9/rollback/"), {}, format="json").status_code == 404


def test_rollback_is_refused_when_the_old_version_no_longer_validates(api, scenario, workspace):
    api.post(url("acme", scenario.pk, "publish/"), {}, format="json")
    workspace.departments.filter(slug="sales").delete()
    response = api.post(url("acme", scenario.pk, "versions/1/rollback/"), {}, format="json")
    assert response.status_code == 400
    assert [e["code"] for e in response.json()["errors"]] == ["department_missing"]
    assert ScenarioVersion.objects.filter(scenario=scenario).count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_publishes_get_distinct_numbers(admin_user, workspace):
    services.create_scenario(workspace, "FAQ", user=admin_user, slug="faq")
    scenario = services.create_scenario(workspace, "W", user=admin_user, slug="w", document=full_document())
    barrier = threading.Barrier(3)
    errors: list[Exception] = []

    def publisher():
        try:
            barrier.wait(timeout=10)
            services.publish(scenario, admin_user, "race")
        except Exception as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=publisher) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert errors == []
    assert sorted(ScenarioVersion.objects.filter(scenario=scenario).values_list("number", flat=True)) == [1, 2, 3]
    assert Scenario.objects.get(pk=scenario.pk).published_version.number == 3
