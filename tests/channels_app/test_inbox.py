"""Inbox protocol: who may connect, the snapshot, and refused actions (error code + nothing changed)."""

from __future__ import annotations

import json

import pytest
from channels.db import database_sync_to_async

from channels_app import queue, services
from channels_app.models import AssignmentEvent, OperatorStatus
from runtime.connectors.base import InboundMessage
from runtime.models import Conversation, Message
from runtime.services import receive
from tests.channels_app.conftest import inbox_communicator, make_world, receive_until
from tests.support.users import make_user, session_cookie

pytestmark = pytest.mark.django_db(transaction=True)


def waiting_chat(world, visitor="v-1", text="operator"):
    """A customer who asked for a person: the conversation waits in the support queue."""
    result = receive(InboundMessage(channel_id=world.channel.pk, external_id=f"{visitor}-m1",
                                    contact_external_id=visitor, text=text))
    return Conversation.objects.get(pk=result.conversation_id)


def state_of(conversation_id):
    c = Conversation.objects.get(pk=conversation_id)
    return (c.mode, c.assignee_id, c.last_seq, Message.objects.filter(conversation_id=c.pk).count(),
            AssignmentEvent.objects.filter(conversation_id=c.pk).count())


async def connect_inbox(user, slug="acme"):
    cookie = await database_sync_to_async(session_cookie)(user)
    inbox = inbox_communicator(cookie, slug)
    connected, _ = await inbox.connect()
    assert connected
    snapshot = await inbox.receive_json_from(timeout=5)
    assert snapshot["type"] == "snapshot"
    return inbox, snapshot


async def test_anonymous_and_non_members_are_refused(world):
    anonymous = inbox_communicator(None, "acme")
    connected, code = await anonymous.connect()
    assert not connected and code == 4403
    stranger = await database_sync_to_async(make_user)("stranger")
    cookie = await database_sync_to_async(session_cookie)(stranger)
    connected, code = await inbox_communicator(cookie, "acme").connect()
    assert not connected and code == 4403
    cookie = await database_sync_to_async(session_cookie)(world.operator)
    connected, _ = await inbox_communicator(cookie, "no-such-workspace").connect()
    assert not connected
    assert not await database_sync_to_async(OperatorStatus.objects.filter(open_sockets__gt=0).exists)()


async def test_snapshot_lists_queues_oldest_first_and_my_chats_with_unread(world):
    first = await database_sync_to_async(waiting_chat)(world, "v-1")
    second = await database_sync_to_async(waiting_chat)(world, "v-2")
    mine = await database_sync_to_async(waiting_chat)(world, "v-3")
    await database_sync_to_async(queue.claim)(world.operator, mine.pk)
    await database_sync_to_async(receive)(InboundMessage(channel_id=world.channel.pk, external_id="v-3-m2",
                                                         contact_external_id="v-3", text="are you there?"))
    inbox, snapshot = await connect_inbox(world.operator)
    support = next(q for q in snapshot["queues"] if q["department"]["slug"] == "support")
    assert [c["id"] for c in support["chats"]] == [str(first.pk), str(second.pk)]
    # Unread = customer messages since the last operator answer: "operator" and "are you there?".
    assert [(c["id"], c["unread"]) for c in snapshot["mine"]] == [(str(mine.pk), 2)]
    assert {o["name"]: o["presence"] for o in snapshot["operators"]}["Olga"] == "online"
    assert snapshot["me"]["role"] == "operator"
    await inbox.disconnect()


