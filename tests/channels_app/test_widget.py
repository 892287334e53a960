"""Widget protocol: session, reconnect replay by seq, and every bad input answered with a code, changing nothing."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import time_machine
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator

from channels_app import queue
from channels_app.asgi import application
from channels_app.consumers import WidgetConsumer
from runtime import widget
from runtime.models import Contact, Conversation, Message
from tests.channels_app.conftest import receive_until, refusal, widget_communicator

pytestmark = pytest.mark.django_db(transaction=True)


@database_sync_to_async
def counts():
    return (Contact.objects.count(), Conversation.objects.count(), Message.objects.count())


@database_sync_to_async
def customer_texts(conversation_id):
    return list(Message.objects.filter(conversation_id=conversation_id, direction="in").order_by("seq")
                .values_list("text", flat=True))


async def start(world, query=""):
    communicator = widget_communicator(world.channel, query)
    connected, _ = await communicator.connect()
    assert connected
    session = await communicator.receive_json_from(timeout=5)
    assert session["type"] == "session"
    welcome = await communicator.receive_json_from(timeout=5)
    assert welcome["type"] == "message" and welcome["seq"] == 1
    return communicator, session


async def test_reconnect_replays_every_message_after_last_seq(world):
    customer, session = await start(world)
    await customer.send_json_to({"type": "button", "button_id": "faq", "client_id": "a1"})
    await receive_until(customer, "message", match=lambda f: f["text"] == "Hi! How can we help?" and f["seq"] > 1)
    await customer.disconnect()

    # While the customer is away the bot gets handed off and an operator answers (nothing is lost).
    await customer_hands_off_and_operator_replies(world, session)

    again = widget_communicator(world.channel, f"token={session['token']}&last_seq=2")
    connected, _ = await again.connect()
    assert connected
    resumed = await again.receive_json_from(timeout=5)
    assert resumed["type"] == "session"
    assert resumed["conversation_id"] == session["conversation_id"]
    assert resumed["mode"] == "live" and resumed["operator"] == "Olga"
    last, seen = await receive_until(again, "message", match=lambda f: f["seq"] == resumed["last_seq"])
    replayed = [f for f in seen if f["type"] == "message"] + [last]
    stored = await database_sync_to_async(lambda: list(
        Message.objects.filter(conversation_id=session["conversation_id"], seq__gt=2).exclude(direction="internal")
        .order_by("seq").values_list("seq", flat=True)))()
    assert [f["seq"] for f in replayed] == stored
    assert len(stored) >= 5
    assert replayed[0]["text"] == "Our FAQ is at example.com/faq."
    assert replayed[-1]["sender"] == "operator" and replayed[-1]["text"] == "We are on it."
    assert all(f["text"] != "internal remark" for f in replayed)  # private notes are never replayed
    assert await again.receive_nothing(0.2)
    await again.disconnect()


@database_sync_to_async
def customer_hands_off_and_operator_replies(world, session):
    from runtime.connectors.base import InboundMessage
    from runtime.services import receive

    receive(InboundMessage(channel_id=world.channel.pk, external_id="x1", contact_external_id=session["visitor_id"],
                           text="operator"))
    queue.claim(world.operator, session["conversation_id"])
    from channels_app import services

    services.note(world.operator, session["conversation_id"], "internal remark")
    services.reply(world.operator, session["conversation_id"], "We are on it.")


async def test_resent_message_frame_is_stored_once(world):
    customer, session = await start(world)
    for _ in range(2):
        await customer.send_json_to({"type": "message", "text": "hello?", "client_id": "same-id"})
    await receive_until(customer, "message", match=lambda f: f["sender"] == "customer")
    await customer.receive_nothing(0.3)
    assert await customer_texts(session["conversation_id"]) == ["hello?"]
    await customer.disconnect()


async def test_unknown_widget_key_refuses_the_handshake(world):
    before = await counts()

    class Fake:
        key = "no-such-key"

    error = await refusal(widget_communicator(Fake), "unknown_widget")
    assert "data-key" in error["message"]
    assert await counts() == before


async def test_foreign_origin_is_told_why_then_closed_and_creates_nothing(world):
    """A refused Origin is accepted only to say why (the site owner reads it in the console), then closed
    with 4403: a refusal before accept reaches a browser as a bare 403 and the widget kept reconnecting."""
    before = await counts()
    error = await refusal(widget_communicator(world.channel, origin="https://evil.example.net"), "origin_not_allowed")
    assert "https://evil.example.net" in error["message"] and "allowed origins" in error["message"]
    assert world.channel.name in error["message"]
    await refusal(widget_communicator(world.channel, origin=""), "origin_not_allowed")
    assert await counts() == before


async def test_our_own_pages_connect_whatever_the_allowed_origins_and_port(world, settings):
    """The demo and a channel's test page are served by us: their Origin is the host:port the socket
    connected to (Host), one of ALLOWED_HOSTS, so they connect on any port `make run` uses."""
    settings.SITE_URL = "http://127.0.0.1:8000"
    assert "http://127.0.0.1:8101" not in world.channel.config["allowed_origins"]
    ours = WebsocketCommunicator(application, f"/ws/widget/{world.channel.key}/",
                                 headers=[(b"origin", b"http://127.0.0.1:8101"), (b"host", b"127.0.0.1:8101")])
    connected, _ = await ours.connect()
    assert connected
    assert (await ours.receive_json_from(timeout=5))["type"] == "session"
    await ours.disconnect()
    # Same host, another port: another site (e.g. a dev server on :3000), not ours.
    other = WebsocketCommunicator(application, f"/ws/widget/{world.channel.key}/",
                                  headers=[(b"origin", b"http://127.0.0.1:3000"), (b"host", b"127.0.0.1:8101")])
    connected, _ = await other.connect()
    assert connected and (await other.receive_json_from(timeout=5))["code"] == "origin_not_allowed"
    # DNS rebinding: Host and Origin agree but the host is not one of ours.
    rebound = WebsocketCommunicator(application, f"/ws/widget/{world.channel.key}/",
                                    headers=[(b"origin", b"http://evil.example"), (b"host", b"evil.example")])
    connected, _ = await rebound.connect()
    assert connected and (await rebound.receive_json_from(timeout=5))["code"] == "origin_not_allowed"


async def test_forged_token_gets_an_error_and_creates_nothing(world):
    customer, session = await start(world)
    await customer.disconnect()
    before = await counts()
    forged = session["token"][:-4] + ("AAAA" if not session["token"].endswith("AAAA") else "BBBB")
    communicator = widget_communicator(world.channel, f"token={forged}")
    connected, _ = await communicator.connect()
    assert connected
    error = await communicator.receive_json_from(timeout=5)
    assert error["type"] == "error" and error["code"] == "token_invalid"
    closed = await communicator.receive_output(timeout=5)
    assert closed == {"type": "websocket.close", "code": 4401}
    assert await counts() == before


async def test_token_of_another_channel_is_invalid(world):
    customer, session = await start(world)
    await customer.disconnect()
    other = await database_sync_to_async(widget.create_web_channel)(world.workspace, name="Other",
                                                                    allowed_origins=["*"])
    before = await counts()
    communicator = widget_communicator(other, f"token={session['token']}")
    await communicator.connect()
    error = await communicator.receive_json_from(timeout=5)
    assert error["code"] == "token_invalid"
    assert await counts() == before


async def test_expired_token_gets_an_error_and_creates_nothing(world):
    customer, session = await start(world)
    await customer.disconnect()
    with time_machine.travel(dt.datetime.now(dt.UTC) - dt.timedelta(days=31)):
        old_token = await database_sync_to_async(widget.sign_token)(world.channel.pk, session["visitor_id"],
                                                                    session["conversation_id"])
    before = await counts()
    communicator = widget_communicator(world.channel, f"token={old_token}")
    await communicator.connect()
    error = await communicator.receive_json_from(timeout=5)
    assert error["type"] == "error" and error["code"] == "token_expired"
    assert await counts() == before


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("{not json", "bad_json"),
        ("[1, 2]", "bad_frame"),
        (json.dumps({"type": "shout", "text": "hi"}), "unknown_type"),
        (json.dumps({"type": "message", "text": "x" * 9000, "client_id": "big"}), "frame_too_large"),
        (json.dumps({"type": "message", "text": "", "client_id": "e"}), "invalid"),
        (json.dumps({"type": "message", "text": "hi", "client_id": 42}), "invalid"),
        (json.dumps({"type": "button", "client_id": "b"}), "invalid"),
    ],
)
async def test_bad_frames_get_an_error_frame_and_the_socket_stays_open(world, raw, code):
    customer, _session = await start(world)
    before = await counts()
    await customer.send_to(text_data=raw)
    error = await customer.receive_json_from(timeout=5)
    assert error["type"] == "error" and error["code"] == code and error["message"]
    assert await counts() == before
    # Still open and working.
    await customer.send_json_to({"type": "message", "text": "still here", "client_id": "ok1"})
    echo, _ = await receive_until(customer, "message", match=lambda f: f["sender"] == "customer")
    assert echo["text"] == "still here"
    await customer.disconnect()


async def test_binary_frame_is_refused_with_an_error(world):
    customer, _ = await start(world)
    before = await counts()
    await customer.send_to(bytes_data=b"\x00\x01")
    error = await customer.receive_json_from(timeout=5)
    assert error["code"] == "binary_not_supported"
    assert await counts() == before
    await customer.disconnect()


async def test_flood_is_rate_limited_with_error_frames(world, monkeypatch):
    # A bucket that does not refill during the test, so the outcome does not depend on the machine's speed.
    monkeypatch.setattr(WidgetConsumer, "rate_per_second", 0.0001)
    monkeypatch.setattr(WidgetConsumer, "burst", 3.0)
    customer, session = await start(world)
    for i in range(6):
        await customer.send_json_to({"type": "message", "text": f"spam {i}", "client_id": f"s{i}"})
    errors = []
    echoes = []
    while len(errors) < 3 or len(echoes) < 3:
        frame = await customer.receive_json_from(timeout=5)
        if frame["type"] == "error":
            errors.append(frame["code"])
        elif frame["type"] == "message" and frame["sender"] == "customer":
            echoes.append(frame["text"])
    assert errors == ["rate_limited"] * 3
    assert echoes == ["spam 0", "spam 1", "spam 2"]
    assert await customer_texts(session["conversation_id"]) == ["spam 0", "spam 1", "spam 2"]
    await customer.disconnect()


async def test_repeated_abuse_closes_the_socket(world, monkeypatch):
    monkeypatch.setattr(WidgetConsumer, "max_violations", 3)
    customer, _ = await start(world)
    for _ in range(3):
        await customer.send_to(text_data="garbage")
    codes = [(await customer.receive_json_from(timeout=5))["code"] for _ in range(3)]
    assert codes == ["bad_json"] * 3
    assert await customer.receive_output(timeout=5) == {"type": "websocket.close", "code": 4429}


async def test_customer_typing_reaches_nobody_but_operators(world):
    customer, _ = await start(world)
    await customer.send_json_to({"type": "typing", "on": True})
    assert await customer.receive_nothing(0.3)  # no echo of one's own typing
    await customer.disconnect()


async def test_a_customer_connects_while_every_service_thread_is_busy(world):
    """Under load the service pool has a backlog of bot turns; the handshake's own read must not wait behind it
    (daphne drops a handshake that is not accepted within its connect timeout)."""
    import asyncio
    import threading

    from channels_app import consumers

    release = threading.Event()
    busy = [consumers._service_pool.submit(release.wait, 30) for _ in range(consumers._service_pool._max_workers)]
    try:
        communicator = widget_communicator(world.channel)
        connected, _ = await communicator.connect(timeout=5)
        assert connected  # accepted although no service thread is free
        assert await communicator.receive_nothing(0.2)  # the conversation starts once a thread frees up
    finally:
        release.set()
    await asyncio.wrap_future(busy[0])
    session = await communicator.receive_json_from(timeout=5)
    assert session["type"] == "session"
    welcome = await communicator.receive_json_from(timeout=5)
    assert welcome["type"] == "message" and welcome["seq"] == 1
    await communicator.disconnect()
