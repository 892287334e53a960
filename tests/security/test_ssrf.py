"""Outbound requests never reach the private network from tenant data (issue #11, items 2 and 3).

* A channel's provider address is a deployment setting: `config.api_base` is refused with a 400 naming the
  field, and a value stored before the fix is ignored (the token goes to the configured provider only).
* What a provider answers never comes back verbatim to the API caller.
* Every IPv6 form that carries a private IPv4 address (mapped, compatible, NAT64, 6to4, Teredo) is private,
  as a literal URL host and as a DNS answer.
"""

from __future__ import annotations

import socket

import pytest
from django.test import override_settings
from pytest_httpserver import HTTPServer
from rest_framework.test import APIClient

from runtime import http_fetch
from runtime.address_policy import is_public_address
from runtime.connectors.double import ProviderDouble
from runtime.connectors.secrets import get_secrets
from runtime.models import Channel, MessageTemplate
from tests.connectors import conftest as messenger
from tests.connectors.conftest import ACCESS_TOKEN, WABA_ID

# The messenger suite's fixtures: the provider double at the configured bases, a workspace with channels.
double, world = messenger.double, messenger.world

NEW_TOKEN = "7000000001:BBBdqTcvCH1vGWJxfSeofSAs0K5PALDnew"
MARKER = "internal-answer-7f3a"

# (form, IPv6 literal carrying 127.0.0.1 / 10.0.0.1 / 169.254.169.254)
PRIVATE_V6 = [
    ("ipv4-compatible", "::127.0.0.1"),
    ("ipv4-compatible-hex", "::7f00:1"),
    ("ipv4-mapped", "::ffff:127.0.0.1"),
    ("ipv4-mapped-metadata", "::ffff:169.254.169.254"),
    ("nat64-well-known", "64:ff9b::7f00:1"),
    ("nat64-well-known-metadata", "64:ff9b::a9fe:a9fe"),
    ("nat64-local-use", "64:ff9b:1::a00:1"),
    ("6to4", "2002:7f00:1::1"),
    ("6to4-private", "2002:a00:1::1"),
    ("teredo-client-loopback", "2001:0:4136:e378:8000:63bf:80ff:fffe"),
    ("site-local", "fec0::1"),
]
# The same forms carrying a public address stay usable: the policy judges the IPv4 inside.
PUBLIC_V6 = ["64:ff9b::808:808", "2002:808:808::1", "2606:4700:4700::1111"]


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


# --- item 2: the channel's provider address ---------------------------------------------------------


@pytest.mark.parametrize("base", ["http://169.254.169.254/latest", "http://127.0.0.1:6379", "https://api.telegram.org"])
def test_a_telegram_channel_cannot_be_created_with_an_api_base(world, double, base):
    response = api(world.admin).post("/api/w/acme/channels/", {
        "kind": "telegram", "name": "Evil", "config": {"api_base": base}, "secrets": {"bot_token": NEW_TOKEN},
    }, format="json")
    assert response.status_code == 400, response.content
    error = response.json()["errors"][0]
    assert error["path"] == "/config/api_base" and "api_base" in error["message"]
    assert not Channel.objects.filter(name="Evil").exists()
    assert NEW_TOKEN not in double.webhooks  # setWebhook was not even tried


def test_a_whatsapp_channel_cannot_be_patched_to_an_api_base(world, double):
    response = api(world.admin).patch(f"/api/w/acme/channels/{world.whatsapp.pk}/",
                                      {"config": {"api_base": "http://127.0.0.1:8000"}}, format="json")
    assert response.status_code == 400, response.content
    assert response.json()["errors"][0]["path"] == "/config/api_base"
    world.whatsapp.refresh_from_db()
    assert "api_base" not in world.whatsapp.config


@pytest.mark.parametrize("key,value", [("waba_id", "../../evil"), ("phone_number_id", "1?x="),
                                       ("api_version", "v1/../../x")])
def test_config_values_that_become_url_parts_are_checked(world, double, key, value):
    response = api(world.admin).patch(f"/api/w/acme/channels/{world.whatsapp.pk}/",
                                      {"config": {key: value}}, format="json")
    assert response.status_code == 400, response.content
    assert response.json()["errors"][0]["path"] == f"/config/{key}"


def test_a_stored_api_base_is_ignored_and_the_token_never_goes_there(world, double):
    """A channel saved before the fix with an internal api_base: template sync goes to the configured
    provider (the double), and the internal server never sees the access token."""
    double.templates[WABA_ID] = [{"id": "1", "name": "hello", "language": "en", "status": "APPROVED",
                                  "category": "UTILITY", "components": [{"type": "BODY", "text": "Hi"}]}]
    with ProviderDouble() as internal:
        Channel.objects.filter(pk=world.whatsapp.pk).update(
            config={**world.whatsapp.config, "api_base": internal.url})
        response = api(world.admin).post(f"/api/w/acme/channels/{world.whatsapp.pk}/templates/sync/")
        assert response.status_code == 200, response.content
        assert internal.requests == []
    assert double.calls("message_templates")
    assert MessageTemplate.objects.filter(channel=world.whatsapp, name="hello").exists()
    Channel.objects.filter(pk=world.telegram.pk).update(config={"api_base": "http://127.0.0.1:9"})
    assert api(world.admin).post(f"/api/w/acme/channels/{world.telegram.pk}/webhook/").status_code == 200
    assert get_secrets(world.whatsapp)["access_token"] == ACCESS_TOKEN


