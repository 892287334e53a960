"""Pipeline fixtures: workspaces, published scenarios and channels made through the real services."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from builder.models import Scenario
from runtime.connectors.base import InboundMessage
from runtime.models import Channel, Conversation, Message
from runtime.services import ReceiveResult, receive
from tests.support.documents import document, node
from tests.support.users import make_user
from tests.support.world import publish_document

_ids = itertools.count(1)


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


def http_document(url: str, timeout_seconds: int = 30) -> dict[str, Any]:
    """lookup (GET url, maps $.order.status) → ok / failed message → end."""
    return document(
        [node("lookup", "http_request", method="GET", url=url, timeout_seconds=timeout_seconds,
              response_mapping=[{"variable": "status", "path": "$.order.status"}]),
         node("ok", "message", text="Your order is {{status}}."),
         node("failed", "message", text="Lookup failed ({{http_status|no status}})."),
         node("bye", "end")],
        [("lookup", "ok", "ok"), ("lookup", "error", "failed"), ("ok", "next", "bye"), ("failed", "next", "bye")],
        variables=[{"name": "status", "type": "string"}],
    )


def waiter_document(seconds: int) -> dict[str, Any]:
    return document([node("hold", "message", text="Please wait"), node("pause", "wait", seconds=seconds),
                     node("done", "message", text="Done waiting"), node("bye", "end")],
                    [("hold", "next", "pause"), ("pause", "next", "done"), ("done", "next", "bye")])


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


@pytest.fixture
def owner(db):
    return make_user("owner")


@pytest.fixture
def welcome(workspace, owner) -> Scenario:
    return publish_document(workspace, "welcome", welcome_document(), owner)


@pytest.fixture
def web(workspace, welcome) -> Channel:
    return make_channel(workspace, welcome)


# Real db_worker processes on the test database, a loopback server that holds requests, a Telegram channel on
# the provider double (tests/runtime/pipeline/live_workers.py).
from tests.runtime.pipeline.live_workers import holding_server, telegram, workers  # noqa: E402,F401
