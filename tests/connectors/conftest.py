"""Messenger fixtures: the provider double on loopback, a workspace with a published button scenario, and
Telegram / WhatsApp channels created through the real service function (secrets encrypted, webhook set)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from builder import services as builder_services
from builder.models import Role, Workspace
from channels_app import services as inbox_services
from runtime import services as pipeline
from runtime.channels_api import create_messenger_channel
from runtime.connectors import telegram as telegram_module
from runtime.connectors.builtin import register_builtin
from runtime.connectors.double import ProviderDouble
from runtime.models import Channel, Message

PAYLOADS = Path(__file__).parent / "payloads"
BOT_TOKEN = "7000000001:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
ACCESS_TOKEN = "EAAGm0PX4ZCpsBAtest-access-token"
APP_SECRET = "0123456789abcdef0123456789abcdef"
PHONE_NUMBER_ID = "106540352242922"
WABA_ID = "102290129340398"


def payload(name: str) -> dict[str, Any]:
    return json.loads((PAYLOADS / f"{name}.json").read_text())


def node(node_id: str, kind: str, data: dict[str, Any], x: int = 0) -> dict[str, Any]:
    return {"id": node_id, "type": kind, "position": {"x": x, "y": 0}, "data": data}


MENU_BOT = {
    "format": "botflow/scenario",
    "version": 1,
    "name": "Menu bot",
    "start": "menu",
    "variables": [],
    "settings": {"operator_button": {"enabled": True, "label": "Call operator", "department": "support"}},
    "nodes": [
        node("menu", "buttons", {"text": "Hi {{contact_name|there}}! How can we help?",
                                 "buttons": [{"id": "sales", "label": "Talk to sales"},
                                             {"id": "support", "label": "Support"}]}),
        node("sales_info", "message", {"text": "Sales are open 9-18. Source: {{ref|direct}}"}, 200),
        node("support_info", "message", {"text": "Support answers within a day."}, 200),
    ],
    "edges": [
        {"id": "e1", "source": "menu", "source_port": "sales", "target": "sales_info"},
        {"id": "e2", "source": "menu", "source_port": "support", "target": "support_info"},
        {"id": "e3", "source": "sales_info", "source_port": "next", "target": "menu"},
        {"id": "e4", "source": "support_info", "source_port": "next", "target": "menu"},
    ],
}


@dataclass
class World:
    workspace: Workspace
    admin: Any
    operator: Any
    telegram: Channel
    whatsapp: Channel
    secrets: dict[str, dict[str, str]]  # generated secrets per kind (webhook_secret / verify_token)


@pytest.fixture(autouse=True)
def fresh_scenario_cache():
    """Compiled scenarios are cached per version id; test databases reuse ids, so start each test empty."""
    from runtime.engine.loader import clear_cache
    from runtime.pipeline import scenarios

    scenarios._cache.clear()
    clear_cache()
    yield
    scenarios._cache.clear()
    clear_cache()


@pytest.fixture
def double(settings):
    """The provider double, with the connectors pointed at it and fast retries."""
    with ProviderDouble() as running:
        settings.TELEGRAM_API_BASE = running.url
        settings.WHATSAPP_API_BASE = running.url
        settings.CONNECTOR_RETRY_ATTEMPTS = 3
        settings.CONNECTOR_RETRY_BASE_SECONDS = 0.01
        settings.CONNECTOR_RETRY_MAX_SECONDS = 0.05
        settings.TELEGRAM_PER_CHAT_INTERVAL_SECONDS = 0
        telegram_module._limiter = None  # rebuilt from the settings above
        register_builtin()
        yield running
        telegram_module._limiter = None


def make_user(username: str):
    return get_user_model().objects.create_user(username=username)  # no password: tests use force_login


def make_world(slug: str = "acme", document: dict[str, Any] | None = None) -> World:
    admin = make_user(f"{slug}-admin")
    workspace = builder_services.create_workspace(slug.title(), slug, owner=admin)
    operator = make_user(f"{slug}-olga")
    builder_services.add_member(workspace, operator, Role.OPERATOR)
    inbox_services.create_department(workspace, name="Support", slug="support")
    inbox_services.create_department(workspace, name="Sales", slug="sales")
    scenario = builder_services.create_scenario(workspace, "Menu bot", user=admin, slug="menu-bot",
                                                document=json.loads(json.dumps(document or MENU_BOT)))
    builder_services.publish(scenario, admin)
    telegram, tg_generated = create_messenger_channel(
        workspace, kind="telegram", name="Shop bot", secrets={"bot_token": BOT_TOKEN}, scenario=scenario)
    whatsapp, wa_generated = create_messenger_channel(
        workspace, kind="whatsapp", name="Shop WhatsApp", scenario=scenario,
        config={"phone_number_id": PHONE_NUMBER_ID, "waba_id": WABA_ID},
        secrets={"access_token": ACCESS_TOKEN, "app_secret": APP_SECRET})
    return World(workspace, admin, operator, telegram, whatsapp,
                 {"telegram": tg_generated, "whatsapp": wa_generated})


@pytest.fixture
def world(db, double) -> World:
    return make_world()


def tg_url(channel: Channel) -> str:
    return f"/webhooks/telegram/{channel.key}/"


def wa_url(channel: Channel) -> str:
    return f"/webhooks/whatsapp/{channel.key}/"


def post_telegram(client: Client, world: World, update: dict[str, Any], secret: str | None = "default"):
    headers = {}
    if secret == "default":
        secret = world.secrets["telegram"]["webhook_secret"]
    if secret is not None:
        headers["HTTP_X_TELEGRAM_BOT_API_SECRET_TOKEN"] = secret
    return client.post(tg_url(world.telegram), data=json.dumps(update), content_type="application/json", **headers)


def post_whatsapp(client: Client, world: World, body: dict[str, Any] | bytes, signature: str | None = "default"):
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    headers = {}
    if signature == "default":
        signature = ProviderDouble.sign(raw, APP_SECRET)
    if signature is not None:
        headers["HTTP_X_HUB_SIGNATURE_256"] = signature
    return client.post(wa_url(world.whatsapp), data=raw, content_type="application/json", **headers)


def run_deliveries() -> list[str]:
    """What the task worker does: deliver every pending outbound message, in order."""
    results = []
    for pk in Message.objects.filter(delivery=Message.Delivery.PENDING).order_by("id").values_list("pk", flat=True):
        results.append(pipeline.deliver(pk))
    return results


def wa_message(text: str, wamid: str, wa_id: str = "16505551234") -> dict[str, Any]:
    body = payload("whatsapp_text")
    message = body["entry"][0]["changes"][0]["value"]["messages"][0]
    message["text"]["body"] = text
    message["id"] = wamid
    message["from"] = wa_id
    body["entry"][0]["changes"][0]["value"]["contacts"][0]["wa_id"] = wa_id
    return body