@pytest.fixture
def provider(settings):
    """A provider at the configured address that answers whatever a test tells it to."""
    server = HTTPServer(host="127.0.0.1", port=0)
    server.start()
    settings.WHATSAPP_API_BASE = server.url_for("").rstrip("/")
    settings.TELEGRAM_API_BASE = server.url_for("").rstrip("/")
    settings.CONNECTOR_RETRY_ATTEMPTS = 1
    yield server
    server.clear()
    if server.is_running():
        server.stop()


@pytest.mark.parametrize("status", [400, 401, 500])
def test_provider_errors_are_not_echoed_to_the_caller(world, provider, status):
    provider.expect_request(f"/v21.0/{WABA_ID}/message_templates").respond_with_json(
        {"error": {"code": 190, "message": f"{MARKER}: redis_version:7.0.0"}}, status=status)
    response = api(world.admin).post(f"/api/w/acme/channels/{world.whatsapp.pk}/templates/sync/")
    assert response.status_code == 400, response.content
    assert MARKER not in response.content.decode()
    assert f"HTTP {status}" in response.json()["errors"][0]["message"]


def test_setwebhook_errors_are_not_echoed_to_the_caller(world, provider):
    provider.expect_request(f"/bot{NEW_TOKEN}/setWebhook").respond_with_json(
        {"ok": False, "description": f"{MARKER} +PONG"}, status=400)
    response = api(world.admin).post("/api/w/acme/channels/", {
        "kind": "telegram", "name": "Second", "secrets": {"bot_token": NEW_TOKEN}}, format="json")
    assert response.status_code == 400
    assert MARKER not in response.content.decode()


def test_a_provider_answer_that_is_not_json_is_a_400_not_a_500(world, provider):
    provider.expect_request(f"/v21.0/{WABA_ID}/message_templates").respond_with_data(
        f"<html>{MARKER}</html>", status=200)
    response = api(world.admin).post(f"/api/w/acme/channels/{world.whatsapp.pk}/templates/sync/")
    assert response.status_code == 400, response.content
    assert MARKER not in response.content.decode()


# --- item 3: IPv6 forms of private addresses ---------------------------------------------------------


@pytest.mark.parametrize("form,address", PRIVATE_V6, ids=[f for f, _ in PRIVATE_V6])
def test_ipv6_forms_of_private_addresses_are_private(form, address):
    assert not is_public_address(address), form


@pytest.mark.parametrize("address", PUBLIC_V6)
def test_ipv6_forms_of_public_addresses_stay_public(address):
    assert is_public_address(address)


@override_settings(HTTP_NODE_ALLOW_PRIVATE=False)
@pytest.mark.parametrize("form,address", PRIVATE_V6, ids=[f for f, _ in PRIVATE_V6])
def test_ipv6_forms_as_a_literal_url_host_are_refused(form, address):
    result = http_fetch.fetch("GET", f"http://[{address}]:8080/", timeout_seconds=2)
    assert result.error == "refused_private_address", form


@override_settings(HTTP_NODE_ALLOW_PRIVATE=False)
@pytest.mark.parametrize("form,address", PRIVATE_V6, ids=[f for f, _ in PRIVATE_V6])
def test_ipv6_forms_as_a_dns_answer_are_refused(monkeypatch, form, address):
    answers = []

    def resolver(host, port, *args, **kwargs):
        answers.append(host)
        return [(socket.AF_INET6, socket.SOCK_STREAM, 6, "", (address, port, 0, 0))]

    monkeypatch.setattr(socket, "getaddrinfo", resolver)
    result = http_fetch.fetch("GET", "http://innocent.example.com/", timeout_seconds=2)
    assert answers == ["innocent.example.com"]
    assert result.error == "refused_private_address", form


def test_the_test_request_button_refuses_an_ipv6_loopback_form(world, double):
    from builder.models import Scenario

    scenario = Scenario.objects.get(workspace=world.workspace)
    node = {"method": "GET", "url": "http://[::127.0.0.1]:6379/", "headers": [], "response_mapping": [],
            "timeout_seconds": 2}
    with override_settings(HTTP_NODE_ALLOW_PRIVATE=False):
        response = api(world.admin).post(f"/api/w/acme/scenarios/{scenario.pk}/test-request/", {"node": node},
                                         format="json")
    assert response.status_code == 200, response.content
    assert response.json()["error"] == "refused_private_address"
