"""Tenancy: a member of workspace A never reaches workspace B's objects, on any route.

Routes are enumerated from Django's URL resolver, so a route added later is covered automatically: every
route with a workspace slug or an object id in its path is called with each method its view implements,

  * with B's slug and B's objects (A's admin is not a member of B), and
  * with A's slug and B's object ids (the object lookup must be scoped to A),

and must answer 404 (never 403 or 400, which would confirm the object exists), changing nothing in B
or A. Object ids passed in bodies or query strings (export, import `into`, channel scenario, department
operators) are checked by `BODY_REFERENCES`. A route whose path parameters this file does not know, or a
function view without a declared method list, fails `test_every_route_with_an_id_is_covered` until it is
added here (or listed in `PUBLIC_ROUTES` with the reason it is not workspace-scoped).

A's admin is the caller: the most privileged role of A, so no role check can answer before the scoping.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.test import APIClient

from builder.models import Department, Membership, Scenario, ScenarioVersion
from channels_app.models import CannedReply
from runtime.models import Channel, Conversation, Message
from tests.api_fuzz.conftest import World, build_world
from tests.support.documents import full_document

METHODS = ("get", "put", "patch", "post", "delete")

# Routes whose parameters are not workspace objects: the capability is the unguessable channel key.
PUBLIC_ROUTES = {
    "webhooks/telegram/<str:key>/": "Telegram webhook: authenticated by the channel key and secret header",
    "webhooks/whatsapp/<str:key>/": "WhatsApp webhook: authenticated by the channel key and signature",
    "api/widget/<str:key>/config": "public widget config, looked up by the channel's public key",
    "w/<str:key>/test/": "a web channel's sample page embedding its widget, looked up by the public widget key",
}
# Plain Django function views: the methods they serve (class-based views are introspected).
FUNCTION_VIEW_METHODS = {
    "builder.views.editor": ("get",),
    "channels_app.views.conversation_nodes": ("get",),
}
KNOWN_PARAMS = {"ws", "workspace", "scenario_id", "conversation_id", "number", "pk", "user_id"}


@dataclass(frozen=True)
class Route:
    pattern: str
    view: str
    methods: tuple[str, ...]
    params: tuple[str, ...]


def _walk(patterns: list, prefix: str = ""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry.callback


def _methods(callback: Any) -> tuple[str, ...] | None:
    view_class = getattr(callback, "view_class", None) or getattr(callback, "cls", None)
    if view_class is not None:
        return tuple(m for m in METHODS if hasattr(view_class, m))
    return FUNCTION_VIEW_METHODS.get(f"{callback.__module__}.{callback.__name__}")


def scoped_routes() -> list[Route]:
    routes = []
    for pattern, callback in _walk(get_resolver().url_patterns):
        params = tuple(re.findall(r"<(?:\w+:)?(\w+)>", pattern))
        if not params or pattern.startswith("admin/") or pattern in PUBLIC_ROUTES:
            continue
        view = f"{callback.__module__}.{getattr(callback, '__name__', type(callback).__name__)}"
        routes.append(Route(pattern, view, _methods(callback) or (), params))
    return routes


ROUTES = scoped_routes()


def test_every_route_with_an_id_is_covered():
    problems = [f"{r.pattern} ({r.view}): no method list, add it to FUNCTION_VIEW_METHODS"
                for r in ROUTES if not r.methods]
    problems += [f"{r.pattern}: unknown path parameter(s) {sorted(set(r.params) - KNOWN_PARAMS)}, teach "
                 f"`object_params` about them" for r in ROUTES if set(r.params) - KNOWN_PARAMS]
    assert not problems, "\n".join(problems)
    assert len(ROUTES) >= 25  # the resolver walk really found the API


def object_params(route: Route, owner: World) -> dict[str, Any]:
    """Each path parameter of `route` pointing at `owner`'s object (the slug is set by the caller)."""
    values: dict[str, Any] = {}
    for name in route.params:
        if name == "scenario_id":
            values[name] = owner.scenario.pk
        elif name == "conversation_id":
            values[name] = owner.preview_id if "preview/" in route.pattern else owner.conversation.pk
        elif name == "number":
            values[name] = 1
        elif name == "user_id":
            values[name] = owner.editor.pk
        elif name == "pk":
            if "departments/" in route.pattern:
                values[name] = owner.department.pk
            elif "canned-replies/" in route.pattern:
                values[name] = owner.canned.pk
            else:
                values[name] = owner.messenger.pk
    return values


def url_for(route: Route, slug: str, values: dict[str, Any]) -> str:
    def fill(match: re.Match) -> str:
        name = match.group(1)
        return slug if name in ("ws", "workspace") else str(values[name])

    return "/" + re.sub(r"<(?:\w+:)?(\w+)>", fill, route.pattern)


def hostile_body(victim: World) -> dict[str, Any]:
    """One body for every write: valid enough that it would succeed if the scoping were missing."""
    return {
        "name": "Taken over", "slug": "taken-over", "description": "x", "title": "x", "shortcut": "x",
        "text": "hello", "note": "x", "revision": victim.scenario.revision, "document": full_document(),
        "capacity": 3, "is_active": False, "kind": "whatsapp", "config": {"phone_number_id": "9"},
        "secrets": {"access_token": "a", "app_secret": "b"}, "scenario_ids": [str(victim.scenario.pk)],
        "operators": [victim.editor.pk], "assignment": "off",
    }


