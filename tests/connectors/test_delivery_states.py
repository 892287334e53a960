"""The delivery state machine: pending → sending → sent | failed (or back to pending for a retry), and
`unknown` when a run finds a send that a dead worker left in `sending` (DELIVERY_RESEND_UNKNOWN decides).
The worker-kill versions of these run real db_worker processes: tests/runtime/pipeline/test_recovery.py."""

from __future__ import annotations

import copy
import threading

import pytest
from django.db import connection
from django.test import Client

from runtime import services as pipeline
from runtime.connectors.common import callback_tag
from runtime.models import Message

from .conftest import make_world, payload, post_telegram, post_whatsapp, run_deliveries, wa_message


def _bot_message() -> Message:
    return Message.objects.get(direction="out", sender="bot")


def test_a_send_found_in_flight_becomes_unknown_and_is_not_sent_again(world, double):
    post_telegram(Client(), world, payload("telegram_message"))
    message = _bot_message()
    # What a worker killed after handing the message to Telegram leaves behind.
    Message.objects.filter(pk=message.pk).update(delivery=Message.Delivery.SENDING)
    assert pipeline.deliver(message.pk) == "unknown"
    message.refresh_from_db()
    assert message.delivery == "unknown" and message.delivery_error == pipeline.UNKNOWN_OUTCOME
    assert double.calls("sendMessage", status=None) == []
    assert pipeline.deliver(message.pk) == "skipped"  # a definite state: nothing runs it again


def test_with_resend_on_a_send_found_in_flight_goes_out_again(world, double, settings):
    settings.DELIVERY_RESEND_UNKNOWN = True
    post_telegram(Client(), world, payload("telegram_message"))
    message = _bot_message()
    Message.objects.filter(pk=message.pk).update(delivery=Message.Delivery.SENDING)
    assert pipeline.deliver(message.pk) == "sent"
    message.refresh_from_db()
    assert message.delivery == "sent" and message.external_id.startswith("tg:")
    assert len(double.calls("sendMessage")) == 1


def test_a_retryable_failure_goes_back_to_pending_for_the_retry(world, double):
    double.fail_next(50, status=502, match="sendMessage")
    post_telegram(Client(), world, payload("telegram_message"))
    message = _bot_message()
    assert pipeline.deliver(message.pk) == "retrying"
    message.refresh_from_db()
    assert message.delivery == "pending"  # the provider answered "no": safe to send on the next attempt


@pytest.mark.django_db(transaction=True)
def test_the_providers_answer_wins_over_a_run_that_took_the_sender_for_dead(double):
    """A worker whose heartbeat stalled is taken for dead while it still waits for Telegram: the second run marks
    the message unknown without sending; the first one's answer then makes it sent. One call in all."""
    world = make_world()
    post_telegram(Client(), world, payload("telegram_message"))
    message = _bot_message()
    held = double.hold_next("sendMessage")
    results: list[str] = []

    def first_run() -> None:
        try:
            results.append(pipeline.deliver(message.pk))
        finally:
            connection.close()

    sender = threading.Thread(target=first_run)
    sender.start()
    assert held.arrived.wait(30)
    assert pipeline.deliver(message.pk) == "unknown"
    held.release()
    sender.join(30)
    message.refresh_from_db()
    assert results == ["sent"] and message.delivery == "sent" and message.delivery_error == ""
    assert len(double.calls("sendMessage")) == 1


def _status_with_tag(wamid: str, status: str, tag: str) -> dict:
    body = copy.deepcopy(payload("whatsapp_statuses"))
    entry = body["entry"][0]["changes"][0]["value"]["statuses"][0]
    entry.update(id=wamid, status=status, biz_opaque_callback_data=tag)
    return body


def test_whatsapp_sends_carry_our_tag_and_its_status_webhook_settles_an_unknown_outcome(world, double):
    client = Client()
    post_whatsapp(client, world, payload("whatsapp_text"))
    message = _bot_message()
    Message.objects.filter(pk=message.pk).update(delivery=Message.Delivery.SENDING)  # a worker died mid-send
    assert pipeline.deliver(message.pk) == "unknown"
    assert double.calls("messages", status=None) == []

    # The send had reached Meta: its status webhook names our tag, and the outcome is known after all.
    assert post_whatsapp(client, world, _status_with_tag("wamid.LATE", "delivered", callback_tag(message.pk))).status_code == 200
    message.refresh_from_db()
    assert (message.delivery, message.external_id, message.delivery_error) == ("delivered", "wamid.LATE", "")

    # Every send carries the tag (the Cloud API offers no idempotency key; this is what it echoes back).
    post_whatsapp(client, world, wa_message("again", "wamid.IN2"))
    run_deliveries()
    assert {c.body["biz_opaque_callback_data"] for c in double.calls("messages")} == {
        callback_tag(m.pk) for m in Message.objects.filter(direction="out", delivery="sent")}


def test_a_status_with_a_tag_never_touches_a_message_that_has_a_definite_outcome(world, double):
    client = Client()
    post_whatsapp(client, world, payload("whatsapp_text"))
    run_deliveries()
    message = _bot_message()
    assert post_whatsapp(client, world, _status_with_tag("wamid.OTHER", "failed", callback_tag(message.pk))).status_code == 200
    message.refresh_from_db()
    assert message.delivery == "sent" and message.external_id != "wamid.OTHER"
