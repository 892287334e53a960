"""Done-when of the messengers issue: the welcome-funnel fixture runs through the provider double on
Telegram and on WhatsApp, end to end, over real HTTP both ways.

The double posts webhooks (signed like the providers sign them) to our live server at the URL we
registered with it; the task worker's job (delivering pending messages) runs in the test; the operator
claims and replies through the inbox service functions.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from builder import transfer
from channels_app import queue
from channels_app import services as inbox
from runtime.channels_api import create_messenger_channel, webhook_url
from runtime.models import Conversation, Message
from tests.support.users import make_user

from .conftest import ACCESS_TOKEN, APP_SECRET, BOT_TOKEN, PHONE_NUMBER_ID, WABA_ID, payload, run_deliveries

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"


def menu_button_ids() -> list[str]:
    """The welcome menu's buttons as the fixture draws them, then the runtime's operator escape."""
    bundle = json.loads((FIXTURES / "welcome_funnel.json").read_text(encoding="utf-8"))
    nodes = bundle["scenarios"][0]["document"]["nodes"]
    menu = next(n for n in nodes if n["id"] == "menu")
    return [b["id"] for b in menu["data"]["buttons"]] + ["__operator__"]


@pytest.fixture
def funnel(transactional_db, live_server, double, settings):
    """The welcome funnel (and the quiz it jumps to) imported from the fixture bundles and published."""
    from builder import services as builder_services
    from builder.models import Role

    settings.SITE_URL = live_server.url  # the webhook URL we register with the double
    admin = make_user("ada")
    workspace = builder_services.create_workspace("Acme", "acme", owner=admin)
    operator = make_user("olga")
    builder_services.add_member(workspace, operator, Role.OPERATOR)
    bundles = [transfer.parse_bundle((FIXTURES / name).read_bytes(), max_bytes=5_000_000, max_nodes=10_000)
               for name in ("quiz.json", "welcome_funnel.json")]
    plan = transfer.plan_import(transfer.merge_bundles(bundles), workspace, create_missing=True)
    scenarios = transfer.apply_import(plan, admin, publish=True)
    welcome = next(s for s in scenarios if s.slug == "welcome")
    return {"workspace": workspace, "admin": admin, "operator": operator, "scenario": welcome}


def _texts(double, name: str, field: str = "text") -> list[str]:
    return [c.body.get(field, "") for c in double.calls(name)]


def _operator_takes_over_and_replies(funnel, conversation: Conversation) -> Message:
    operator = funnel["operator"]
    queue.claim(operator, conversation.pk)
    return inbox.reply(operator, conversation.pk, "Hi, I'm Olga from support. How can I help?")


def test_welcome_funnel_on_telegram(funnel, double):
    channel, _ = create_messenger_channel(funnel["workspace"], kind="telegram", name="Acme bot",
                                          secrets={"bot_token": BOT_TOKEN}, scenario=funnel["scenario"])
    hook = double.webhooks[BOT_TOKEN]
    assert hook["url"] == webhook_url(channel)  # our live server, as shown by the channels API
    url, secret = hook["url"], hook["secret_token"]

    # 1. The customer opens the bot from a start link: /start summer_promo.
    assert double.post_telegram_update(url, payload("telegram_start"), secret).status_code == 200
    conversation = Conversation.objects.get(channel=channel)
    assert conversation.ref == "summer_promo"
    assert set(run_deliveries()) == {"sent"}
    welcome, menu = double.calls("sendMessage")[-2:]
    assert welcome.body["text"].startswith("Hi Test Lastname! 👋 Welcome to Botflow.")
    keyboard = [row[0] for row in menu.body["reply_markup"]["inline_keyboard"]]
    assert [b["callback_data"] for b in keyboard] == menu_button_ids()

    # 2. They press "Call operator": the chat is handed off to the support queue.
    press = copy.deepcopy(payload("telegram_callback_query"))
    press["callback_query"]["data"] = "__operator__"
    press["callback_query"]["message"]["reply_markup"] = menu.body["reply_markup"]
    assert double.post_telegram_update(url, press, secret).status_code == 200
    assert [c.body["callback_query_id"] for c in double.calls("answerCallbackQuery")] == ["4382bfdwdsb323b2d9"]
    conversation.refresh_from_db()
    assert conversation.mode == Conversation.Mode.QUEUED
    assert conversation.department.slug == "support"
    run_deliveries()

    # 3. An operator claims the chat and replies; the reply reaches the customer through the Bot API.
    reply = _operator_takes_over_and_replies(funnel, conversation)
    assert set(run_deliveries()) == {"sent"}
    reply.refresh_from_db()
    assert reply.delivery == "sent" and reply.external_id.startswith("tg:1111111:")
    assert "Hi, I'm Olga from support. How can I help?" in _texts(double, "sendMessage")

    # 4. The customer answers; it lands in the live conversation for the operator, not the bot.
    answer = copy.deepcopy(payload("telegram_message"))
    answer["update_id"] = 10010
    answer["message"]["text"] = "My parcel never arrived"
    assert double.post_telegram_update(url, answer, secret).status_code == 200
    conversation.refresh_from_db()
    assert conversation.mode == Conversation.Mode.LIVE
    last = conversation.messages.order_by("-seq").first()
    assert (last.sender, last.text) == ("customer", "My parcel never arrived")
    # A redelivery of the same update changes nothing.
    assert double.post_telegram_update(url, answer, secret).status_code == 200
    assert conversation.messages.filter(text="My parcel never arrived").count() == 1


def test_welcome_funnel_on_whatsapp(funnel, double):
    channel, generated = create_messenger_channel(
        funnel["workspace"], kind="whatsapp", name="Acme WhatsApp", scenario=funnel["scenario"],
        config={"phone_number_id": PHONE_NUMBER_ID, "waba_id": WABA_ID},
        secrets={"access_token": ACCESS_TOKEN, "app_secret": APP_SECRET})
    url = webhook_url(channel)
    # Meta's subscription handshake first.
    handshake = double.whatsapp_handshake(url, generated["verify_token"], "42")
    assert handshake.status_code == 200 and handshake.text == "42"

    # 1. The customer taps a wa.me link whose prefilled text is "/start summer_promo".
    start = copy.deepcopy(payload("whatsapp_text"))
    start["entry"][0]["changes"][0]["value"]["messages"][0]["text"]["body"] = "/start summer_promo"
    assert double.post_whatsapp_notification(url, start, APP_SECRET).status_code == 200
    conversation = Conversation.objects.get(channel=channel)
    assert conversation.ref == "summer_promo"
    assert set(run_deliveries()) == {"sent"}
    welcome, menu = double.calls("messages")[-2:]
    assert welcome.body["type"] == "text" and welcome.body["text"]["body"].startswith("Hi Sheena Nelson! 👋")
    # The choices + the operator escape: more than WhatsApp's 3 reply buttons, so a list message.
    assert len(menu_button_ids()) > 3
    assert menu.body["interactive"]["type"] == "list"
    rows = menu.body["interactive"]["action"]["sections"][0]["rows"]
    assert [r["id"] for r in rows] == menu_button_ids()

    # 2. They pick "Call operator" from the list.
    pick = copy.deepcopy(payload("whatsapp_list_reply"))
    pick["entry"][0]["changes"][0]["value"]["messages"][0]["interactive"]["list_reply"] = {
        "id": "__operator__", "title": "Call operator"}
    assert double.post_whatsapp_notification(url, pick, APP_SECRET).status_code == 200
    conversation.refresh_from_db()
    assert conversation.mode == Conversation.Mode.QUEUED and conversation.department.slug == "support"
    run_deliveries()

    # 3. The operator's reply goes out through the Cloud API; WhatsApp reports it delivered.
    reply = _operator_takes_over_and_replies(funnel, conversation)
    assert set(run_deliveries()) == {"sent"}
    reply.refresh_from_db()
    sent = double.calls("messages")[-1].body
    assert sent["type"] == "text" and sent["text"]["body"] == "Hi, I'm Olga from support. How can I help?"
    status = copy.deepcopy(payload("whatsapp_statuses"))
    status["entry"][0]["changes"][0]["value"]["statuses"][0]["id"] = reply.external_id
    assert double.post_whatsapp_notification(url, status, APP_SECRET).status_code == 200
    reply.refresh_from_db()
    assert reply.delivery == "delivered"

    # 4. The customer answers in the live chat.
    answer = copy.deepcopy(payload("whatsapp_text"))
    answer["entry"][0]["changes"][0]["value"]["messages"][0]["id"] = "wamid.customer-answer"
    answer["entry"][0]["changes"][0]["value"]["messages"][0]["text"]["body"] = "My parcel never arrived"
    assert double.post_whatsapp_notification(url, answer, APP_SECRET).status_code == 200
    conversation.refresh_from_db()
    last = conversation.messages.order_by("-seq").first()
    assert conversation.mode == Conversation.Mode.LIVE
    assert (last.sender, last.text) == ("customer", "My parcel never arrived")
    # A forged notification is refused and changes nothing.
    forged = double.post_whatsapp_notification(url, answer, "not-the-app-secret")
    assert forged.status_code == 403
