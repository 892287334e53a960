"""Telegram webhooks through the real endpoint and pipeline; outbound through the provider double."""

from __future__ import annotations

import copy
import logging

from django.test import Client

from runtime import services as pipeline
from runtime.connectors.secrets import get_secrets
from runtime.models import Contact, Conversation, DeliveryEvent, Message

from .conftest import BOT_TOKEN, payload, post_telegram, run_deliveries


def test_setwebhook_registered_with_the_stored_secret(world, double):
    call = double.calls("setWebhook")[-1]
    assert call.path == f"/bot{BOT_TOKEN}/setWebhook"
    assert call.body["url"].endswith(f"/webhooks/telegram/{world.telegram.key}/")
    assert call.body["secret_token"] == get_secrets(world.telegram)["webhook_secret"]
    assert BOT_TOKEN not in world.telegram.secrets_encrypted


def test_message_runs_the_bot_and_the_reply_goes_out_with_an_inline_keyboard(world, double):
    response = post_telegram(Client(), world, payload("telegram_message"))
    assert response.status_code == 200
    inbound = Message.objects.get(direction="in")
    assert inbound.external_id == "tg:10000"
    assert inbound.text == "I need help with my order"
    contact = Contact.objects.get(channel=world.telegram)
    assert contact.external_id == "1111111" and contact.name == "Test Lastname"

    assert run_deliveries() == ["sent"]
    sent = double.calls("sendMessage")
    assert len(sent) == 1
    body = sent[0].body
    assert body["chat_id"] == "1111111"
    assert body["text"] == "Hi Test Lastname! How can we help?"
    keyboard = body["reply_markup"]["inline_keyboard"]
    assert [row[0]["callback_data"] for row in keyboard] == ["sales", "support", "__operator__"]
    assert keyboard[2][0]["text"] == "Call operator"
    outbound = Message.objects.get(direction="out", sender="bot")
    assert outbound.delivery == "sent"
    assert outbound.external_id.startswith("tg:1111111:")


def test_start_param_becomes_the_ref(world, double):
    assert post_telegram(Client(), world, payload("telegram_start")).status_code == 200
    conversation = Conversation.objects.get(channel=world.telegram)
    assert conversation.ref == "summer_promo"
    run_deliveries()
    # The scenario started: its first message went out; press "sales" and the ref shows in the text.
    press = payload("telegram_callback_query")
    assert post_telegram(Client(), world, press).status_code == 200
    run_deliveries()
    texts = [c.body["text"] for c in double.calls("sendMessage")]
    assert "Sales are open 9-18. Source: summer_promo" in texts


def test_callback_query_is_a_button_press_and_is_answered(world, double):
    post_telegram(Client(), world, payload("telegram_start"))
    response = post_telegram(Client(), world, payload("telegram_callback_query"))
    assert response.status_code == 200
    press = Message.objects.get(direction="in", external_id="tg:10002")
    assert press.payload["button_id"] == "sales"
    assert press.text == "Talk to sales"
    answered = double.calls("answerCallbackQuery")
    assert [c.body["callback_query_id"] for c in answered] == ["4382bfdwdsb323b2d9"]


def test_a_redelivered_callback_query_is_answered_once(world, double):
    post_telegram(Client(), world, payload("telegram_start"))
    for _ in range(3):  # Telegram retries an update it thinks we did not get
        assert post_telegram(Client(), world, payload("telegram_callback_query")).status_code == 200
    assert Message.objects.filter(direction="in", external_id="tg:10002").count() == 1
    answered = double.calls("answerCallbackQuery")
    assert [c.body["callback_query_id"] for c in answered] == ["4382bfdwdsb323b2d9"]


def test_photo_and_document_arrive_as_media(world, double):
    post_telegram(Client(), world, payload("telegram_photo"))
    post_telegram(Client(), world, payload("telegram_document"))
    photo = Message.objects.get(external_id="tg:10003")
    assert photo.payload["media"]["kind"] == "image"
    assert photo.payload["media"]["file_id"] == "AgACAgIAAxkBAAIBsmVlarge"  # the largest size
    assert photo.text == "The damaged parcel"
    document = Message.objects.get(external_id="tg:10004")
    assert document.payload["media"]["kind"] == "file"
    assert document.payload["media"]["file_name"] == "invoice.pdf"


def test_wrong_or_missing_secret_is_403_and_nothing_is_stored(world, double):
    client = Client()
    assert post_telegram(client, world, payload("telegram_message"), secret="not-the-secret").status_code == 403
    assert post_telegram(client, world, payload("telegram_message"), secret=None).status_code == 403
    assert Message.objects.count() == 0
    assert Contact.objects.count() == 0


def test_replayed_update_is_acknowledged_and_processed_once(world, double):
    client = Client()
    first = post_telegram(client, world, payload("telegram_message"))
    second = post_telegram(client, world, payload("telegram_message"))
    assert first.status_code == second.status_code == 200
    assert Message.objects.filter(direction="in").count() == 1
    assert Message.objects.filter(direction="out", sender="bot").count() == 1


