"""The inbox protocol outside the window: a reply gets an `error` frame with code `window_closed` and the
approved templates; the `send_template` action sends one. Real ASGI websocket, real database."""

from __future__ import annotations

import copy
import datetime as dt

import pytest
import time_machine
from channels.testing import WebsocketCommunicator
from django.test import Client

from channels_app import queue
from channels_app.asgi import application
from runtime.models import Conversation, Message, MessageTemplate

from .conftest import make_world, payload, post_whatsapp, run_deliveries, wa_message

T0 = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def live_whatsapp_chat(transactional_db, double):
    world = make_world()
    MessageTemplate.objects.create(channel=world.whatsapp, name="follow_up", language="en",
                                   body="Hi {{1}}, can we help?", status="approved")
    press = copy.deepcopy(payload("whatsapp_button_reply"))
    press["entry"][0]["changes"][0]["value"]["messages"][0]["interactive"]["button_reply"] = {
        "id": "__operator__", "title": "Call operator"}
    with time_machine.travel(T0, tick=False):
        post_whatsapp(Client(), world, wa_message("hello", "wamid.I1"))
        post_whatsapp(Client(), world, press)
        conversation = Conversation.objects.get(channel=world.whatsapp)
        queue.claim(world.operator, conversation.pk)
        run_deliveries()
    client = Client()
    client.force_login(world.operator)
    return world, conversation, client.cookies["sessionid"].value


async def _frame(communicator: WebsocketCommunicator, frame_type: str) -> dict:
    while True:
        frame = await communicator.receive_json_from(timeout=10)
        if frame["type"] == frame_type:
            return frame


async def test_reply_outside_the_window_offers_templates_and_a_template_can_be_sent(live_whatsapp_chat):
    _world, conversation, cookie = live_whatsapp_chat
    headers = [(b"origin", b"http://testserver"), (b"host", b"testserver"), (b"cookie", f"sessionid={cookie}".encode())]
    with time_machine.travel(T0 + dt.timedelta(hours=30), tick=True):
        communicator = WebsocketCommunicator(application, "/ws/inbox/?workspace=acme", headers=headers)
        connected, _ = await communicator.connect(timeout=10)
        assert connected
        await _frame(communicator, "snapshot")
        await communicator.send_json_to({"type": "reply", "conversation_id": str(conversation.pk),
                                         "text": "Are you still there?", "client_id": "r-1"})
        error = await _frame(communicator, "error")
        assert error["code"] == "window_closed" and error["action"] == "reply"
        assert [(t["name"], t["placeholders"]) for t in error["templates"]] == [("follow_up", ["1"])]
        await communicator.send_json_to({"type": "send_template", "conversation_id": str(conversation.pk),
                                         "name": "follow_up", "language": "en", "params": ["Sheena"],
                                         "client_id": "t-1"})
        ack = await _frame(communicator, "ack")
        assert ack["action"] == "send_template" and ack["ok"] is True
        await communicator.disconnect()
    sent = await Message.objects.aget(conversation=conversation, payload__client_id="t-1")
    assert sent.text == "Hi Sheena, can we help?" and sent.payload["template"]["name"] == "follow_up"
    assert not await Message.objects.filter(text="Are you still there?").aexists()
