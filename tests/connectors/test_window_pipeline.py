"""The window enforced by the pipeline and the inbox, and the scenario `template` node."""

from __future__ import annotations

import copy
import datetime as dt
import json

import pytest
import time_machine
from django.test import Client

from builder import services as builder_services
from channels_app import queue
from channels_app import services as inbox
from runtime import services as pipeline
from runtime.errors import ActionError
from runtime.models import Conversation, Message, MessageTemplate
from tests.support.documents import node

from .conftest import MENU_BOT, make_world, payload, post_telegram, post_whatsapp, run_deliveries, wa_message

T0 = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)

WINDOW_BOT = copy.deepcopy(MENU_BOT)
WINDOW_BOT["variables"] = [{"name": "order_id", "type": "string", "default": "A-17"}]
WINDOW_BOT["nodes"] += [
    node("follow", "message", {"text": "Are you still there?"}, 400),
    node("remind", "template", {"template": "order_update", "language": "en_US",
                                "variables": {"1": "{{order_id}}", "2": "{{contact_name|friend}}"}}, 600),
    node("plain", "message", {"text": "A free-form message with no fallback"}, 400),
    node("bye", "end", {}, 800),
]
WINDOW_BOT["edges"] += [
    {"id": "w1", "source": "follow", "source_port": "next", "target": "menu"},
    {"id": "w2", "source": "follow", "source_port": "outside_window", "target": "remind"},
    {"id": "w3", "source": "remind", "source_port": "next", "target": "bye"},
    {"id": "w4", "source": "plain", "source_port": "next", "target": "bye"},
]


def _approve(world) -> None:
    MessageTemplate.objects.create(channel=world.whatsapp, name="order_update", language="en_US",
                                   body="Your order {{1}} is on its way, {{2}}.", status="approved")


@pytest.fixture
def wworld(db, double):
    """The window bot published (its template approved first: publishing requires it)."""
    world = make_world("acme", document=copy.deepcopy(MENU_BOT))
    _approve(world)
    scenario = world.whatsapp.scenario
    builder_services.save_draft(scenario, json.loads(json.dumps(WINDOW_BOT)), scenario.revision)
    builder_services.publish(scenario)
    return world


def _conversation_at(world, when: dt.datetime, wamid: str = "wamid.P1") -> Conversation:
    with time_machine.travel(when, tick=False):
        post_whatsapp(Client(), world, wa_message("hello", wamid))
        run_deliveries()
    return Conversation.objects.get(channel=world.whatsapp)


def test_publish_requires_an_approved_template_with_every_placeholder_mapped(db, double):
    world = make_world("acme")
    scenario = world.whatsapp.scenario
    builder_services.save_draft(scenario, json.loads(json.dumps(WINDOW_BOT)), scenario.revision)
    with pytest.raises(builder_services.ValidationFailed) as refused:
        builder_services.publish(scenario)
    assert "template_not_approved" in {f.code for f in refused.value.findings}
    _approve(world)
    unmapped = json.loads(json.dumps(WINDOW_BOT))
    del unmapped["nodes"][4]["data"]["variables"]["2"]
    scenario.refresh_from_db()
    builder_services.save_draft(scenario, unmapped, scenario.revision)
    with pytest.raises(builder_services.ValidationFailed) as refused:
        builder_services.publish(scenario)
    assert [f.path for f in refused.value.findings if f.code == "template_unmapped"] == [
        "/nodes/4/data/variables/2"]
    scenario.refresh_from_db()
    builder_services.save_draft(scenario, json.loads(json.dumps(WINDOW_BOT)), scenario.revision)
    assert builder_services.publish(scenario).number >= 2


def test_outside_the_window_the_bot_follows_the_outside_window_port_to_a_template(wworld, double):
    conversation = _conversation_at(wworld, T0)
    with time_machine.travel(T0 + dt.timedelta(days=2), tick=False):
        pipeline.release_to_bot(conversation.pk, "follow")
        assert run_deliveries() == ["sent"]
    sent = Message.objects.filter(conversation=conversation, direction="out").order_by("-seq").first()
    assert sent.node_id == "remind"
    assert sent.text == "Your order A-17 is on its way, Sheena Nelson."
    assert not Message.objects.filter(conversation=conversation, node_id="follow").exists()
    body = double.calls("messages")[-1].body
    assert body["type"] == "template" and body["template"]["name"] == "order_update"
    assert [p["text"] for p in body["template"]["components"][0]["parameters"]] == ["A-17", "Sheena Nelson"]


def test_inside_the_window_the_same_node_sends_free_form(wworld, double):
    conversation = _conversation_at(wworld, T0)
    with time_machine.travel(T0 + dt.timedelta(hours=23), tick=False):
        pipeline.release_to_bot(conversation.pk, "follow")
        run_deliveries()
    assert Message.objects.get(conversation=conversation, node_id="follow").delivery == "sent"
    assert double.calls("messages")[-1].body["type"] == "interactive"  # "follow" went on to the menu


def test_without_a_fallback_the_message_is_not_sent_and_the_reason_is_visible(wworld, double):
    conversation = _conversation_at(wworld, T0)
    calls_before = len(double.calls("messages"))
    with time_machine.travel(T0 + dt.timedelta(hours=24), tick=False):  # exactly 24 h: closed
        pipeline.release_to_bot(conversation.pk, "plain")
        run_deliveries()
    held = Message.objects.get(conversation=conversation, node_id="plain")
    assert held.delivery == "not_sent"
    assert held.delivery_error.startswith("window_closed")
    assert len(double.calls("messages")) == calls_before


def test_operator_reply_outside_the_window_is_refused_with_the_templates(wworld, double):
    conversation = _conversation_at(wworld, T0)
    press = copy.deepcopy(payload("whatsapp_button_reply"))
    press["entry"][0]["changes"][0]["value"]["messages"][0]["interactive"]["button_reply"] = {
        "id": "__operator__", "title": "Call operator"}
    with time_machine.travel(T0 + dt.timedelta(minutes=1), tick=False):
        post_whatsapp(Client(), wworld, press)
        queue.claim(wworld.operator, conversation.pk)
        inbox.reply(wworld.operator, conversation.pk, "Inside the window: fine")
    with time_machine.travel(T0 + dt.timedelta(hours=25), tick=False), pytest.raises(ActionError) as refused:
        inbox.reply(wworld.operator, conversation.pk, "Outside: refused")
    assert refused.value.code == "window_closed"
    assert [t["name"] for t in refused.value.extra["templates"]] == ["order_update"]
    assert not Message.objects.filter(text="Outside: refused").exists()


def test_template_node_on_telegram_sends_the_body_as_text(wworld, double):
    with time_machine.travel(T0, tick=False):
        post_telegram(Client(), wworld, payload("telegram_message"))
        run_deliveries()
    conversation = Conversation.objects.get(channel=wworld.telegram)
    with time_machine.travel(T0 + dt.timedelta(days=2), tick=False):  # no window on Telegram
        pipeline.release_to_bot(conversation.pk, "remind")
        run_deliveries()
    sent = Message.objects.get(conversation=conversation, node_id="remind")
    assert sent.delivery == "sent" and "template" not in sent.payload
    assert double.calls("sendMessage")[-1].body["text"] == "Your order A-17 is on its way, Test Lastname."