async def test_double_claim_second_gets_already_claimed(world):
    chat = await database_sync_to_async(waiting_chat)(world)
    olga, _ = await connect_inbox(world.operator)
    oleg, _ = await connect_inbox(world.operator2)
    await olga.send_json_to({"type": "claim", "conversation_id": str(chat.pk), "client_id": "1"})
    await receive_until(olga, "ack")
    claimed, _ = await receive_until(oleg, "claimed")
    assert claimed["operator"]["name"] == "Olga"
    before = await database_sync_to_async(state_of)(chat.pk)
    await oleg.send_json_to({"type": "claim", "conversation_id": str(chat.pk), "client_id": "2"})
    error, _ = await receive_until(oleg, "error")
    assert error == {"type": "error", "code": "already_claimed", "client_id": "2", "action": "claim",
                     "message": error["message"]}
    assert await database_sync_to_async(state_of)(chat.pk) == before
    await olga.disconnect()
    await oleg.disconnect()


async def test_reply_to_closed_and_to_someone_elses_chat_are_refused(world):
    chat = await database_sync_to_async(waiting_chat)(world)
    await database_sync_to_async(queue.claim)(world.operator, chat.pk)
    oleg, _ = await connect_inbox(world.operator2)
    before = await database_sync_to_async(state_of)(chat.pk)
    await oleg.send_json_to({"type": "reply", "conversation_id": str(chat.pk), "text": "hi", "client_id": "r"})
    error, _ = await receive_until(oleg, "error")
    assert error["code"] == "not_assignee"
    assert await database_sync_to_async(state_of)(chat.pk) == before

    await database_sync_to_async(queue.resolve)(world.operator, chat.pk)
    olga, _ = await connect_inbox(world.operator)
    before = await database_sync_to_async(state_of)(chat.pk)
    for action in ("reply", "canned"):
        await olga.send_json_to({"type": action, "conversation_id": str(chat.pk), "text": "late answer",
                                 "shortcut": "hello", "client_id": action})
    codes = [(await receive_until(olga, "error"))[0]["code"] for _ in range(2)]
    assert codes == ["conversation_closed", "canned_not_found"]
    await olga.send_json_to({"type": "resolve", "conversation_id": str(chat.pk), "client_id": "z"})
    error, _ = await receive_until(olga, "error")
    assert error["code"] == "conversation_closed"
    assert await database_sync_to_async(state_of)(chat.pk) == before
    await olga.disconnect()
    await oleg.disconnect()


async def test_actions_on_another_workspaces_conversation_are_not_found(world):
    other = await database_sync_to_async(make_world)("globex")
    chat = await database_sync_to_async(waiting_chat)(other)
    # Olga of acme also is a member of nothing in globex; even an admin of acme sees nothing there.
    inbox, snapshot = await connect_inbox(world.operator)
    assert all(c["id"] != str(chat.pk) for q in snapshot["queues"] for c in q["chats"])
    before = await database_sync_to_async(state_of)(chat.pk)
    frames = [
        {"type": "claim"}, {"type": "reply", "text": "hi"}, {"type": "note", "text": "n"}, {"type": "open"},
        {"type": "resolve"}, {"type": "transfer", "department": "sales"}, {"type": "return_to_bot", "node_id": "csat"},
        {"type": "typing", "on": True}, {"type": "canned", "shortcut": "hello"},
    ]
    for i, frame in enumerate(frames):
        await inbox.send_json_to({**frame, "conversation_id": str(chat.pk), "client_id": str(i)})
        error, _ = await receive_until(inbox, "error")
        assert (error["action"], error["code"], error["client_id"]) == (frame["type"], "not_found", str(i))
    await inbox.send_json_to({"type": "open", "conversation_id": "not-a-uuid"})
    error, _ = await receive_until(inbox, "error")
    assert error["code"] == "not_found"
    assert await database_sync_to_async(state_of)(chat.pk) == before
    await inbox.disconnect()


async def test_member_of_two_workspaces_cannot_act_across_sockets(world):
    other = await database_sync_to_async(make_world)("globex")
    from builder.services import add_member

    await database_sync_to_async(add_member)(other.workspace, world.operator, "operator")
    chat = await database_sync_to_async(waiting_chat)(other)
    inbox, _ = await connect_inbox(world.operator, "acme")
    before = await database_sync_to_async(state_of)(chat.pk)
    await inbox.send_json_to({"type": "claim", "conversation_id": str(chat.pk)})
    error, _ = await receive_until(inbox, "error")
    assert error["code"] == "not_found"
    assert await database_sync_to_async(state_of)(chat.pk) == before
    await inbox.disconnect()


