"""Races: 16 operators claim the same queued chats (each chat is claimed exactly once), and concurrent
auto-assignment workers never over-assign. Written for PostgreSQL's row locks; on SQLite (file database,
IMMEDIATE transactions) writers serialise and the same guarantees must hold."""

from __future__ import annotations

import random
import threading
from collections import Counter

import pytest

from builder.models import Role
from builder.services import add_member
from channels_app import queue
from channels_app.models import AssignmentEvent
from runtime.connectors.base import InboundMessage
from runtime.errors import ActionError
from runtime.models import Conversation, Message
from runtime.services import receive
from tests.channels_app.conftest import make_world
from tests.support.threads import run_together
from tests.support.users import make_user

pytestmark = pytest.mark.django_db(transaction=True)

CLAIMERS = 16
CHATS = 6


def test_sixteen_concurrent_claimers_each_chat_claimed_exactly_once():
    world = make_world()
    operators = []
    for i in range(CLAIMERS):
        user = make_user(f"op{i}", first_name=f"Op{i}")
        add_member(world.workspace, user, Role.OPERATOR)
        operators.append(user)
    chats = []
    for i in range(CHATS):
        result = receive(InboundMessage(channel_id=world.channel.pk, external_id=f"m{i}",
                                        contact_external_id=f"v{i}", text="operator"))
        chats.append(str(result.conversation_id))
    assert Conversation.objects.filter(mode="queued").count() == CHATS

    wins: list[tuple[str, int]] = []
    refusals: Counter[str] = Counter()
    lock = threading.Lock()

    def claimer(user):
        order = chats[:]
        random.Random(user.pk).shuffle(order)
        for conversation_id in order:
            try:
                queue.claim(user, conversation_id)
            except ActionError as exc:
                with lock:
                    refusals[exc.code] += 1
            else:
                with lock:
                    wins.append((conversation_id, user.pk))

    run_together([lambda user=user: claimer(user) for user in operators])
    assert sorted(c for c, _ in wins) == sorted(chats)  # every chat won exactly once
    assert refusals == Counter({"already_claimed": CLAIMERS * CHATS - CHATS})
    for conversation_id, user_id in wins:
        conversation = Conversation.objects.get(pk=conversation_id)
        assert (conversation.mode, conversation.assignee_id) == ("live", user_id)
        claims = AssignmentEvent.objects.filter(conversation_id=conversation_id, kind="claimed")
        assert list(claims.values_list("operator_id", flat=True)) == [user_id]
        joined = Message.objects.filter(conversation_id=conversation_id, payload__event="operator_joined")
        assert joined.count() == 1


def test_concurrent_auto_assign_workers_respect_capacity():
    from builder.models import Department
    from channels_app import presence

    world = make_world()
    operators = [world.operator, world.operator2]
    for user in operators:
        presence.socket_opened(user, world.workspace.pk)
        presence.set_capacity(user, world.workspace.pk, 2)
    for i in range(7):
        receive(InboundMessage(channel_id=world.channel.pk, external_id=f"m{i}", contact_external_id=f"v{i}",
                               text="operator"))
    assert Conversation.objects.filter(mode="queued").count() == 7  # assignment is off so far
    Department.objects.filter(pk=world.support.pk).update(assignment=Department.Assignment.LEAST_BUSY)

    run_together([lambda: queue.auto_assign(world.support.pk)] * 6)
    loads = Counter(Conversation.objects.filter(mode="live").values_list("assignee_id", flat=True))
    assert loads == Counter({world.operator.pk: 2, world.operator2.pk: 2})
    assert Conversation.objects.filter(mode="queued").count() == 3
    assert AssignmentEvent.objects.filter(kind="auto_assigned").count() == 4
    # The oldest four were assigned.
    oldest = list(Conversation.objects.order_by("queued_at").values_list("mode", flat=True))
    assert oldest == ["live"] * 4 + ["queued"] * 3
