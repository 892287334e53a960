"""Pipeline fixtures: workspaces, published scenarios and channels made through the real services."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from django.contrib.auth import get_user_model

from builder import services as builder
from builder.models import Role, Scenario
from channels_app.services import create_department
from runtime.connectors.base import InboundMessage
from runtime.engine.loader import clear_cache
from runtime.models import Channel, Conversation, Message
from runtime.services import ReceiveResult, receive

PASSWORD = "Corr3ct-horse-battery"
_ids = itertools.count(1)


def node(node_id: str, node_type: str, **data: Any) -> dict[str, Any]:
    return {"id": node_id, "type": node_type, "position": {"x": 0, "y": 0}, "data": data}


def document(nodes: list[dict[str, Any]], edges: list[tuple[str, str, str]] = (), *, name: str = "Test",
             settings: dict[str, Any] | None = None, variables: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {
        "format": "botflow/scenario",
        "version": 1,
        "name": name,
        "start": nodes[0]["id"],
        "variables": variables or [],
        "settings": settings or {},
        "nodes": nodes,
        "edges": [{"id": f"e{i}", "source": s, "source_port": p, "target": t} for i, (s, p, t) in enumerate(edges)],
    }


def welcome_document(greeting: str = "Welcome!") -> dict[str, Any]:
    """buttons → (sales) ask e-mail → thanks → end; (support) handoff to support."""
    return document(
        [
            node("welcome", "buttons", text=greeting,
                 buttons=[{"id": "sales", "label": "Sales"}, {"id": "support", "label": "Support"}]),
            node("ask_email", "ask", prompt="Your e-mail?", variable="email", kind="email",
                 validation_message="That is not an e-mail.", retries=1),
            node("thanks", "message", text="Thanks, {{email}}!"),
            node("bye", "end", text="Bye!"),
            node("to_support", "handoff", department="support", message="Connecting you…", note="From {{ref}}"),
        ],
        [("welcome", "sales", "ask_email"), ("welcome", "support", "to_support"), ("ask_email", "next", "thanks"),
         ("ask_email", "invalid", "to_support"), ("thanks", "next", "bye")],
        variables=[{"name": "email", "type": "string", "default": ""}],
        settings={"operator_button": {"department": "support"}},
    )


def publish_document(workspace, slug: str, doc: dict[str, Any], user=None) -> Scenario:
    """Create the scenario (or save a new draft of it) and publish it through builder.services."""
    scenario = Scenario.objects.filter(workspace=workspace, slug=slug).first()
    if scenario is None:
        scenario = builder.create_scenario(workspace, slug.title(), slug=slug, document=doc, user=user)
    else:
        builder.save_draft(scenario, doc, scenario.revision, user)
    builder.publish(scenario, user)
    scenario.refresh_from_db()
    return scenario


def make_channel(workspace, scenario: Scenario | None, kind: str = Channel.Kind.WEB) -> Channel:
    # No channel service exists yet; channels are plain rows configured by admins.
    return Channel.objects.create(workspace=workspace, kind=kind, name=f"{kind} channel", scenario=scenario)


def say(channel: Channel, text: str = "", *, contact: str = "visitor-1", button: str | None = None,
        external_id: str | bool | None = True, is_start: bool = False, ref: str | None = None) -> ReceiveResult:
    if external_id is True:
        external_id = f"m-{next(_ids)}"
    return receive(InboundMessage(channel_id=channel.pk, external_id=external_id or None, contact_external_id=contact,
                                  text=text, button_id=button, is_start=is_start, ref=ref))


def start(channel: Channel, *, contact: str = "visitor-1", ref: str | None = None) -> ReceiveResult:
    return say(channel, contact=contact, is_start=True, external_id=None, ref=ref)


def texts(result: ReceiveResult, sender: str | None = Message.Sender.BOT) -> list[str]:
    return [m.text for m in result.messages if sender is None or m.sender == sender]


def transcript(conversation_id) -> list[tuple[int, str, str]]:
    return list(Message.objects.filter(conversation_id=conversation_id).order_by("seq")
                .values_list("seq", "sender", "text"))


def conversation(result: ReceiveResult) -> Conversation:
    return Conversation.objects.select_related("contact", "department").get(pk=result.conversation_id)


@pytest.fixture(autouse=True)
def _fresh_compile_cache():
    # Version ids repeat across test databases; compiled scenarios must not leak between tests.
    from runtime.pipeline import scenarios

    clear_cache()
    scenarios._cache.clear()
    yield
    clear_cache()
    scenarios._cache.clear()


@pytest.fixture
def owner(db):
    return get_user_model().objects.create_user(username="owner", password=PASSWORD)


@pytest.fixture
def workspace(owner):
    ws = builder.create_workspace("Acme", "acme", owner=owner)
    create_department(ws, name="Support", slug="support")
    create_department(ws, name="Sales", slug="sales")
    return ws


@pytest.fixture
def editor(workspace):
    user = get_user_model().objects.create_user(username="eddie", password=PASSWORD)
    builder.add_member(workspace, user, Role.EDITOR)
    return user


@pytest.fixture
def welcome(workspace, owner) -> Scenario:
    return publish_document(workspace, "welcome", welcome_document(), owner)


@pytest.fixture
def web(workspace, welcome) -> Channel:
    return make_channel(workspace, welcome)


# Real db_worker processes on the test database, a loopback server that holds requests, a Telegram channel on
# the provider double (tests/runtime/pipeline/live_workers.py).
from tests.runtime.pipeline.live_workers import holding_server, telegram, workers  # noqa: E402,F401