async def test_inbox_bad_frames_keep_the_socket_open(world):
    inbox, _ = await connect_inbox(world.operator)
    for raw, code in [("nope", "bad_json"), (json.dumps({"type": "dance"}), "unknown_type"),
                      (json.dumps({"type": "set_presence", "presence": "asleep"}), "invalid"),
                      (json.dumps({"type": "note", "text": "x" * 9000}), "frame_too_large")]:
        await inbox.send_to(text_data=raw)
        error, _ = await receive_until(inbox, "error")
        assert error["code"] == code
    await inbox.send_json_to({"type": "set_presence", "presence": "away", "client_id": "p"})
    ack, _ = await receive_until(inbox, "ack")
    assert ack["presence"] == "away"
    await inbox.disconnect()


async def test_canned_reply_is_rendered_with_the_conversations_variables(world):
    await database_sync_to_async(services.create_canned_reply)(
        world.workspace, title="Hello", shortcut="hello", text="Hi {{contact_name|there}}, your topic: {{topic}}.")
    chat = await database_sync_to_async(waiting_chat)(world)

    def set_topic():
        c = Conversation.objects.get(pk=chat.pk)
        c.state = {**c.state, "variables": {**c.state.get("variables", {}), "topic": "Sales"}}
        c.save(update_fields=["state"])

    await database_sync_to_async(set_topic)()
    inbox, _ = await connect_inbox(world.operator)
    await inbox.send_json_to({"type": "claim", "conversation_id": str(chat.pk)})
    await receive_until(inbox, "ack")
    await inbox.send_json_to({"type": "canned", "conversation_id": str(chat.pk), "shortcut": "/hello",
                              "client_id": "c1"})
    ack, _ = await receive_until(inbox, "ack", match=lambda f: f["action"] == "canned")
    assert ack["text"] == "Hi there, your topic: Sales."
    message, _ = await receive_until(inbox, "message", match=lambda f: f["message"]["sender"] == "operator")
    assert message["message"]["text"] == "Hi there, your topic: Sales."
    await inbox.disconnect()


async def test_transfer_to_department_requeues_with_a_note(world):
    chat = await database_sync_to_async(waiting_chat)(world)
    olga, _ = await connect_inbox(world.operator)
    await olga.send_json_to({"type": "claim", "conversation_id": str(chat.pk)})
    await receive_until(olga, "ack")
    await olga.send_json_to({"type": "transfer", "conversation_id": str(chat.pk), "department": "sales",
                             "note": "wants a discount", "client_id": "t"})
    ack, _ = await receive_until(olga, "ack", match=lambda f: f["action"] == "transfer")
    assert ack["mode"] == "queued"
    event, _ = await receive_until(olga, "transferred")
    assert event["department"] == "sales" and event["note"] == "wants a discount"
    conversation = await database_sync_to_async(
        lambda: Conversation.objects.select_related("department").get(pk=chat.pk))()
    assert (conversation.mode, conversation.department.slug, conversation.assignee_id) == ("queued", "sales", None)
    notes = await database_sync_to_async(lambda: list(
        Message.objects.filter(conversation_id=chat.pk, direction="internal").values_list("text", flat=True)))()
    assert any("wants a discount" in n for n in notes)
    # Transfer straight to Oleg.
    await olga.send_json_to({"type": "transfer", "conversation_id": str(chat.pk), "operator": world.operator2.pk})
    ack, _ = await receive_until(olga, "ack", match=lambda f: f["action"] == "transfer")
    assert ack["mode"] == "live"
    assert await database_sync_to_async(lambda: Conversation.objects.get(pk=chat.pk).assignee_id)() == \
        world.operator2.pk
    await olga.disconnect()
