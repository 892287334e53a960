"""Issue 12: operators find people and past chats — the contact is named by what the bot collected (never the
visitor id), history search matches a contact's e-mail, and resolve / return to bot tell every inbox the
conversation's new state so nothing stays stale until a reload."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from builder import services as builder_services
from channels_app import queue
from runtime import widget
from runtime.connectors.base import InboundMessage
from runtime.models import Conversation
from runtime.realtime import publish as realtime
from runtime.services import receive
from tests.channels_app.conftest import ORIGIN, make_world
from tests.support.documents import node

pytestmark = pytest.mark.django_db(transaction=True)

LEAD_BOT = {
    "format": "botflow/scenario", "version": 1, "name": "Lead", "start": "ask_mail",
    "variables": [{"name": "mail", "type": "string"}],
    "settings": {"contact_fields": {"email": "mail"}},
    "nodes": [node("ask_mail", "ask", {"prompt": "Your e-mail?", "variable": "mail", "kind": "email"}),
              node("thanks", "buttons", {"text": "Thanks! Anything else?",
                                         "buttons": [{"id": "no", "label": "No"}]}, 200),
              node("bye", "end", {"text": "Bye"}, 400)],
    "edges": [{"id": "e1", "source": "ask_mail", "source_port": "next", "target": "thanks"},
              {"id": "e2", "source": "thanks", "source_port": "no", "target": "bye"}],
}


@pytest.fixture
def world(transactional_db):
    world = make_world()
    scenario = builder_services.create_scenario(world.workspace, "Lead", user=world.admin, slug="lead",
                                                document=LEAD_BOT)
    builder_services.publish(scenario, world.admin)
    world.channel = widget.create_web_channel(world.workspace, name="Leads", scenario=scenario,
                                              allowed_origins=[ORIGIN])
    return world


def say(world, visitor, text, n):
    result = receive(InboundMessage(channel_id=world.channel.pk, external_id=f"{visitor}-{n}",
                                    contact_external_id=visitor, text=text))
    return Conversation.objects.select_related("contact").get(pk=result.conversation_id)


def client_for(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_collected_email_names_the_contact_and_history_finds_the_resolved_chat(world):
    conversation = say(world, "v_visitor123456", "hi", 1)
    summary = realtime.conversation_summary(conversation)
    assert summary["contact"]["name"] == ""  # no name yet, and never the visitor id
    say(world, "v_visitor123456", "ann.lee@example.com", 2)
    conversation = say(world, "v_visitor123456", "operator", 3)
    assert conversation.contact.email == "ann.lee@example.com"
    assert conversation.mode == "queued"
    queue.claim(world.operator, conversation.pk)
    queue.resolve(world.operator, conversation.pk)

    api = client_for(world.operator)
    found = api.get("/api/w/acme/conversations/?q=ann.lee@example&status=closed").json()["results"]
    assert [c["id"] for c in found] == [str(conversation.pk)]
    assert found[0]["contact"]["email"] == "ann.lee@example.com"
    assert api.get("/api/w/acme/conversations/?q=bob@example.com").json()["results"] == []
    detail = api.get(f"/api/w/acme/conversations/{conversation.pk}/").json()
    assert detail["variables"]["mail"] == "ann.lee@example.com"


def test_resolve_and_return_to_bot_events_carry_the_new_state(world):
    conversation = say(world, "v_other", "operator", 1)
    queue.claim(world.operator, conversation.pk)
    _, published = realtime.capturing(queue.return_to_bot)(world.operator, conversation.pk, "thanks")
    frames = [e["frame"] for _, e in published if e.get("type") == "inbox.event"]
    returned = next(f for f in frames if f["type"] == "returned_to_bot")
    assert returned["conversation"]["mode"] == "bot" and returned["conversation"]["id"] == str(conversation.pk)

    say(world, "v_other", "operator", 2)
    queue.claim(world.operator, conversation.pk)
    _, published = realtime.capturing(queue.resolve)(world.operator, conversation.pk)
    frames = [e["frame"] for _, e in published if e.get("type") == "inbox.event"]
    resolved = next(f for f in frames if f["type"] == "resolved")
    assert resolved["conversation"]["mode"] == "closed"
