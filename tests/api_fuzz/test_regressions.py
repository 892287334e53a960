"""Regressions for the 500s the fuzz found in the scenarios, import and preview APIs.

1. A draft whose node `type` is a list or an object crashed the graph checks (unhashable type) on validate,
   create, save, preview and publish; the create had already written the scenario when it answered 500.
2. U+0000 anywhere in a scenario document (key or value), an import bundle, or a preview's text / button
   id / ref made PostgreSQL refuse the write (DataError → 500). It is now a 400 on every database, and
   nothing is written.
3. JSON nested beyond the recursion limit: a RecursionError (500) on every DRF JSON endpoint; now a 400
   `too_deep` from the exception handler, and documents deeper than 64 levels are refused before the write.
"""

from __future__ import annotations

import copy

import pytest
from rest_framework.test import APIClient

from builder.models import Scenario
from runtime.models import Conversation, Message
from tests.support.documents import full_document


@pytest.fixture
def api(world) -> APIClient:
    client = APIClient()
    client.raise_request_exception = False  # a bug must show up as the 500 a real client gets
    client.credentials(HTTP_AUTHORIZATION=f"Token {world.token}")
    return client


def scenario_url(world, suffix: str = "") -> str:
    return f"/api/w/acme/scenarios/{world.scenario.pk}/{suffix}"


def odd_type_document(node_type) -> dict:
    document = full_document()
    document["nodes"][0]["type"] = node_type
    return document


@pytest.mark.parametrize("node_type", [["buttons"], {"kind": "buttons"}])
def test_a_node_type_that_is_not_a_string_is_a_finding(world, api, node_type):
    document = odd_type_document(node_type)

    response = api.post(scenario_url(world, "validate/"), {"document": document}, format="json")
    assert response.status_code == 200
    assert any(f["severity"] == "error" and "/nodes/0" in f["path"] for f in response.json()["findings"])

    created = api.post("/api/w/acme/scenarios/", {"name": "Odd", "document": document}, format="json")
    assert created.status_code == 201
    assert created.json()["has_errors"] is True

    saved = api.put(scenario_url(world, "draft/"), {"document": document, "revision": world.scenario.revision},
                    format="json")
    assert saved.status_code == 200
    assert api.post(scenario_url(world, "preview/"), {}, format="json").status_code == 400
    published = api.post(scenario_url(world, "publish/"), {}, format="json")
    assert published.status_code == 400
    assert published.json()["errors"][0]["code"]
    assert world.scenario.versions.count() == 1


@pytest.mark.parametrize(
    ("mutate", "pointer"),
    [
        (lambda d: d["nodes"][0]["data"].__setitem__("text", "Hi\x00there"), "/document/nodes/0/data/text"),
        (lambda d: d["settings"].__setitem__("odd\x00key", 1), "/document/settings/odd\x00key"),
        (lambda d: d.__setitem__("name", "\x00"), "/document/name"),
    ],
)
def test_nul_characters_in_a_document_are_400_and_nothing_is_written(world, api, mutate, pointer):
    document = copy.deepcopy(full_document())
    mutate(document)
    before = (Scenario.objects.count(), world.scenario.revision, world.scenario.draft)

    saved = api.put(scenario_url(world, "draft/"), {"document": document, "revision": world.scenario.revision},
                    format="json")
    created = api.post("/api/w/acme/scenarios/", {"name": "Nul", "document": document}, format="json")

    for response in (saved, created):
        assert response.status_code == 400
        assert response.json()["errors"] == [
            {"path": pointer, "node_id": None, "code": "null_character",
             "message": "Text must not contain the NUL character (U+0000)"}
        ]
    world.scenario.refresh_from_db()
    assert (Scenario.objects.count(), world.scenario.revision, world.scenario.draft) == before


