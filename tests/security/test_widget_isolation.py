"""A widget visitor never reaches another visitor's conversation, whatever client ids they choose.

The client id of a widget frame is a retry key chosen by the browser (anyone can pick any value), never an
identity: the regression below is the attack from issue #11, through the real consumer.
"""

from __future__ import annotations

import json

import pytest
from channels.db import database_sync_to_async
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from channels_app import queue, services
from runtime import widget
from runtime.models import Conversation, Message
from tests.channels_app.conftest import make_world
from tests.security._widget import drain, inbound_texts, open_session


@pytest.fixture
def world(transactional_db):
    return make_world()


@pytest.mark.django_db(transaction=True)
async def test_reusing_another_visitors_client_id_does_not_join_their_conversation(world):
    victim, v_session = await open_session(world.channel)
    await victim.send_json_to({"type": "message", "text": "my card ends 4242", "client_id": "c1"})
    await drain(victim)

    attacker, x_session = await open_session(world.channel, ip="198.51.100.9")
    assert x_session["conversation_id"] != v_session["conversation_id"]
    await attacker.send_json_to({"type": "message", "text": "let me in", "client_id": "c1"})
    seen = await drain(attacker)

    # The attacker stays in their own conversation and their own message is stored there.
    assert [f for f in seen if f["type"] == "session"] == []
    assert all(f.get("conversation_id") in (None, x_session["conversation_id"]) for f in seen)
    assert "my card ends 4242" not in json.dumps(seen)
    assert await inbound_texts(x_session["conversation_id"]) == ["let me in"]
    assert await inbound_texts(v_session["conversation_id"]) == ["my card ends 4242"]
    echo = [f for f in seen if f["type"] == "message" and f["sender"] == "customer"]
    assert [(f["text"], f["client_id"]) for f in echo] == [("let me in", "c1")]

    # The victim's later operator reply reaches the victim only.
    await database_sync_to_async(_operator_answers)(world, v_session["conversation_id"], "Your order ships today")
    assert "Your order ships today" in json.dumps(await drain(victim))
    assert "Your order ships today" not in json.dumps(await drain(attacker))
    await victim.disconnect()
    await attacker.disconnect()


def _operator_answers(world, conversation_id: str, text: str) -> None:
    Conversation.objects.filter(pk=conversation_id).update(mode=Conversation.Mode.QUEUED)
    queue.claim(world.operator, conversation_id)
    services.reply(world.operator, conversation_id, text)


@pytest.mark.django_db(transaction=True)
async def test_a_resent_frame_of_the_same_visitor_is_still_stored_once(world):
    customer, session = await open_session(world.channel)
    for _ in range(3):
        await customer.send_json_to({"type": "message", "text": "hello?", "client_id": "same"})
    frames = await drain(customer)
    assert await inbound_texts(session["conversation_id"]) == ["hello?"]
    assert [f["client_id"] for f in frames if f["type"] == "message" and f["sender"] == "customer"] == ["same"]
    # Replay after reconnect echoes the client id the browser chose (it matches its pending bubble by it).
    await customer.disconnect()
    again, _ = await open_session(world.channel, f"token={session['token']}&last_seq=0")
    replay = await drain(again)
    assert [f["client_id"] for f in replay if f["type"] == "message" and f["sender"] == "customer"] == ["same"]
    await again.disconnect()


# --- the property: any client ids, two visitors, no crossing ---------------------------------------------------

CLIENT_IDS = st.one_of(st.none(), st.sampled_from(["c1", "c2", "1", "x" * 128]), st.text(min_size=1, max_size=12))
ACTIONS = st.lists(st.tuples(st.sampled_from("AB"), CLIENT_IDS, st.booleans()), min_size=1, max_size=12)


