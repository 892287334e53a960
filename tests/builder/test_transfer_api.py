"""Export/import over HTTP: downloads, dry runs, imports, and every bad input as `{"errors": [...]}`."""

from __future__ import annotations

import json
import uuid

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from rest_framework.test import APIClient

from builder import services
from builder.models import Department, Role, Scenario

pytestmark = pytest.mark.django_db


def make_doc(name: str = "Приветствие", department: str = "sales") -> dict:
    return {
        "format": "botflow/scenario",
        "version": 1,
        "name": name,
        "start": "hi",
        "variables": [],
        "settings": {"language": "ru"},
        "nodes": [
            {"id": "hi", "type": "message", "position": {"x": 0, "y": 0}, "data": {"text": "Здравствуйте!"}},
            {
                "id": "op",
                "type": "handoff",
                "position": {"x": 280, "y": 0},
                "data": {"department": department},
            },
        ],
        "edges": [{"id": "e1", "source": "hi", "source_port": "next", "target": "op"}],
    }


def bundle(*docs: dict, version: int = 1) -> dict:
    return {
        "format": "botflow/bundle",
        "version": version,
        "scenarios": [{"slug": f"s{i}", "name": d["name"], "document": d} for i, d in enumerate(docs)],
    }


@pytest.fixture
def users():
    make = get_user_model().objects.create_user
    return {name: make(name, password="pw-123456789") for name in ("editor", "operator", "stranger")}


@pytest.fixture
def ws(users):
    workspace = services.create_workspace("Acme", "acme", users["editor"])
    services.add_member(workspace, users["operator"], Role.OPERATOR)
    Department.objects.create(workspace=workspace, slug="sales", name="Продажи")
    return workspace


@pytest.fixture
def other(users):
    return services.create_workspace("Other", "other", users["stranger"])


@pytest.fixture
def scenario(ws, users):
    return services.create_scenario(
        ws, "Приветствие", user=users["editor"], slug="hello", document=make_doc()
    )


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def post_json(client: APIClient, url: str, payload, **params):
    query = "&".join(f"{k}={v}" for k, v in params.items())
    body = payload if isinstance(payload, (str, bytes)) else json.dumps(payload, ensure_ascii=False)
    return client.post(f"{url}?{query}" if query else url, data=body, content_type="application/json")


IMPORT = "/api/w/acme/import/"


# --- export --------------------------------------------------------------------------------------------


