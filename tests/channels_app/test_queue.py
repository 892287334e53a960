"""The handoff queue as services: out-of-hours, positions and wait estimates, auto-assignment, presence."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from channels.db import database_sync_to_async

from builder.models import Department
from channels_app import presence, queue
from channels_app.models import AssignmentEvent, OperatorStatus
from runtime.connectors.base import InboundMessage
from runtime.errors import ActionError
from runtime.models import Conversation, Message
from runtime.services import receive
from tests.channels_app.conftest import inbox_communicator, make_world, receive_until, widget_communicator
from tests.support.users import session_cookie

pytestmark = pytest.mark.django_db(transaction=True)

OFFICE = {"timezone": "Europe/Moscow",
          "weekly": {d: [["09:00", "18:00"]] for d in ("mon", "tue", "wed", "thu", "fri")}}
SATURDAY_NOON_MSK = dt.datetime(2026, 11, 28, 9, 0, tzinfo=dt.UTC)
MONDAY_NOON_MSK = dt.datetime(2026, 11, 30, 9, 0, tzinfo=dt.UTC)


def ask_for_operator(world, visitor: str) -> Conversation:
    result = receive(InboundMessage(channel_id=world.channel.pk, external_id=f"{visitor}-m",
                                    contact_external_id=visitor, text="operator"))
    return Conversation.objects.select_related("department", "assignee").get(pk=result.conversation_id)


def texts(conversation):
    return list(Message.objects.filter(conversation=conversation).order_by("seq").values_list("sender", "text"))


@time_machine.travel(SATURDAY_NOON_MSK, tick=False)
def test_out_of_hours_message_says_when_the_customer_will_be_answered(transactional_db):
    world = make_world(support_hours=OFFICE)
    # While the bot talks nothing is said about hours.
    receive(InboundMessage(channel_id=world.channel.pk, external_id="s", contact_external_id="v", is_start=True))
    assert [t for _, t in texts(Conversation.objects.get())] == ["Hi! How can we help?"]
    conversation = ask_for_operator(world, "v")
    assert conversation.mode == "queued" and conversation.department.slug == "support"
    assert conversation.handoff["reason"] == "keyword"
    sender, text = texts(conversation)[-1]
    assert sender == "system"
    assert text == ("Our operators are not working right now. Your chat is in the queue and we will answer you "
                    "on Mon 30 Nov at 09:00 (MSK).")
    assert AssignmentEvent.objects.filter(conversation=conversation, kind="queued").count() == 1


@time_machine.travel(SATURDAY_NOON_MSK, tick=False)
def test_custom_out_of_hours_text_gets_the_opening_time(transactional_db):
    world = make_world(support_hours=OFFICE, out_of_hours_message="We are closed. Back {{opens_at}}!")
    conversation = ask_for_operator(world, "v")
    assert texts(conversation)[-1] == ("system", "We are closed. Back on Mon 30 Nov at 09:00 (MSK)!")


@time_machine.travel(MONDAY_NOON_MSK, tick=False)
def test_no_out_of_hours_message_while_open(transactional_db):
    world = make_world(support_hours=OFFICE)
    conversation = ask_for_operator(world, "v")
    assert all(sender != "system" for sender, _ in texts(conversation))


def test_enqueue_snapshots_handoff_context(transactional_db):
    world = make_world()
    receive(InboundMessage(channel_id=world.channel.pk, external_id="s", contact_external_id="v", is_start=True,
                           ref="promo"))
    receive(InboundMessage(channel_id=world.channel.pk, external_id="b", contact_external_id="v", button_id="sales"))
    conversation = Conversation.objects.select_related("department").get()
    assert conversation.mode == "queued" and conversation.department.slug == "sales"
    assert conversation.handoff["reason"] == "node" and conversation.handoff["node_id"] == "to_sales"
    assert conversation.handoff["note"] == "Lead from promo"
    assert conversation.handoff["ref"] == "promo"
    assert conversation.handoff["variables"]["topic"] == "Sales"
    assert ("bot", "Connecting you to sales…") in texts(conversation)


def test_unknown_department_falls_back_to_the_first_one(transactional_db):
    world = make_world()
    assert queue.resolve_department(world.workspace.pk, "nope").slug == "support"  # created first
    assert queue.resolve_department(world.workspace.pk, None).slug == "support"


def test_positions_oldest_first_and_wait_estimate_from_recent_claims(transactional_db):
    world = make_world()
    start = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False) as clock:
        first = ask_for_operator(world, "v1")
        clock.shift(10)
        second = ask_for_operator(world, "v2")
        clock.shift(10)
        third = ask_for_operator(world, "v3")
        assert [queue.queue_position(c) for c in (first, second, third)] == [1, 2, 3]
        # No history yet: the documented default per place.
        assert queue.queue_frame(third)["expected_wait_seconds"] == 3 * queue.DEFAULT_WAIT_PER_PLACE
        clock.shift(40)  # first waited 60 s
        queue.claim(world.operator, first.pk)
        second.refresh_from_db()
        third.refresh_from_db()
        assert [queue.queue_position(c) for c in (second, third)] == [1, 2]
        assert queue.queue_frame(third) == {"position": 2, "expected_wait_seconds": 120, "department": "support"}


def test_claim_of_a_bot_conversation_is_refused(transactional_db):
    world = make_world()
    receive(InboundMessage(channel_id=world.channel.pk, external_id="s", contact_external_id="v", is_start=True))
    conversation = Conversation.objects.get()
    with pytest.raises(ActionError) as err:
        queue.claim(world.operator, conversation.pk)
    assert err.value.code == "not_queued"
    conversation.refresh_from_db()
    assert conversation.mode == "bot" and conversation.assignee_id is None


def assignees(conversations):
    out = []
    for c in conversations:
        c.refresh_from_db()
        out.append(c.assignee.first_name if c.assignee_id else None)
    return out


def test_round_robin_respects_capacity_and_presence_and_refills_on_resolve(transactional_db):
    world = make_world(assignment=Department.Assignment.ROUND_ROBIN)
    presence.socket_opened(world.operator, world.workspace.pk)
    presence.socket_opened(world.operator2, world.workspace.pk)
    presence.set_capacity(world.operator, world.workspace.pk, 1)
    presence.set_capacity(world.operator2, world.workspace.pk, 2)
    chats = [ask_for_operator(world, f"v{i}") for i in range(4)]
    assert assignees(chats) == ["Olga", "Oleg", "Oleg", None]
    assert AssignmentEvent.objects.filter(kind="auto_assigned").count() == 3
    # Olga frees her slot: the oldest waiting chat goes to her at once.
    queue.resolve(world.operator, chats[0].pk)
    assert assignees(chats[3:]) == ["Olga"]


def test_least_busy_prefers_the_operator_with_fewer_chats(transactional_db):
    world = make_world()
    for i in range(2):
        queue.claim(world.operator, ask_for_operator(world, f"manual{i}").pk)
    Department.objects.filter(pk=world.support.pk).update(assignment=Department.Assignment.LEAST_BUSY)
    presence.socket_opened(world.operator, world.workspace.pk)
    presence.socket_opened(world.operator2, world.workspace.pk)
    chats = [ask_for_operator(world, f"v{i}") for i in range(3)]
    assert assignees(chats)[:2] == ["Oleg", "Oleg"]
    assert assignees(chats)[2] in ("Olga", "Oleg")  # 2 and 2: the one assigned longest ago


def test_off_away_and_offline_operators_get_nothing_until_online(transactional_db):
    world = make_world(assignment=Department.Assignment.OFF)
    presence.socket_opened(world.operator, world.workspace.pk)
    off = ask_for_operator(world, "off")
    assert assignees([off]) == [None]
    Department.objects.filter(pk=world.support.pk).update(assignment=Department.Assignment.ROUND_ROBIN)
    presence.set_presence(world.operator, world.workspace.pk, "away")
    waiting = ask_for_operator(world, "v")
    assert assignees([off, waiting]) == [None, None]
    # Coming back online runs auto-assignment: oldest first.
    presence.set_presence(world.operator, world.workspace.pk, "online")
    assert assignees([off, waiting]) == ["Olga", "Olga"]


def test_department_operator_list_limits_auto_assignment(transactional_db):
    world = make_world(assignment=Department.Assignment.ROUND_ROBIN)
    world.support.operators.set([world.operator2])
    presence.socket_opened(world.operator, world.workspace.pk)
    chat = ask_for_operator(world, "v")
    assert assignees([chat]) == [None]
    presence.socket_opened(world.operator2, world.workspace.pk)
    assert assignees([chat]) == ["Oleg"]


def test_presence_follows_open_sockets(transactional_db):
    world = make_world()
    ws = world.workspace.pk

    def status():
        s = OperatorStatus.objects.get(user=world.operator, workspace_id=ws)
        return s.presence, s.open_sockets

    presence.socket_opened(world.operator, ws)
    presence.socket_opened(world.operator, ws)
    assert status() == ("online", 2)
    presence.socket_closed(world.operator, ws)
    assert status() == ("online", 1)
    presence.set_presence(world.operator, ws, "away")
    presence.socket_opened(world.operator, ws)
    assert status() == ("away", 2)  # a new tab does not override a chosen "away"
    presence.socket_closed(world.operator, ws)
    presence.socket_closed(world.operator, ws)
    assert status() == ("offline", 0)
    presence.socket_closed(world.operator, ws)  # a stray disconnect never goes negative
    assert status() == ("offline", 0)


async def test_inbox_sockets_drive_presence_and_colleagues_see_it(transactional_db):
    world = await database_sync_to_async(make_world)()
    olga_cookie = await database_sync_to_async(session_cookie)(world.operator)
    oleg_cookie = await database_sync_to_async(session_cookie)(world.operator2)
    oleg = inbox_communicator(oleg_cookie, "acme")
    assert (await oleg.connect())[0]
    await oleg.receive_json_from(timeout=5)
    tabs = [inbox_communicator(olga_cookie, "acme") for _ in range(2)]
    for tab in tabs:
        assert (await tab.connect())[0]
    event, _ = await receive_until(oleg, "presence", match=lambda f: f["operator"]["name"] == "Olga")
    assert event["operator"]["presence"] == "online"
    await tabs[0].disconnect()
    assert await database_sync_to_async(
        lambda: OperatorStatus.objects.get(user=world.operator).presence)() == "online"
    await tabs[1].disconnect()
    event, _ = await receive_until(oleg, "presence", match=lambda f: f["operator"]["name"] == "Olga")
    assert event["operator"]["presence"] == "offline"
    await oleg.disconnect()


async def test_waiting_customers_get_new_positions_when_the_queue_moves(transactional_db):
    world = await database_sync_to_async(make_world)()
    first = await database_sync_to_async(ask_for_operator)(world, "v1")
    customer = widget_communicator(world.channel)
    assert (await customer.connect())[0]
    session = await customer.receive_json_from(timeout=5)
    await customer.send_json_to({"type": "message", "text": "human", "client_id": "h"})
    position, _ = await receive_until(customer, "queue")
    assert position["position"] == 2
    await database_sync_to_async(queue.claim)(world.operator, first.pk)
    position, _ = await receive_until(customer, "queue")
    assert position["position"] == 1
    assert session["conversation_id"] != str(first.pk)
    await customer.disconnect()


def test_reopen_into_the_queue_when_the_workspace_says_so(transactional_db):
    from builder.models import Workspace

    world = make_world()
    Workspace.objects.filter(pk=world.workspace.pk).update(settings={**world.workspace.settings, "reopen": "queue"})
    chat = ask_for_operator(world, "v")
    queue.claim(world.operator, chat.pk)
    queue.resolve(world.operator, chat.pk)
    receive(InboundMessage(channel_id=world.channel.pk, external_id="again", contact_external_id="v",
                           text="one more question"))
    chat.refresh_from_db()
    assert chat.mode == "queued" and chat.assignee_id is None and chat.closed_at is None
    assert chat.handoff["reason"] == "reopened"
    assert list(AssignmentEvent.objects.filter(conversation=chat).values_list("kind", flat=True)) == [
        "queued", "claimed", "resolved", "queued"]
    assert Conversation.objects.count() == 1