@pytest.mark.django_db
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(actions=ACTIONS)
def test_two_visitors_never_see_each_others_messages(web_world, actions):
    channel = web_world
    visitors = {who: widget.start_conversation(channel) for who in "AB"}
    expected: dict[str, list[str]] = {"A": [], "B": []}
    used: dict[str, set[str]] = {"A": set(), "B": set()}
    for i, (who, client_id, button) in enumerate(actions):
        visitor_id, conversation_id = visitors[who]
        text = f"{who}-{i}"
        if button:
            landed = widget.customer_input(channel.pk, visitor_id, client_id=client_id, button_id="faq")
            text = "FAQ"
        else:
            landed = widget.customer_input(channel.pk, visitor_id, client_id=client_id, text=text)
        # Every action lands in the visitor's own conversation: the socket never follows elsewhere.
        assert landed == conversation_id
        if client_id is None or client_id not in used[who]:
            expected[who].append(text)
        if client_id is not None:
            used[who].add(client_id)
    for who, (visitor_id, conversation_id) in visitors.items():
        frames = widget.opening_frames(channel, visitor_id, conversation_id, 0)
        assert frames[0]["conversation_id"] == conversation_id and frames[0]["visitor_id"] == visitor_id
        customer = [f["text"] for f in frames[1:] if f["type"] == "message" and f["sender"] == "customer"]
        assert customer == expected[who]
        other = "B" if who == "A" else "A"
        assert not any(f["text"].startswith(f"{other}-") for f in frames[1:] if f["type"] == "message")
        assert Message.objects.filter(conversation_id=conversation_id,
                                      direction="in").count() == len(expected[who])


@pytest.fixture
def web_world(db):
    """One workspace and web channel for all examples (hypothesis runs them inside one test)."""
    return make_world("iso").channel


# --- the same rule one layer down, and on the operator side ------------------------------------------------------


@pytest.mark.django_db
def test_opening_frames_refuse_a_conversation_of_another_visitor(web_world):
    from runtime.errors import ActionError

    mine = widget.start_conversation(web_world)
    theirs = widget.start_conversation(web_world)
    with pytest.raises(ActionError) as refused:
        widget.opening_frames(web_world, mine[0], theirs[1], 0)
    assert refused.value.code == "forbidden"
    assert widget.opening_frames(web_world, mine[0], mine[1], 0)[0]["conversation_id"] == mine[1]


@pytest.mark.django_db
def test_pipeline_dedupe_never_answers_with_another_contacts_conversation(web_world):
    """Provider ids are unique per channel; should one ever repeat for another contact, the pipeline refuses
    it instead of answering with the first contact's conversation."""
    from django.db import IntegrityError

    from runtime.connectors.base import InboundMessage
    from runtime.services import receive

    first = receive(InboundMessage(channel_id=web_world.pk, external_id="tg:1", contact_external_id="chat-1",
                                   text="hello"))
    assert receive(InboundMessage(channel_id=web_world.pk, external_id="tg:1", contact_external_id="chat-1",
                                  text="hello")).conversation_id == first.conversation_id
    with pytest.raises(IntegrityError):
        receive(InboundMessage(channel_id=web_world.pk, external_id="tg:1", contact_external_id="chat-2",
                               text="hello"))
    assert not Message.objects.filter(conversation__contact__external_id="chat-2").exists()


@pytest.mark.django_db
def test_operator_client_id_is_a_retry_key_per_kind(web_world):
    """A note and a reply with the same client id are two messages; a re-sent reply is stored once."""
    from runtime.connectors.base import InboundMessage
    from runtime.services import receive

    visitor_id, conversation_id = widget.start_conversation(web_world)
    receive(InboundMessage(channel_id=web_world.pk, external_id=None, contact_external_id=visitor_id,
                           text="operator"))
    from django.contrib.auth import get_user_model

    operator = get_user_model().objects.get(username="iso-olga")
    queue.claim(operator, conversation_id)
    note = services.note(operator, conversation_id, "private", "k1")
    reply = services.reply(operator, conversation_id, "public", "k1")
    assert reply.pk != note.pk and reply.direction == "out" and reply.text == "public"
    assert services.reply(operator, conversation_id, "public", "k1").pk == reply.pk
    assert Message.objects.filter(conversation_id=conversation_id, payload__client_id="k1").count() == 2
