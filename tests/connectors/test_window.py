"""The 24-hour customer-service window, with a frozen clock: inside, at exactly 24 h, after."""

from __future__ import annotations

import datetime as dt

import time_machine
from django.test import Client

from runtime import services as pipeline
from runtime.connectors.window import WINDOW, check_outbound, window_open
from runtime.models import Contact, Message, MessageTemplate

from .conftest import post_whatsapp, run_deliveries, wa_message

T0 = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)


class _Contact:
    def __init__(self, last: dt.datetime | None) -> None:
        self.last_inbound_at = last


def test_window_boundaries():
    contact = _Contact(T0)
    assert window_open(contact, T0)
    assert window_open(contact, T0 + WINDOW - dt.timedelta(microseconds=1))
    assert not window_open(contact, T0 + WINDOW)  # exactly 24 h: closed
    assert not window_open(contact, T0 + WINDOW + dt.timedelta(seconds=1))
    assert not window_open(_Contact(None), T0)  # never wrote: no window


def test_check_outbound_only_restricts_whatsapp(world):
    contact = _Contact(T0 - dt.timedelta(days=3))
    assert check_outbound(world.telegram, contact, T0).allowed
    decision = check_outbound(world.whatsapp, contact, T0)
    assert not decision.allowed and decision.reason == "window_closed"
    assert check_outbound(world.whatsapp, contact, T0, is_template=True).allowed


def test_blocked_decision_offers_only_approved_templates(world):
    MessageTemplate.objects.create(channel=world.whatsapp, name="follow_up", language="en",
                                   body="Hi {{1}}, can we help?", status="approved")
    MessageTemplate.objects.create(channel=world.whatsapp, name="promo", language="en", body="Sale!",
                                   status="rejected")
    decision = check_outbound(world.whatsapp, _Contact(None), T0)
    assert [t["name"] for t in decision.templates] == ["follow_up"]
    assert decision.templates[0]["placeholders"] == ["1"]


def _deliver_at(moment: dt.datetime, message: Message) -> Message:
    with time_machine.travel(moment, tick=False):
        pipeline.deliver(message.pk)
    message.refresh_from_db()
    return message


def test_each_customer_message_renews_the_window_and_sends_are_checked_at_delivery(world, double):
    client = Client()
    with time_machine.travel(T0, tick=False):
        post_whatsapp(client, world, wa_message("hello", "wamid.A1"))
    contact = Contact.objects.get(channel=world.whatsapp)
    assert contact.last_inbound_at == T0
    later = T0 + dt.timedelta(hours=20)
    with time_machine.travel(later, tick=False):
        post_whatsapp(client, world, wa_message("and another thing", "wamid.A2"))
    contact.refresh_from_db()
    assert contact.last_inbound_at == later  # renewed by the second message

    # The menu (sent at T0) and the fallback to the typed answer: both still deliverable a second before the
    # renewed window closes, although the first is 44 hours old by then.
    pending = list(Message.objects.filter(delivery="pending").order_by("id"))
    assert [m.text for m in pending] == ["Hi Sheena Nelson! How can we help?", "Please choose one of the buttons."]
    for message in pending:
        assert _deliver_at(later + WINDOW - dt.timedelta(seconds=1), message).delivery == "sent"


def test_free_form_at_exactly_24h_and_after_is_not_sent_with_a_reason(world, double):
    client = Client()
    with time_machine.travel(T0, tick=False):
        post_whatsapp(client, world, wa_message("hello", "wamid.B1"))
    message = Message.objects.get(delivery="pending")
    exactly = _deliver_at(T0 + WINDOW, message)
    assert exactly.delivery == "not_sent"
    assert exactly.delivery_error.startswith("window_closed")
    assert double.calls("messages") == []
    # Nothing retries it later either.
    assert _deliver_at(T0 + WINDOW + dt.timedelta(hours=1), exactly).delivery == "not_sent"


def test_template_goes_out_after_the_window_and_a_reply_reopens_it(world, double):
    client = Client()
    with time_machine.travel(T0, tick=False):
        post_whatsapp(client, world, wa_message("hello", "wamid.C1"))
        run_deliveries()
    conversation = Message.objects.get(external_id="wamid.C1").conversation
    after = T0 + dt.timedelta(days=2)
    with time_machine.travel(after, tick=False):
        from django.db import transaction

        from runtime.models import Conversation
        from runtime.services import append_message

        with transaction.atomic():
            locked = Conversation.objects.select_for_update().select_related("channel", "contact").get(
                pk=conversation.pk)
            template = append_message(locked, sender="operator", direction="out", text="Hi Sheena, can we help?",
                                      payload={"template": {"name": "follow_up", "language": "en",
                                                            "params": ["Sheena"]}})
        run_deliveries()
    template.refresh_from_db()
    assert template.delivery == "sent"
    sent = double.calls("messages")[-1].body
    assert sent["type"] == "template"
    assert sent["template"] == {"name": "follow_up", "language": {"code": "en"},
                                "components": [{"type": "body", "parameters": [{"type": "text", "text": "Sheena"}]}]}
    reply_at = after + dt.timedelta(hours=1)
    with time_machine.travel(reply_at, tick=False):
        post_whatsapp(client, world, wa_message("yes please", "wamid.C2"))
    contact = Contact.objects.get(channel=world.whatsapp)
    assert contact.last_inbound_at == reply_at
    assert window_open(contact, reply_at + dt.timedelta(hours=23))