def test_malformed_update_is_400_with_a_reason_and_the_log_has_no_secret(world, double, caplog):
    caplog.set_level(logging.WARNING)
    client = Client()
    broken = copy.deepcopy(payload("telegram_message"))
    del broken["update_id"]
    response = post_telegram(client, world, broken)
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "malformed_payload"
    assert "update_id" in response.json()["errors"][0]["message"]
    not_json = client.post(f"/webhooks/telegram/{world.telegram.key}/", data=b"{nope",
                           content_type="application/json",
                           HTTP_X_TELEGRAM_BOT_API_SECRET_TOKEN=world.secrets["telegram"]["webhook_secret"])
    assert not_json.status_code == 400
    nested = client.post(f"/webhooks/telegram/{world.telegram.key}/", data=b"[" * 100_000 + b"]" * 100_000,
                         content_type="application/json",
                         HTTP_X_TELEGRAM_BOT_API_SECRET_TOKEN=world.secrets["telegram"]["webhook_secret"])
    assert nested.status_code == 400 and nested.json()["errors"][0]["code"] == "malformed_payload"
    assert Message.objects.count() == 0
    secret = world.secrets["telegram"]["webhook_secret"]
    assert "update_id" in caplog.text
    assert secret not in caplog.text and BOT_TOKEN not in caplog.text


def test_unknown_channel_is_404(world, double):
    response = Client().post("/webhooks/telegram/no-such-channel/", data="{}", content_type="application/json")
    assert response.status_code == 404
    # A WhatsApp channel's key on the Telegram endpoint is unknown too.
    response = Client().post(f"/webhooks/telegram/{world.whatsapp.key}/", data="{}", content_type="application/json")
    assert response.status_code == 404


def test_429_is_retried_honouring_retry_after(world, double):
    double.fail_next(1, status=429, retry_after=7, match="sendMessage")
    post_telegram(Client(), world, payload("telegram_message"))
    assert run_deliveries() == ["sent"]
    message = Message.objects.get(direction="out", sender="bot")
    attempts = list(DeliveryEvent.objects.filter(message=message, kind="attempt").order_by("attempt"))
    assert [a.http_status for a in attempts] == [429, 200]
    assert attempts[0].retry_after == 7
    # The hint (7 s) exceeds our cap in tests (0.05 s): we waited the cap, never less than the backoff.
    assert attempts[0].delay == 0.05
    assert len(double.calls("sendMessage", status=None)) == 2


def test_persistent_5xx_ends_failed_and_visible(world, double):
    double.fail_next(50, status=502, match="sendMessage")
    post_telegram(Client(), world, payload("telegram_message"))
    message = Message.objects.get(direction="out", sender="bot")
    # First delivery: our in-call retries are exhausted, the pipeline schedules a later attempt.
    assert pipeline.deliver(message.pk) == "retrying"
    message.refresh_from_db()
    assert message.delivery == "pending" and "502" in message.delivery_error
    # The last attempt the pipeline allows: marked failed with the provider's reason.
    assert pipeline.deliver(message.pk, attempt=pipeline.MAX_DELIVERY_ATTEMPTS) == "failed"
    message.refresh_from_db()
    assert message.delivery == "failed"
    assert message.delivery_error.startswith("HTTP 502")
    assert DeliveryEvent.objects.filter(message=message, kind="attempt", http_status=502).count() == 6


def test_bad_token_is_not_retried(world, double):
    double.telegram_tokens = {"1:other"}
    post_telegram(Client(), world, payload("telegram_message"))
    message = Message.objects.get(direction="out", sender="bot")
    assert pipeline.deliver(message.pk) == "failed"
    message.refresh_from_db()
    assert message.delivery == "failed" and "Unauthorized" in message.delivery_error
    assert len(double.calls("sendMessage", status=None)) == 1


def test_request_logs_never_show_the_bot_token(world, double, caplog):
    caplog.set_level(logging.INFO)
    post_telegram(Client(), world, payload("telegram_message"))
    run_deliveries()
    assert "sendMessage" in caplog.text
    assert BOT_TOKEN not in caplog.text


def test_start_command_addressed_to_the_bot_in_a_group(world, double):
    from runtime.connectors.telegram import TelegramConnector

    update = payload("telegram_start")
    update["message"]["text"] = "/start@shop_bot spring"
    parsed = TelegramConnector().parse(world.telegram, update)
    assert parsed.messages[0].is_start and parsed.messages[0].ref == "spring"
    update["message"]["text"] = "/start"
    parsed = TelegramConnector().parse(world.telegram, update)
    assert parsed.messages[0].is_start and parsed.messages[0].ref is None


def event_after(conversation_id, action):
    """Subscribe to the conversation's websocket group, run `action` (sync, in this thread and its test
    transaction), and return the first event it published. One event loop for the whole exchange: the Redis
    PubSub layer only lets a channel join groups from the loop that created it."""
    import asyncio

    from asgiref.sync import async_to_sync, sync_to_async
    from channels.layers import get_channel_layer

    from runtime.realtime.publish import conversation_group

    async def run():
        layer = get_channel_layer()
        name = await layer.new_channel()
        await layer.group_add(conversation_group(conversation_id), name)
        try:
            await sync_to_async(action)()
            return await asyncio.wait_for(layer.receive(name), 10)
        finally:
            await layer.group_discard(conversation_group(conversation_id), name)

    return async_to_sync(run)()


def test_final_failure_reaches_open_inboxes(world, double, django_capture_on_commit_callbacks):
    double.fail_next(50, status=503, match="sendMessage")
    post_telegram(Client(), world, payload("telegram_message"))
    message = Message.objects.get(direction="out", sender="bot")

    def deliver_last_attempt():
        with django_capture_on_commit_callbacks(execute=True):
            assert pipeline.deliver(message.pk, attempt=pipeline.MAX_DELIVERY_ATTEMPTS) == "failed"

    event = event_after(message.conversation_id, deliver_last_attempt)
    assert event["type"] == "conv.message"
    assert (event["message"]["id"], event["message"]["delivery"]) == (message.pk, "failed")
