"""Both protocols end to end through the real ASGI app: customer → bot → call operator → queue → claim →
reply → note → resolve → return to bot → rating."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async

from runtime.models import Conversation, Message
from tests.channels_app.conftest import inbox_communicator, receive_until, widget_communicator
from tests.support.users import session_cookie

pytestmark = pytest.mark.django_db(transaction=True)


@database_sync_to_async
def _conversation(pk):
    return Conversation.objects.select_related("assignee", "department").get(pk=pk)


@database_sync_to_async
def _messages(pk):
    return list(Message.objects.filter(conversation_id=pk).order_by("seq").values_list("sender", "direction", "text"))


async def test_customer_bot_queue_operator_resolve_and_rating(world):
    cookie = await database_sync_to_async(session_cookie)(world.operator)
    inbox = inbox_communicator(cookie, "acme")
    connected, _ = await inbox.connect()
    assert connected
    snapshot = await inbox.receive_json_from(timeout=5)
    assert snapshot["type"] == "snapshot"
    assert [q["department"]["slug"] for q in snapshot["queues"]] == ["sales", "support"]
    assert all(q["chats"] == [] for q in snapshot["queues"])
    assert snapshot["me"]["presence"] == "online"

    customer = widget_communicator(world.channel, "ref=summer_promo")
    connected, _ = await customer.connect()
    assert connected
    session = await customer.receive_json_from(timeout=5)
    assert session["type"] == "session" and session["token"] and session["mode"] == "bot"
    welcome = await customer.receive_json_from(timeout=5)
    assert welcome["type"] == "message" and welcome["sender"] == "bot"
    assert welcome["text"] == "Hi! How can we help?"
    assert [b["id"] for b in welcome["buttons"]] == ["faq", "sales", "__operator__"]

    # The customer asks for a person: the bot hands off to the scenario's operator department.
    await customer.send_json_to({"type": "button", "button_id": "__operator__", "client_id": "c1"})
    echo, _ = await receive_until(customer, "message", match=lambda f: f["sender"] == "customer")
    assert echo["client_id"] == "c1"
    position, _ = await receive_until(customer, "queue")
    assert position["position"] == 1 and position["department"] == "support"
    assert position["expected_wait_seconds"] > 0

    queued, _ = await receive_until(inbox, "queued")
    conversation_id = queued["conversation"]["id"]
    assert conversation_id == session["conversation_id"]
    assert queued["conversation"]["department"] == "support"
    assert queued["conversation"]["handoff"]["reason"] == "button"

    # The operator opens it and sees the handoff context.
    await inbox.send_json_to({"type": "open", "conversation_id": conversation_id, "client_id": "o1"})
    context, _ = await receive_until(inbox, "conversation")
    assert context["ref"] == "summer_promo"
    assert context["channel"]["kind"] == "web"
    assert context["handoff"]["reason"] == "button" and context["handoff"]["node_id"] == "welcome"
    assert [m["sender"] for m in context["transcript"]][:2] == ["bot", "customer"]

    await inbox.send_json_to({"type": "claim", "conversation_id": conversation_id, "client_id": "k1"})
    ack, _ = await receive_until(inbox, "ack")
    assert ack == {"type": "ack", "action": "claim", "ok": True, "client_id": "k1", "conversation_id": conversation_id}
    joined, _ = await receive_until(customer, "operator_joined")
    assert joined["name"] == "Olga"

    await inbox.send_json_to({"type": "reply", "conversation_id": conversation_id, "text": "Hello, I'm Olga.",
                              "client_id": "r1"})
    answer, _ = await receive_until(customer, "message", match=lambda f: f["sender"] == "operator")
    assert answer["text"] == "Hello, I'm Olga." and answer["operator"] == "Olga"

    await inbox.send_json_to({"type": "note", "conversation_id": conversation_id, "text": "VIP customer",
                              "client_id": "n1"})
    await receive_until(inbox, "ack", match=lambda f: f["action"] == "note")

    await customer.send_json_to({"type": "message", "text": "My order is late", "client_id": "c2"})
    incoming, _ = await receive_until(inbox, "message", match=lambda f: f["message"]["sender"] == "customer"
                                      and f["message"]["text"] == "My order is late")
    assert incoming["message"]["client_id"] == "c2"

    await inbox.send_json_to({"type": "typing", "conversation_id": conversation_id, "on": True})
    typing, seen = await receive_until(customer, "typing")
    assert typing["who"] == "operator" and typing["on"] is True
    # The private note never reached the customer.
    assert all("VIP" not in (f.get("text") or "") for f in seen)

    await inbox.send_json_to({"type": "resolve", "conversation_id": conversation_id, "client_id": "z1"})
    await receive_until(inbox, "ack", match=lambda f: f["action"] == "resolve")
    closed, seen = await receive_until(customer, "closed")
    assert closed["reason"] == "resolved"
    assert all("VIP" not in (f.get("text") or "") for f in seen)
    conversation = await _conversation(conversation_id)
    assert conversation.mode == "closed" and conversation.closed_at is not None

    # Back to the bot for a CSAT rating.
    await inbox.send_json_to({"type": "return_to_bot", "conversation_id": conversation_id, "node_id": "csat",
                              "client_id": "b1"})
    ack, _ = await receive_until(inbox, "ack", match=lambda f: f["action"] == "return_to_bot")
    assert ack["mode"] == "bot"
    prompt, _ = await receive_until(customer, "message", match=lambda f: f["text"] == "How did we do?")
    assert "rate-5" in [b["id"] for b in prompt["buttons"]]
    await customer.send_json_to({"type": "button", "button_id": "rate-5", "client_id": "c3"})
    _bye, seen = await receive_until(customer, "message", match=lambda f: f["text"] == "Bye!")
    texts = [f.get("text") for f in seen if f["type"] == "message"]
    assert "Thanks for rating us 5!" in texts
    # The end node closes the conversation, after the bot's last messages have been delivered.
    assert not any(f["type"] == "closed" for f in seen)
    await receive_until(customer, "closed")

    stored = await _messages(conversation_id)
    assert ("operator", "internal", "VIP customer") in stored
    assert ("operator", "out", "Hello, I'm Olga.") in stored
    conversation = await _conversation(conversation_id)
    assert conversation.state["variables"]["rating"] == 5
    assert conversation.mode == "closed"

    # Writing again after the end: the workspace reopens into the bot (default), with a new conversation that
    # this same socket follows.
    await customer.send_json_to({"type": "message", "text": "hello again", "client_id": "c4"})
    fresh, _ = await receive_until(customer, "session")
    assert fresh["conversation_id"] != conversation_id and fresh["mode"] == "bot"
    again, _ = await receive_until(customer, "message", match=lambda f: f["text"] == "Hi! How can we help?")
    assert again["seq"] >= 1

    await customer.disconnect()
    await inbox.disconnect()
