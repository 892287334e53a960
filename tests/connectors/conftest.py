"""Messenger fixtures: the provider double on loopback, a workspace with a published button scenario, and
Telegram / WhatsApp channels created through the real service function (secrets encrypted, webhook set)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from builder.models import Workspace
from runtime import services as pipeline
from runtime.channels_api import create_messenger_channel
from runtime.connectors import telegram as telegram_module
from runtime.connectors.builtin import register_builtin
from runtime.connectors.double import ProviderDouble
from runtime.models import Channel, Message
from tests.support.documents import document, node
from tests.support.users import make_user
from tests.support.world import add_departments, add_user, make_workspace, publish_document

PAYLOADS = Path(__file__).parent / "payloads"
BOT_TOKEN = "7000000001:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
ACCESS_TOKEN = "EAAGm0PX4ZCpsBAtest-access-token"
APP_SECRET = "0123456789abcdef0123456789abcdef"
PHONE_NUMBER_ID = "106540352242922"
WABA_ID = "102290129340398"


def payload(name: str) -> dict[str, Any]:
    return json.loads((PAYLOADS / f"{name}.json").read_text())


MENU_BOT = document(
    [
        node("menu", "buttons", {"text": "Hi {{contact_name|there}}! How can we help?",
                                 "buttons": [{"id": "sales", "label": "Talk to sales"},
                                             {"id": "support", "label": "Support"}]}),
        node("sales_info", "message", {"text": "Sales are open 9-18. Source: {{ref|direct}}"}, 200),
        node("support_info", "message", {"text": "Support answers within a day."}, 200),
    ],
    [("menu", "sales", "sales_info"), ("menu", "support", "support_info"), ("sales_info", "next", "menu"),
     ("support_info", "next", "menu")],
    name="Menu bot",
    settings={"operator_button": {"enabled": True, "label": "Call operator", "department": "support"}},
)


@dataclass
class World:
    workspace: Workspace
    admin: Any
    operator: Any
    telegram: Channel
    whatsapp: Channel
    secrets: dict[str, dict[str, str]]  # generated secrets per kind (webhook_secret / verify_token)


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


def make_world(slug: str = "acme", document: dict[str, Any] | None = None) -> World:
    admin = make_user(f"{slug}-admin")
    workspace = make_workspace(slug, admin)
    operator = add_user(workspace, f"{slug}-olga")
    add_departments(workspace)
    scenario = publish_document(workspace, "menu-bot", document or MENU_BOT, admin, name="Menu bot")
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
