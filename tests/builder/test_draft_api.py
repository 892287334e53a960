"""Saving drafts with optimistic concurrency: a stale revision is a 409 and nothing is overwritten."""

from __future__ import annotations

import threading

import pytest
from django.db import connection
from rest_framework.test import APIClient

from builder import services
from builder.models import Scenario
from tests.builder.conftest import url
from tests.support.documents import full_document


def save(client, scenario, document, revision):
    return client.put(url("acme", scenario.pk, "draft/"), {"document": document, "revision": revision}, format="json")


def test_save_bumps_revision_and_returns_findings(api, scenario, editor):
    doc = full_document()
    doc["nodes"][0]["data"]["text"] = "Changed"
    response = save(api, scenario, doc, 1)
    assert response.status_code == 200
    body = response.json()
    assert (body["revision"], body["findings"]) == (2, [])
    assert body["updated_at"]
    scenario.refresh_from_db()
    assert (scenario.revision, scenario.draft["nodes"][0]["data"]["text"], scenario.updated_by) == (2, "Changed", editor)


def test_drafts_with_errors_are_saved(api, scenario):
    doc = full_document()
    doc["edges"].append({"id": "dangling", "source": "bye", "source_port": "next", "target": "ghost"})
    response = save(api, scenario, doc, 1)
    assert response.status_code == 200
    codes = {(f["code"], f["path"]) for f in response.json()["findings"]}
    assert ("edge_target_missing", f"/edges/{len(doc['edges']) - 1}/target") in codes
    scenario.refresh_from_db()
    assert scenario.revision == 2 and scenario.draft == doc


def test_stale_revision_is_409_with_who_and_nothing_written(api, client_for, admin_user, scenario):
    first = full_document()
    first["name"] = "From tab A"
    assert save(client_for(admin_user), scenario, first, 1).status_code == 200
    stale = full_document()
    stale["name"] = "From tab B"
    response = save(api, scenario, stale, 1)
    assert response.status_code == 409
    body = response.json()
    assert body["current_revision"] == 2
    assert body["updated_by"] == "alice"
    assert body["updated_at"]
    assert body["errors"][0]["code"] == "revision_conflict"
    assert body["errors"][0]["path"] == "/revision"
    scenario.refresh_from_db()
    assert (scenario.revision, scenario.draft["name"]) == (2, "From tab A")


@pytest.mark.parametrize(
    ("body", "path"),
    [
        ({"document": [1, 2], "revision": 1}, "/document"),
        ({"document": "text", "revision": 1}, "/document"),
        ({"document": {}}, "/revision"),
        ({"revision": 1}, "/document"),
        ({"document": {}, "revision": "one"}, "/revision"),
    ],
)
def test_non_object_documents_and_bad_revisions_are_400(api, scenario, body, path):
    response = api.put(url("acme", scenario.pk, "draft/"), body, format="json")
    assert response.status_code == 400
    assert path in [e["path"] for e in response.json()["errors"]]
    scenario.refresh_from_db()
    assert scenario.revision == 1


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_saves_one_wins_the_other_gets_409(admin_user, editor, workspace):
    """Two tabs save revision 1 at the same moment, each on its own thread and database connection."""
    scenario = services.create_scenario(workspace, "Race", user=admin_user, slug="race")
    barrier = threading.Barrier(2)
    results: dict[str, tuple[int, dict]] = {}

    def tab(name, user):
        client = APIClient()
        client.force_login(user)
        doc = full_document()
        doc["name"] = name
        try:
            barrier.wait(timeout=10)
            response = save(client, scenario, doc, 1)
            results[name] = (response.status_code, response.json())
        finally:
            connection.close()

    threads = [threading.Thread(target=tab, args=(n, u)) for n, u in (("A", admin_user), ("B", editor))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    statuses = sorted(status for status, _ in results.values())
    assert statuses == [200, 409], results
    winner = next(name for name, (status, _) in results.items() if status == 200)
    loser_body = next(body for status, body in results.values() if status == 409)
    assert loser_body["current_revision"] == 2
    assert loser_body["updated_by"] == {"A": "alice", "B": "eddie"}[winner]
    stored = Scenario.objects.get(pk=scenario.pk)
    assert (stored.revision, stored.draft["name"]) == (2, winner)


@pytest.mark.django_db(transaction=True)
def test_many_concurrent_saves_through_the_service_never_lose_a_write(admin_user, workspace):
    scenario = services.create_scenario(workspace, "Race", user=admin_user, slug="race")
    barrier = threading.Barrier(4)
    outcomes: list[str] = []

    def writer(i):
        try:
            barrier.wait(timeout=10)
            doc = full_document()
            doc["name"] = f"w{i}"
            try:
                services.save_draft(scenario, doc, 1, admin_user)
                outcomes.append(f"w{i}")
            except services.RevisionConflict as conflict:
                assert conflict.current_revision == 2
                outcomes.append("conflict")
        finally:
            connection.close()

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    winners = [o for o in outcomes if o != "conflict"]
    assert len(outcomes) == 4 and len(winners) == 1
    stored = Scenario.objects.get(pk=scenario.pk)
    assert (stored.revision, stored.draft["name"]) == (2, winners[0])
