"""Operators and the 24-hour window: outside it they get `window_closed` with the approved templates and
can send one of those instead."""

from __future__ import annotations

import copy
import datetime as dt

import pytest
import time_machine
from django.test import Client

from channels_app import queue
from channels_app.services import send_template
from runtime.connectors.window import ensure_operator_may_reply
from runtime.errors import ActionError
from runtime.models import Conversation, MessageTemplate

from .conftest import payload, post_whatsapp, run_deliveries, wa_message

T0 = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def live_chat(world, double):
    MessageTemplate.objects.create(channel=world.whatsapp, name="follow_up", language="en",
                                   body="Hi {{1}}, about your request {{2}}: can we help?", status="approved")
    MessageTemplate.objects.create(channel=world.whatsapp, name="draft_one", language="en", body="x")
    client = Client()
    with time_machine.travel(T0, tick=False):
        post_whatsapp(client, world, wa_message("hello", "wamid.W1"))
        press = copy.deepcopy(payload("whatsapp_button_reply"))
        press["entry"][0]["changes"][0]["value"]["messages"][0]["interactive"]["button_reply"] = {
            "id": "__operator__", "title": "Call operator"}
        post_whatsapp(client, world, press)
        conversation = Conversation.objects.get(channel=world.whatsapp)
        assert conversation.mode == Conversation.Mode.QUEUED
        queue.claim(world.operator, conversation.pk)
        run_deliveries()
    return Conversation.objects.select_related("channel", "contact").get(pk=conversation.pk)


def test_inside_the_window_operators_may_write_freely(world, live_chat):
    ensure_operator_may_reply(live_chat, T0 + dt.timedelta(hours=23, minutes=59))


def test_outside_the_window_the_error_carries_the_approved_templates(world, live_chat):
    with pytest.raises(ActionError) as caught:
        ensure_operator_may_reply(live_chat, T0 + dt.timedelta(hours=24))
    assert caught.value.code == "window_closed"
    templates = caught.value.extra["templates"]
    assert [(t["name"], t["placeholders"]) for t in templates] == [("follow_up", ["1", "2"])]


def test_operator_sends_a_template_outside_the_window(world, live_chat, double):
    with time_machine.travel(T0 + dt.timedelta(days=3), tick=False):
        message = send_template(world.operator, live_chat.pk, "follow_up", "en", ["Sheena", "#42"],
                                client_id="c-1")
        again = send_template(world.operator, live_chat.pk, "follow_up", "en", ["Sheena", "#42"], client_id="c-1")
        assert again.pk == message.pk  # a re-sent frame is stored once
        assert run_deliveries() == ["sent"]
    message.refresh_from_db()
    assert message.text == "Hi Sheena, about your request #42: can we help?"
    assert message.delivery == "sent"
    body = double.calls("messages")[-1].body
    assert body["type"] == "template" and body["template"]["name"] == "follow_up"
    assert [p["text"] for p in body["template"]["components"][0]["parameters"]] == ["Sheena", "#42"]


def test_template_errors(world, live_chat):
    with pytest.raises(ActionError) as caught:
        send_template(world.operator, live_chat.pk, "draft_one", "en", [])
    assert caught.value.code == "template_not_approved"
    with pytest.raises(ActionError) as caught:
        send_template(world.operator, live_chat.pk, "follow_up", "en", ["only one"])
    assert caught.value.code == "template_params"
    with pytest.raises(ActionError) as caught:
        send_template(world.admin, live_chat.pk, "follow_up", "en", ["a", "b"])
    assert caught.value.code == "not_assignee"
