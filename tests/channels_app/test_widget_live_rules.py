"""Issue 12: what the customer meets in an open widget — writing again after "Resolve" is answered on the same
socket, and "Call operator" pressed while already waiting answers with the place in the queue, never with a
raw `__operator__` bubble or a second handoff."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async

from channels_app import queue
from channels_app.models import AssignmentEvent
from runtime.models import Conversation, Message
from tests.channels_app.conftest import receive_until, widget_communicator

pytestmark = pytest.mark.django_db(transaction=True)


async def _start(world):
    customer = widget_communicator(world.channel)
    connected, _ = await customer.connect()
    assert connected
    session, _ = await receive_until(customer, "session")
    await receive_until(customer, "message", match=lambda f: f["text"] == "Hi! How can we help?")
    return customer, session


@database_sync_to_async
def _texts(conversation_id):
    return list(Message.objects.filter(conversation_id=conversation_id).order_by("seq")
                .values_list("sender", "direction", "text"))


async def test_customer_writes_after_resolve_and_the_same_socket_gets_the_new_conversation(world):
    customer, session = await _start(world)
    await customer.send_json_to({"type": "button", "button_id": "__operator__", "client_id": "op1"})
    await receive_until(customer, "queue")
    await database_sync_to_async(queue.claim)(world.operator, session["conversation_id"])
    await database_sync_to_async(queue.resolve)(world.operator, session["conversation_id"])
    closed, _ = await receive_until(customer, "closed")
    assert closed["reason"] == "resolved"

    await customer.send_json_to({"type": "message", "text": "one more question", "client_id": "again1"})
    fresh, _ = await receive_until(customer, "session")
    assert fresh["conversation_id"] != session["conversation_id"]
    assert fresh["mode"] == "bot" and fresh["token"] != session["token"]
    # The new conversation from its start: the customer's own message (matched by client_id) and the bot's answer.
    replay = [fresh]
    while not any(f.get("client_id") == "again1" for f in replay) or not any(
            f.get("text") == "Hi! How can we help?" for f in replay):
        replay.append(await customer.receive_json_from(timeout=5))
    messages = [f for f in replay if f["type"] == "message"]
    assert messages[0]["seq"] == 1  # replayed from the new conversation's start
    assert [f["text"] for f in messages if f["sender"] == "customer"] == ["one more question"]
    old = await database_sync_to_async(Conversation.objects.get)(pk=session["conversation_id"])
    assert old.mode == "closed"
    # Reconnecting with the newest token resumes the new conversation, not the resolved one.
    await customer.disconnect()
    again = widget_communicator(world.channel, f"token={fresh['token']}&last_seq=0")
    connected, _ = await again.connect()
    assert connected
    resumed, _ = await receive_until(again, "session")
    assert resumed["conversation_id"] == fresh["conversation_id"]
    await again.disconnect()


async def test_call_operator_twice_answers_with_the_queue_position_and_no_raw_id(world):
    customer, session = await _start(world)
    for client_id in ("op1", "op2"):
        await customer.send_json_to({"type": "button", "button_id": "__operator__", "client_id": client_id})
        echo, _ = await receive_until(customer, "message", match=lambda f, c=client_id: f["client_id"] == c)
        assert echo["text"] == "Call operator"
    answer, _ = await receive_until(customer, "message",
                                    match=lambda f: f["sender"] == "system" and "already in the queue" in f["text"])
    assert "number 1" in answer["text"]
    stored = await _texts(session["conversation_id"])
    assert all("__operator__" not in text for _sender, _direction, text in stored), stored
    assert [t for s, d, t in stored if s == "customer"] == ["Call operator", "Call operator"]
    handoffs = await database_sync_to_async(
        lambda: AssignmentEvent.objects.filter(conversation_id=session["conversation_id"], kind="queued").count())()
    assert handoffs == 1
    await customer.disconnect()



async def test_reopen_into_the_queue_applies_live_in_the_open_widget(world):
    from builder.models import Workspace

    await database_sync_to_async(lambda: Workspace.objects.filter(pk=world.workspace.pk).update(
        settings={**(world.workspace.settings or {}), "reopen": "queue"}))()
    customer, session = await _start(world)
    await customer.send_json_to({"type": "button", "button_id": "__operator__", "client_id": "op1"})
    await receive_until(customer, "queue")
    await database_sync_to_async(queue.claim)(world.operator, session["conversation_id"])
    await database_sync_to_async(queue.resolve)(world.operator, session["conversation_id"])
    await receive_until(customer, "closed")

    await customer.send_json_to({"type": "message", "text": "still there?", "client_id": "again1"})
    seen = []
    while not (any(f.get("client_id") == "again1" for f in seen) and any(f["type"] == "queue" for f in seen)):
        seen.append(await customer.receive_json_from(timeout=5))
    assert not any(f["type"] == "session" for f in seen)  # the same conversation, back in its queue
    assert next(f for f in seen if f["type"] == "queue")["position"] == 1
    reopened = await database_sync_to_async(Conversation.objects.get)(pk=session["conversation_id"])
    assert reopened.mode == "queued" and reopened.handoff["reason"] == "reopened"
    await customer.disconnect()
