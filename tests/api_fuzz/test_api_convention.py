"""One API convention: every view of every package is scoped by the same membership/role check, names the
workspace with the same URL kwarg, and answers every error in the same body (README "The REST API").

The views are enumerated from Django's URL resolver, so a view added later without the shared check (or
with its own error handling or its own workspace kwarg) fails here the day it is added.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.test import APIClient
from rest_framework.views import APIView

from builder.api_errors import exception_handler
from builder.models import Membership, Role
from builder.permissions import WORKSPACE_KWARG, WorkspaceRole
from tests.api_fuzz.conftest import build_world

# Views that are not under a workspace: the OpenAPI document and its UI, and the token exchange.
UNSCOPED = {"drf_spectacular.views.SpectacularAPIView", "drf_spectacular.views.SpectacularSwaggerView",
            "builder.api.TokenView"}


def _api_views(patterns: list, prefix: str = ""):
    for p in patterns:
        if isinstance(p, URLResolver):
            yield from _api_views(p.url_patterns, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            cls = getattr(p.callback, "cls", None)
            if cls is not None and issubclass(cls, APIView):
                yield prefix + str(p.pattern), p.pattern.converters.keys(), cls


API_VIEWS = list(_api_views(get_resolver().url_patterns))


def _name(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


def test_the_walk_finds_the_api_of_every_package():
    modules = {cls.__module__ for _, _, cls in API_VIEWS}
    assert {"builder.api", "builder.transfer_api", "runtime.api", "runtime.channels_api", "channels_app.api"} <= modules


@pytest.mark.parametrize(("route", "params", "cls"), API_VIEWS, ids=[r for r, _, _ in API_VIEWS])
def test_every_api_view_uses_the_shared_membership_check_and_error_handler(route, params, cls):
    if _name(cls) in UNSCOPED:
        return
    permissions = [type(p) for p in cls().get_permissions()]
    assert WorkspaceRole in permissions, f"{_name(cls)} ({route}) does not use builder.permissions.WorkspaceRole"
    # Errors go through the one exception handler: no view renders its own.
    assert cls.handle_exception is APIView.handle_exception, f"{_name(cls)} handles exceptions itself"
    assert cls().get_exception_handler() is exception_handler
    # One name for the workspace in every route that has one.
    if route.startswith("api/w/"):
        assert WORKSPACE_KWARG in params, f"{route}: the workspace kwarg must be `{WORKSPACE_KWARG}`"
    assert "workspace" not in params, route


def test_the_shared_check_is_the_default_for_every_view():
    assert "builder.permissions.WorkspaceRole" in settings.REST_FRAMEWORK["DEFAULT_PERMISSION_CLASSES"]
    assert settings.REST_FRAMEWORK["EXCEPTION_HANDLER"] == "builder.api_errors.exception_handler"


# --- the same body for 400 / 403 / 404 from each package -----------------------------------------------


@pytest.fixture
def world(db):
    return build_world("acme")


@pytest.fixture
def clients(world) -> dict[str, APIClient]:
    operator = get_user_model().objects.create_user("acme-operator")
    Membership.objects.create(workspace=world.workspace, user=operator, role=Role.OPERATOR)
    out = {}
    for role, user in (("admin", world.admin), ("editor", world.editor), ("operator", operator)):
        client = APIClient()
        client.raise_request_exception = False
        client.force_login(user)
        out[role] = client
    return out


def _cases(w) -> list[tuple[str, str, str, str, Any, int, str]]:
    """(package, role, method, url, body, status, path of the first error)."""
    sc = f"/api/w/acme/scenarios/{w.scenario.pk}/"
    missing = "00000000-0000-4000-8000-000000000000"
    return [
        # builder: scenarios
        ("builder", "editor", "post", "/api/w/acme/scenarios/", {"name": ""}, 400, "/name"),
        ("builder", "operator", "patch", sc, {"name": "X"}, 403, ""),
        ("builder", "editor", "get", f"/api/w/acme/scenarios/{missing}/", None, 404, ""),
        # builder: export / import
        ("builder.transfer", "editor", "post", "/api/w/acme/export/", {"scenario_ids": []}, 400, "/scenario_ids"),
        ("builder.transfer", "operator", "post", "/api/w/acme/import/", {}, 403, ""),
        ("builder.transfer", "editor", "get", f"/api/w/acme/scenarios/{missing}/export/", None, 404, ""),
        # runtime: preview
        ("runtime", "editor", "post", sc + "test-request/", {"variables": {}}, 400, "/node"),
        ("runtime", "operator", "post", sc + "preview/", {}, 403, ""),
        ("runtime", "editor", "get", f"/api/w/acme/preview/{missing}/", None, 404, ""),
        # runtime: channels (a nested error: the third origin)
        ("runtime.channels", "admin", "post", "/api/w/acme/channels/",
         {"kind": "web", "name": "Site", "config": {"allowed_origins": ["https://a.example", "*", "ftp:/x"]}},
         400, "/config/allowed_origins/2"),
        ("runtime.channels", "editor", "post", "/api/w/acme/channels/", {"kind": "web", "name": "Site"}, 403, ""),
        ("runtime.channels", "editor", "patch", f"/api/w/acme/channels/{w.messenger.pk}/", {"name": "X"}, 403, ""),
        ("runtime.channels", "admin", "get", "/api/w/acme/channels/999999/", None, 404, ""),
        # channels_app: the inbox's REST side
        ("channels_app", "admin", "get", "/api/w/acme/conversations/?since=yesterday", None, 400, "/since"),
        ("channels_app", "editor", "post", "/api/w/acme/departments/", {"name": "X", "slug": "x"}, 403, ""),
        ("channels_app", "admin", "get", "/api/w/acme/departments/999999/", None, 404, ""),
        # another workspace is a 404 in every package, the same body
        ("builder", "admin", "get", "/api/w/nope/scenarios/", None, 404, ""),
        ("runtime.channels", "admin", "get", "/api/w/nope/channels/", None, 404, ""),
        ("channels_app", "admin", "get", "/api/w/nope/departments/", None, 404, ""),
    ]


def _assert_error_body(response, status: int, path: str, where: str) -> dict[str, Any]:
    assert response.status_code == status, f"{where}: {response.status_code} {response.content[:300]!r}"
    body = response.json()
    assert list(body) == ["errors"], f"{where}: {body}"
    assert body["errors"], where
    for e in body["errors"]:
        assert set(e) == {"path", "node_id", "code", "message"}, f"{where}: {e}"
        assert isinstance(e["code"], str) and e["code"] and isinstance(e["message"], str) and e["message"], where
        assert e["path"] == "" or e["path"].startswith("/"), f"{where}: {e}"
    assert body["errors"][0]["path"] == path, f"{where}: {body}"
    return body["errors"][0]


def test_400_403_404_have_the_same_body_in_every_package(world, clients):
    codes: dict[int, set[str]] = {}
    for package, role, method, url, body, status, path in _cases(world):
        client = clients[role]
        response = (getattr(client, method)(url) if body is None
                    else getattr(client, method)(url, body, format="json"))
        first = _assert_error_body(response, status, path, f"{package} {method.upper()} {url}")
        codes.setdefault(status, set()).add(first["code"])
    # The same refusal has the same code whichever package refused it.
    assert codes[403] == {"permission_denied"}
    assert codes[404] == {"not_found"}


@pytest.mark.parametrize("url", ["/api/w/acme/scenarios/", "/api/w/acme/channels/", "/api/w/acme/departments/",
                                 "/api/w/acme/export/"])
def test_a_malformed_json_body_is_the_same_400_everywhere(world, clients, url):
    response = clients["admin"].post(url, "{not json", content_type="application/json")

    error = _assert_error_body(response, 400, "", url)
    assert error["code"] == "parse_error"


@pytest.mark.parametrize(("body", "path", "code"), [
    ({"kind": "whatsapp", "name": "WA", "config": {"phone_number_id": "1", "shop": "x"},
      "secrets": {"access_token": "a", "app_secret": "b"}}, "/config/shop", "unknown_key"),
    ({"kind": "whatsapp", "name": "WA", "config": {"phone_number_id": "12/../x"},
      "secrets": {"access_token": "a", "app_secret": "b"}}, "/config/phone_number_id", "invalid"),
    ({"kind": "whatsapp", "name": "WA", "config": {"phone_number_id": "1"}, "secrets": {"access_token": "a"}},
     "/secrets/app_secret", "required"),
    ({"kind": "telegram", "name": "TG", "secrets": {"bot_token": "nope"}}, "/secrets/bot_token", "invalid"),
    ({"kind": "web", "name": "Site", "config": {"no_scenario_action": "dance"}}, "/config/no_scenario_action",
     "invalid_choice"),
    ({"kind": "fax", "name": "F"}, "/kind", "invalid_choice"),
])
def test_channel_input_errors_point_at_the_value(world, clients, body, path, code):
    """The channels API validates with serializers: each error's path is a JSON pointer to the bad value."""
    response = clients["admin"].post("/api/w/acme/channels/", body, format="json")

    error = _assert_error_body(response, 400, path, path)
    assert error["code"] == code


def test_a_rotate_names_the_bad_entry_of_regenerate(world, clients):
    url = f"/api/w/acme/channels/{world.messenger.pk}/rotate-secrets/"
    response = clients["admin"].post(url, {"regenerate": ["verify_token", "bot_token"]}, format="json")

    _assert_error_body(response, 400, "/regenerate/1", url)


def test_a_throttled_request_has_the_same_body(world, settings):
    settings.LOGIN_FAILURES_PER_ACCOUNT = 2
    client = APIClient()
    answers = [client.post("/api/auth/token/", {"username": "acme-editor", "password": "wrong"}, format="json",
                           REMOTE_ADDR="192.0.2.77") for _ in range(3)]

    assert [a.status_code for a in answers[:1]] == [400]
    error = _assert_error_body(answers[-1], 429, "", "token lockout")
    assert error["code"] == "throttled" and int(answers[-1]["Retry-After"]) > 0