def snapshot(world: World) -> dict[str, Any]:
    """Everything of a workspace an attacker might change, as plain data."""
    ws = world.workspace
    return {
        "workspace": ws.__class__.objects.filter(pk=ws.pk).values("name", "slug", "settings").first(),
        "members": sorted(Membership.objects.filter(workspace=ws).values_list("user_id", "role")),
        "scenarios": list(Scenario.objects.filter(workspace=ws).order_by("pk").values(
            "pk", "name", "slug", "description", "revision", "draft", "published_version_id")),
        "versions": list(ScenarioVersion.objects.filter(scenario__workspace=ws).order_by("pk").values_list(
            "pk", "number", "note")),
        "departments": list(Department.objects.filter(workspace=ws).order_by("pk").values(
            "pk", "name", "slug", "assignment")),
        "canned": list(CannedReply.objects.filter(workspace=ws).order_by("pk").values("pk", "title", "text")),
        "channels": list(Channel.objects.filter(workspace=ws).order_by("pk").values(
            "pk", "name", "config", "is_active", "scenario_id")),
        "channel_secrets": list(Channel.objects.filter(workspace=ws).order_by("pk").values_list(
            "secrets_encrypted", flat=True)),
        "conversations": list(Conversation.objects.filter(workspace=ws).order_by("pk").values_list(
            "pk", "mode", "is_preview")),
        "messages": Message.objects.filter(conversation__workspace=ws).count(),
    }


@pytest.fixture
def worlds(db):
    return build_world("alpha"), build_world("bravo")


@pytest.fixture
def attacker(worlds) -> APIClient:
    alpha, _ = worlds
    client = APIClient()
    client.raise_request_exception = False
    client.force_login(alpha.admin)
    return client


def call(client: APIClient, method: str, url: str, body: dict[str, Any]):
    if method in ("get", "delete"):
        return getattr(client, method)(url)
    return getattr(client, method)(url, body, format="json")


CASES = [(route, method) for route in ROUTES for method in route.methods]


@pytest.mark.parametrize(("route", "method"), CASES, ids=[f"{m.upper()} {r.pattern}" for r, m in CASES])
def test_another_workspaces_objects_are_404(worlds, attacker, route, method):
    alpha, bravo = worlds
    before = snapshot(alpha), snapshot(bravo)
    values = object_params(route, bravo)
    attempts = [url_for(route, bravo.workspace.slug, values)]
    if any(name not in ("ws", "workspace") for name in route.params) and (
            "ws" in route.params or "workspace" in route.params):
        attempts.append(url_for(route, alpha.workspace.slug, values))

    for url in attempts:
        response = call(attacker, method, url, hostile_body(bravo))
        assert response.status_code == 404, f"{method.upper()} {url} -> {response.status_code}: {response.content[:300]!r}"
        if "json" in response.get("Content-Type", ""):  # nothing but the error: no data of B's object
            assert list(response.json()) == ["errors"], response.json()

    assert (snapshot(alpha), snapshot(bravo)) == before


# Object ids in bodies and query strings, sent with the caller's own slug: refused (404, or 400 for a
# reference field), nothing written anywhere.
BODY_REFERENCES = [
    ("post", "/api/w/alpha/export/", lambda b: {"scenario_ids": [str(b.scenario.pk)]}, {404}),
    ("post", "/api/w/alpha/import/?into={scenario}", lambda b: {}, {404}),
    ("post", "/api/w/alpha/import/?into={scenario}&dry_run=1", lambda b: {}, {404}),
    ("post", "/api/w/alpha/channels/", lambda b: {"kind": "whatsapp", "name": "X", "scenario": str(b.scenario.pk),
                                                  "config": {"phone_number_id": "1"},
                                                  "secrets": {"access_token": "a", "app_secret": "b"},
                                                  "register_webhook": False}, {400, 404}),
    ("patch", "/api/w/alpha/channels/{own_channel}/", lambda b: {"scenario": str(b.scenario.pk)}, {400, 404}),
    ("post", "/api/w/alpha/departments/", lambda b: {"name": "X", "slug": "x", "operators": [b.editor.pk]},
     {400, 404}),
]


@pytest.mark.parametrize(("method", "url", "body", "allowed"), BODY_REFERENCES,
                         ids=[f"{m.upper()} {u}" for m, u, _, _ in BODY_REFERENCES])
def test_references_to_another_workspace_in_bodies_are_refused(worlds, attacker, method, url, body, allowed):
    alpha, bravo = worlds
    before = snapshot(alpha), snapshot(bravo)
    url = url.format(scenario=bravo.scenario.pk, own_channel=alpha.messenger.pk)
    payload = body(bravo)
    if "import" in url:  # a valid bundle of B's scenario, so only the `into` reference can refuse it
        payload = attacker.get(f"/api/w/alpha/scenarios/{alpha.scenario.pk}/export/").json()

    response = call(attacker, method, url, payload)

    assert response.status_code in allowed, f"{url} -> {response.status_code}: {response.content[:300]!r}"
    assert (snapshot(alpha), snapshot(bravo)) == before


def test_workspace_list_shows_only_my_workspaces(worlds, attacker):
    assert [w["slug"] for w in attacker.get("/api/workspaces/").json()] == ["alpha"]