@pytest.mark.parametrize("query", ["?dry_run=1", "", "?create_missing=1&publish=1"])
def test_nul_characters_in_an_import_bundle_are_400_and_nothing_is_written(world, api, query):
    bundle = api.get(scenario_url(world, "export/")).json()
    bundle["scenarios"][0]["document"]["nodes"][0]["data"]["text"] = "Hi\x00"
    bundle["scenarios"][0]["slug"] = "fresh-import"
    scenarios_before = Scenario.objects.count()

    response = api.post(f"/api/w/acme/import/{query}", bundle, format="json")

    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"path": "/scenarios/0/document/nodes/0/data/text", "node_id": None, "code": "null_character",
         "message": "Text must not contain the NUL character (U+0000)"}
    ]
    assert Scenario.objects.count() == scenarios_before


@pytest.mark.parametrize(("field", "value"), [("text", "hello\x00"), ("button_id", "sales\x00")])
def test_nul_characters_in_a_preview_turn_are_400_and_nothing_is_written(world, api, field, value):
    preview = Conversation.objects.get(pk=world.preview_id)
    messages_before = Message.objects.filter(conversation=preview).count()

    response = api.post(f"/api/w/acme/preview/{world.preview_id}/", {field: value}, format="json")

    assert response.status_code == 400
    assert response.json()["errors"][0] | {"message": ""} == {
        "path": f"/{field}", "node_id": None, "code": "null_character", "message": ""}
    assert Message.objects.filter(conversation=preview).count() == messages_before


def test_a_nul_character_in_a_preview_ref_is_400_and_starts_nothing(world, api):
    previews_before = Conversation.objects.filter(is_preview=True).count()

    response = api.post(scenario_url(world, "preview/"), {"ref": "ad\x00campaign"}, format="json")

    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "null_character"
    assert Conversation.objects.filter(is_preview=True).count() == previews_before


# 3. JSON nested deeper than the interpreter's recursion limit: DRF's JSON parser let the decoder's
#    RecursionError through (500 on every JSON endpoint); a document a little less deep parsed, then
#    failed while being encoded for the database.
DEEP_ARRAY = "[" * 50_000 + "]" * 50_000


@pytest.mark.parametrize(
    ("method", "url", "body"),
    [
        ("post", "/api/w/acme/scenarios/", DEEP_ARRAY),
        ("put", "{scenario}draft/", '{"revision": 1, "document": {"nodes": ' + DEEP_ARRAY + "}}"),
        ("post", "{scenario}validate/", '{"document": {"nodes": ' + DEEP_ARRAY + "}}"),
        ("post", "/api/w/acme/preview/{preview}/", DEEP_ARRAY),
        ("post", "/api/w/acme/import/", '{"format": "botflow/bundle", "version": 1, "scenarios": ' + DEEP_ARRAY + "}"),
        ("post", "/api/auth/token/", DEEP_ARRAY),
    ],
)
def test_json_nested_too_deep_is_400(world, api, method, url, body):
    scenarios_before = Scenario.objects.count()
    url = url.format(scenario=scenario_url(world), preview=world.preview_id)

    response = getattr(api, method)(url, body, content_type="application/json")

    assert response.status_code == 400
    # The import endpoint decodes the bundle itself and already answered json_invalid.
    assert response.json()["errors"][0]["code"] == ("json_invalid" if "import" in url else "too_deep")
    assert Scenario.objects.count() == scenarios_before


def test_a_document_nested_deeper_than_the_limit_is_400_and_nothing_is_written(world, api):
    text = "[" * 900 + "]" * 900  # parses, but cannot be encoded for the database
    document = '{"name": "x", "nodes": [{"id": "a", "type": "message", "data": {"text": ' + text + "}}]}"
    scenarios_before, revision_before = Scenario.objects.count(), world.scenario.revision

    created = api.post("/api/w/acme/scenarios/", '{"name": "Deep", "document": ' + document + "}",
                       content_type="application/json")
    saved = api.put(scenario_url(world, "draft/"), f'{{"revision": {revision_before}, "document": {document}}}',
                    content_type="application/json")

    for response in (created, saved):
        assert response.status_code == 400
        error = response.json()["errors"][0]
        assert error["code"] == "too_deep"
        assert error["path"].startswith("/document/nodes/0/data/text/0/0/")
    world.scenario.refresh_from_db()
    assert (Scenario.objects.count(), world.scenario.revision) == (scenarios_before, revision_before)
