"""Lone surrogates (`\\ud800`) are refused at the edge with a 400 naming the field (issue #11, item 7).

Write routes are enumerated from Django's URL resolver (as tests/api_fuzz/test_cross_workspace.py does), so a
route added later is covered without touching this file: each is called by its workspace's admin with an
otherwise ordinary body whose `name` holds a lone surrogate, and must answer 400 `bad_text` at `/name`.
Bundle uploads, provider webhooks and both websockets have their own tests below.
"""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from channels.db import database_sync_to_async
from rest_framework.test import APIClient

from builder.text_input import find_bad_text
from runtime.channels_api import create_messenger_channel
from runtime.connectors.double import ProviderDouble
from runtime.models import Message
from tests.api_fuzz.test_cross_workspace import METHODS, Route, _methods, _walk, object_params, url_for
from tests.support.documents import full_document

BAD = "caf\ud800e"
# Form posts (Django decodes form bytes with replacement characters, so no surrogate can arrive) and routes
# tested on their own below, each with the reason.
NOT_JSON_API = {
    "login/": "HTML form post: urlencoded bytes are decoded with U+FFFD replacement",
    "logout/": "HTML form post without text fields",
    "webhooks/telegram/<str:key>/": "signed provider webhook: test_webhooks_refuse_lone_surrogates",
    "webhooks/whatsapp/<str:key>/": "signed provider webhook: test_webhooks_refuse_lone_surrogates",
}
WRITE_METHODS = ("post", "put", "patch")


def write_routes() -> list[tuple[Route, str]]:
    import re

    from django.urls import get_resolver

    found = []
    for pattern, callback in _walk(get_resolver().url_patterns):
        if pattern.startswith("admin/") or pattern in NOT_JSON_API:
            continue
        methods = _methods(callback) or ()
        params = tuple(re.findall(r"<(?:\w+:)?(\w+)>", pattern))
        view = f"{callback.__module__}.{getattr(callback, '__name__', type(callback).__name__)}"
        for method in methods:
            if method in WRITE_METHODS:
                found.append((Route(pattern, view, tuple(methods), params), method))
    return found


WRITE_ROUTES = write_routes()


def test_the_resolver_walk_found_the_write_api():
    patterns = {route.pattern for route, _ in WRITE_ROUTES}
    # The entry points named in the issue are among them.
    for expected in ("api/w/<slug:ws>/scenarios/<uuid:scenario_id>/preview/",
                     "api/w/<slug:ws>/preview/<uuid:conversation_id>/",
                     "api/w/<slug:ws>/channels/", "api/w/<slug:ws>/channels/<int:pk>/",
                     "api/w/<slug:ws>/channels/<int:pk>/templates/", "api/w/<slug:ws>/import/",
                     "api/w/<slug:ws>/scenarios/<uuid:scenario_id>/test-request/"):
        assert expected in patterns, expected
    assert METHODS  # the same method list the tenancy test uses
    assert len(WRITE_ROUTES) >= 20


def ordinary_body(world: Any) -> dict[str, Any]:
    """A body each write would otherwise accept (or refuse for ordinary reasons), with a bad `name`."""
    return {
        "name": BAD, "slug": "s", "description": "x", "title": "x", "shortcut": "x", "text": "hello",
        "note": "x", "revision": world.scenario.revision, "document": full_document(), "capacity": 3,
        "kind": "whatsapp", "config": {"phone_number_id": "9"},
        "secrets": {"access_token": "a", "app_secret": "b"}, "scenario_ids": [str(world.scenario.pk)],
        "operators": [world.editor.pk], "assignment": "off", "language": "en", "body": "Hi",
        "node": {"method": "GET", "url": "https://example.com/"}, "username": "x", "password": "y",
    }


@pytest.fixture
def admin_client(alpha) -> APIClient:
    client = APIClient()
    client.raise_request_exception = False  # a 500 is an answer to assert on, not a test crash
    client.force_login(alpha.admin)
    return client


@pytest.mark.parametrize("route,method", WRITE_ROUTES, ids=[f"{m.upper()} {r.pattern}" for r, m in WRITE_ROUTES])
def test_every_json_write_route_refuses_a_lone_surrogate(alpha, admin_client, route, method):
    url = url_for(route, alpha.workspace.slug, object_params(route, alpha))
    raw = json.dumps(ordinary_body(alpha))  # ensure_ascii: the surrogate travels as the escape \ud800
    assert "\\ud800" in raw
    before = Message.objects.count()
    response = getattr(admin_client, method)(url, data=raw, content_type="application/json")
    assert response.status_code == 400, (response.status_code, response.content[:300])
    error = response.json()["errors"][0]
    assert (error["code"], error["path"]) == ("bad_text", "/name"), error
    assert Message.objects.count() == before