def test_export_one_scenario_is_a_utf8_download(ws, scenario, users):
    response = client_for(users["operator"]).get(f"/api/w/acme/scenarios/{scenario.pk}/export/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="hello.botflow.json"'
    assert "Здравствуйте!".encode() in response.content and b"\\u" not in response.content
    data = json.loads(response.content)
    assert data["format"] == "botflow/bundle"
    assert [s["id"] for s in data["scenarios"]] == [str(scenario.pk)]
    assert data["requires"]["departments"] == [{"slug": "sales", "name": "Продажи"}]


def test_export_of_another_workspace_is_404(ws, other, scenario, users):
    stranger = client_for(users["stranger"])
    assert stranger.get(f"/api/w/acme/scenarios/{scenario.pk}/export/").status_code == 404
    response = stranger.get(f"/api/w/other/scenarios/{scenario.pk}/export/")
    assert response.status_code == 404 and response.json()["errors"][0]["code"] == "not_found"
    assert client_for(users["editor"]).get(f"/api/w/acme/scenarios/{uuid.uuid4()}/export/").status_code == 404


def test_export_several(ws, scenario, users):
    second = services.create_scenario(
        ws, "Second", user=users["editor"], slug="second", document=make_doc("Second")
    )
    client = client_for(users["editor"])
    response = client.post(
        "/api/w/acme/export/", {"scenario_ids": [str(scenario.pk), str(second.pk)]}, format="json"
    )
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="acme-scenarios.botflow.json"'
    assert [s["slug"] for s in json.loads(response.content)["scenarios"]] == ["hello", "second"]

    foreign = services.create_scenario(
        services.create_workspace("Z", "z", users["stranger"]), "Z", user=users["stranger"], slug="z"
    )
    response = client.post(
        "/api/w/acme/export/", {"scenario_ids": [str(scenario.pk), str(foreign.pk)]}, format="json"
    )
    assert response.status_code == 404
    assert response.json()["errors"][0]["path"] == "/scenario_ids/1"
    response = client.post("/api/w/acme/export/", {}, format="json")
    assert response.status_code == 400 and response.json()["errors"][0]["path"] == "/scenario_ids"


# --- import --------------------------------------------------------------------------------------------


def test_dry_run_reports_the_plan_and_changes_nothing(ws, scenario, users):
    payload = bundle(make_doc("Hello again"), make_doc("Support bot", department="support"))
    payload["scenarios"][0]["slug"] = "hello"
    response = post_json(client_for(users["editor"]), IMPORT, payload, dry_run="true")
    assert response.status_code == 200
    plan = response.json()
    assert plan["dry_run"] is True
    assert [(s["action"], s["slug"], s["source_slug"]) for s in plan["scenarios"]] == [
        ("create", "hello-2", "hello"),
        ("create", "s1", "s1"),
    ]
    assert plan["slug_remaps"] == {"hello": "hello-2"}
    assert plan["missing"]["departments"] == [{"slug": "support", "name": "Support"}]
    assert Scenario.objects.filter(workspace=ws).count() == 1
    assert not Department.objects.filter(workspace=ws, slug="support").exists()


def test_import_multipart_file_creates_scenarios_and_missing_departments(ws, users):
    raw = json.dumps(bundle(make_doc("Support bot", department="support")), ensure_ascii=False).encode()
    upload = SimpleUploadedFile("bot.json", raw, content_type="application/json")
    response = client_for(users["editor"]).post(
        IMPORT, {"file": upload, "create_missing": "1", "publish": "1"}, format="multipart"
    )
    assert response.status_code == 201, response.content
    [imported] = response.json()["imported"]
    scenario = Scenario.objects.get(pk=imported["id"], workspace=ws)
    assert scenario.slug == "s0" and scenario.published_version.number == 1 == imported["published_version"]
    assert Department.objects.filter(workspace=ws, slug="support").exists()
    assert scenario.created_by == users["editor"]


def test_import_into_existing_keeps_its_id_and_bumps_revision(ws, scenario, users):
    new = make_doc("Приветствие v2")
    new["nodes"][0]["data"]["text"] = "Добрый день!"
    response = post_json(client_for(users["editor"]), IMPORT, bundle(new), into=scenario.pk)
    assert response.status_code == 200, response.content
    body = response.json()
    assert [(s["action"], s["id"]) for s in body["scenarios"]] == [("replace", str(scenario.pk))]
    assert body["imported"][0]["revision"] == scenario.revision + 1
    scenario.refresh_from_db()
    assert scenario.slug == "hello" and scenario.draft["nodes"][0]["data"]["text"] == "Добрый день!"
    assert Scenario.objects.filter(workspace=ws).count() == 1


def test_into_a_scenario_of_another_workspace_is_404(ws, other, users):
    foreign = services.create_scenario(other, "Foreign", user=users["stranger"], slug="foreign")
    response = post_json(client_for(users["editor"]), IMPORT, bundle(make_doc()), into=foreign.pk)
    assert response.status_code == 404
    foreign.refresh_from_db()
    assert foreign.revision == 1
    assert (
        post_json(client_for(users["editor"]), IMPORT, bundle(make_doc()), into="not-a-uuid").status_code
        == 404
    )


def test_foreign_workspace_is_404(ws, other, users):
    response = post_json(client_for(users["editor"]), "/api/w/other/import/", bundle(make_doc()))
    assert response.status_code == 404
    assert not Scenario.objects.filter(workspace=other).exists()
    assert (
        post_json(client_for(users["editor"]), "/api/w/nope/import/", bundle(make_doc())).status_code == 404
    )


def test_operator_cannot_import(ws, users):
    response = post_json(client_for(users["operator"]), IMPORT, bundle(make_doc()))
    assert response.status_code == 403
    assert response.json()["errors"][0]["code"] == "permission_denied"
    assert not Scenario.objects.filter(workspace=ws).exists()


def test_anonymous_cannot_import(ws):
    assert post_json(APIClient(), IMPORT, bundle(make_doc())).status_code in (401, 403)
    assert not Scenario.objects.filter(workspace=ws).exists()


@override_settings(IMPORT_MAX_BYTES=2048)
def test_oversized_bundle_is_413_raw_and_multipart(ws, users):
    big = make_doc()
    big["nodes"][0]["data"]["text"] = "Я" * 2000  # 4000 bytes in UTF-8
    client = client_for(users["editor"])
    response = post_json(client, IMPORT, bundle(big))
    assert response.status_code == 413
    assert response.json()["errors"][0]["code"] == "too_large"
    upload = SimpleUploadedFile("big.json", json.dumps(bundle(big), ensure_ascii=False).encode())
    response = client.post(IMPORT, {"file": upload}, format="multipart")
    assert response.status_code == 413
    assert not Scenario.objects.filter(workspace=ws).exists()


@override_settings(IMPORT_MAX_NODES=3)
def test_too_many_nodes_is_413(ws, users):
    response = post_json(client_for(users["editor"]), IMPORT, bundle(make_doc(), make_doc()))
    assert response.status_code == 413
    assert response.json()["errors"][0]["code"] == "too_many_nodes"


def test_malformed_json_is_400_with_line_and_column(ws, users):
    response = post_json(
        client_for(users["editor"]), IMPORT, '{\n  "format": "botflow/bundle"\n  "version": 1\n}'
    )
    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert error["code"] == "json_invalid" and error["path"] == ""
    assert "line 3, column 3" in error["message"]


def test_future_version_is_400_naming_both_versions(ws, users):
    response = post_json(client_for(users["editor"]), IMPORT, bundle(make_doc(), version=7))
    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert error["path"] == "/version"
    assert "bundle version 7" in error["message"] and "supports (1)" in error["message"]


def test_unknown_node_type_is_400_with_path_and_node_id(ws, users):
    doc = make_doc()
    doc["nodes"][1]["type"] = "teleport"
    response = post_json(client_for(users["editor"]), IMPORT, bundle(doc))
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {
            "path": "/scenarios/0/document/nodes/1/type",
            "node_id": "op",
            "code": "node_type_unknown",
            "message": "unknown node type 'teleport'",
        }
    ]
    assert not Scenario.objects.filter(workspace=ws).exists()


def test_missing_file_and_bad_flags_are_400(ws, users):
    client = client_for(users["editor"])
    response = client.post(IMPORT, {"note": "x"}, format="multipart")
    assert response.status_code == 400 and response.json()["errors"][0]["path"] == "/file"
    response = post_json(client, IMPORT, bundle(make_doc()), dry_run="maybe")
    assert response.status_code == 400 and response.json()["errors"][0]["path"] == "/dry_run"
    assert not Scenario.objects.filter(workspace=ws).exists()


def test_a_refused_publish_is_400_and_nothing_is_written(ws, users):
    broken = make_doc("Broken", department="nowhere")
    response = post_json(client_for(users["editor"]), IMPORT, bundle(make_doc(), broken), publish="true")
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "department_missing"
    assert response.json()["errors"][0]["path"].startswith("/scenarios/1/document/")
    assert not Scenario.objects.filter(workspace=ws).exists()


def test_a_broken_multipart_upload_is_400(ws, users):
    client = client_for(users["editor"])
    response = client.generic("POST", IMPORT, data=b"garbage", content_type="multipart/form-data")
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "upload_invalid"
    assert not Scenario.objects.filter(workspace=ws).exists()
