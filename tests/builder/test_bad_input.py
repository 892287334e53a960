"""Garbage in → a 400/404/413 with an errors list; never a 500, never a partial write."""

from __future__ import annotations

import pytest

from builder.models import Scenario
from tests.builder.conftest import url

GARBAGE = [b"{not json", b"[1, 2", b"\xff\xfe\x00", b'{"document": {"a": NaN', b"null", b"[]", b'"text"', b"42"]


@pytest.mark.parametrize("body", GARBAGE)
@pytest.mark.parametrize(
    ("method", "suffix"),
    [("post", ""), ("patch", "{id}"), ("put", "{id}/draft/"), ("post", "{id}/validate/"), ("post", "{id}/publish/"),
     ("post", "{id}/duplicate/"), ("post", "{id}/versions/1/rollback/")],
)
def test_garbage_bodies_are_400_with_errors(api, scenario, body, method, suffix):
    path = url("acme") + suffix.format(id=scenario.pk) + ("/" if suffix == "{id}" else "")
    response = getattr(api, method)(path, body, content_type="application/json")
    assert response.status_code in (400, 404), response.content
    errors = response.json()["errors"]
    assert errors and {"path", "node_id", "code", "message"} <= set(errors[0])
    scenario.refresh_from_db()
    assert scenario.revision == 1 and scenario.name == "Welcome"


def test_invalid_json_reports_a_parse_error(api, scenario):
    response = api.put(url("acme", scenario.pk, "draft/"), b'{"document": {', content_type="application/json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "parse_error"


def test_oversized_body_is_413(api, scenario, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    response = api.put(url("acme", scenario.pk, "draft/"), {"document": {"x": "y" * 5000}, "revision": 1}, format="json")
    assert response.status_code == 413
    assert response.json()["errors"][0]["code"] == "too_large"
    scenario.refresh_from_db()
    assert scenario.revision == 1


def test_wrong_field_types_in_create(api, workspace):
    response = api.post(url("acme"), {"name": ["a"], "document": "x"}, format="json")
    assert response.status_code == 400
    assert Scenario.objects.count() == 0
    response = api.post(url("acme"), {"name": "ok", "document": [1]}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"path": "/document", "node_id": None, "code": "document_not_object",
         "message": "The scenario document must be a JSON object"}
    ]


def test_malformed_ids_are_404(api, workspace):
    assert api.get("/api/w/acme/scenarios/not-a-uuid/").status_code == 404
    assert api.get("/api/w/acme/scenarios/00000000-0000-0000-0000-000000000000/versions/abc/").status_code == 404