def test_the_pointer_leads_to_the_nested_field(alpha, admin_client):
    document = full_document()
    document["nodes"][0]["data"]["text"] = BAD
    url = f"/api/w/alpha/scenarios/{alpha.scenario.pk}/draft/"
    response = admin_client.put(url, data=json.dumps({"document": document, "revision": alpha.scenario.revision}),
                                content_type="application/json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["path"] == "/document/nodes/0/data/text"


@pytest.mark.parametrize("dry_run", [True, False])
def test_an_uploaded_bundle_with_a_lone_surrogate_is_refused(alpha, admin_client, dry_run):
    export = admin_client.post("/api/w/alpha/export/", {"scenario_ids": [str(alpha.scenario.pk)]}, format="json")
    bundle = json.loads(export.content)
    bundle["scenarios"][0]["name"] = BAD
    upload = io.BytesIO(json.dumps(bundle).encode())
    upload.name = "bundle.json"
    response = admin_client.post(f"/api/w/alpha/import/?dry_run={'true' if dry_run else 'false'}",
                                 {"file": upload}, format="multipart")
    assert response.status_code == 400, response.content[:300]
    error = response.json()["errors"][0]
    assert (error["code"], error["path"]) == ("bad_text", "/scenarios/0/name")


def test_webhooks_refuse_lone_surrogates(alpha, client):
    client.raise_request_exception = False
    whatsapp = alpha.messenger
    body = {"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [{"field": "messages", "value": {
        "messaging_product": "whatsapp", "metadata": {"phone_number_id": "123"},
        "contacts": [{"wa_id": "15550001", "profile": {"name": "Ann"}}],
        "messages": [{"from": "15550001", "id": "wamid.1", "type": "text", "text": {"body": BAD}}]}}]}]}
    raw = json.dumps(body).encode()
    response = client.post(f"/webhooks/whatsapp/{whatsapp.key}/", data=raw, content_type="application/json",
                           HTTP_X_HUB_SIGNATURE_256=ProviderDouble.sign(raw, "secret-xyz"))
    assert response.status_code == 400, response.content
    error = response.json()["errors"][0]
    assert (error["code"], error["path"]) == ("bad_text", "/entry/0/changes/0/value/messages/0/text/body")

    telegram, generated = create_messenger_channel(
        alpha.workspace, kind="telegram", name="Bot", secrets={"bot_token": "7000000001:AAHdqTcvCH1vGWJxfSeofSAs0K5P"},
        register_webhook=False)
    update = {"update_id": 5, "message": {"message_id": 1, "chat": {"id": 42, "type": "private"},
                                          "from": {"id": 42, "first_name": BAD}, "text": "hi"}}
    response = client.post(f"/webhooks/telegram/{telegram.key}/", data=json.dumps(update),
                           content_type="application/json",
                           HTTP_X_TELEGRAM_BOT_API_SECRET_TOKEN=generated["webhook_secret"])
    assert response.status_code == 400, response.content
    assert response.json()["errors"][0]["path"] == "/message/from/first_name"
    assert Message.objects.filter(channel__in=[whatsapp, telegram], direction="in").count() == 0


def test_pointer_rules():
    assert find_bad_text({"a": ["ok", "\U0001f600", {"b/c~": BAD}]}) == "/a/2/b~1c~0"
    assert find_bad_text({"\ud800key": 1}) == "/\ufffdkey"
    assert find_bad_text(["fine", "\ud83d\ude00"]) == "/1"  # a lone high surrogate followed by a lone low one
    assert find_bad_text(json.loads('["\\ud83d\\ude00"]')) is None  # a proper pair decodes to one character


# --- websockets: an `error` frame `bad_text` with `where` ------------------------------------------


@pytest.mark.django_db(transaction=True)
async def test_widget_frame_with_a_lone_surrogate_is_an_error_frame(transactional_db):
    from tests.channels_app.conftest import make_world, receive_until, widget_communicator

    world = await database_sync_to_async(make_world)()
    customer = widget_communicator(world.channel)
    connected, _ = await customer.connect()
    assert connected
    session, _ = await receive_until(customer, "session")
    await customer.send_to(text_data='{"type": "message", "text": "caf\\ud800e", "client_id": "c1"}')
    error, _ = await receive_until(customer, "error")
    assert (error["code"], error["where"], error.get("client_id")) == ("bad_text", "/text", "c1")
    # The socket stays usable, and nothing of the bad frame was stored.
    await customer.send_json_to({"type": "message", "text": "café", "client_id": "c2"})
    await receive_until(customer, "message", match=lambda f: f.get("text") == "café")
    texts = await database_sync_to_async(lambda: list(Message.objects.filter(
        conversation_id=session["conversation_id"], direction="in").values_list("text", flat=True)))()
    assert texts == ["café"]
    await customer.disconnect()


@pytest.mark.django_db(transaction=True)
async def test_inbox_frame_with_a_lone_surrogate_is_an_error_frame(transactional_db):
    from tests.channels_app.conftest import inbox_communicator, make_world, receive_until
    from tests.support.users import session_cookie

    world = await database_sync_to_async(make_world)()
    cookie = await database_sync_to_async(session_cookie)(world.operator)
    inbox = inbox_communicator(cookie, world.workspace.slug)
    connected, _ = await inbox.connect()
    assert connected
    await inbox.send_to(text_data='{"type": "reply", "conversation_id": "x", "text": "\\udfff", "client_id": "r1"}')
    error, _ = await receive_until(inbox, "error")
    assert (error["code"], error["where"]) == ("bad_text", "/text")
    await inbox.disconnect()
