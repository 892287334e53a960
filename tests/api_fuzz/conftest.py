"""A populated workspace for the API fuzz and tenancy tests, built through the real service functions.

`build_world(slug)` gives a workspace with an editor (with an API token), a scenario with a published
version, a department, a canned reply, a web channel with a real conversation, a WhatsApp channel, and a
live draft-preview conversation: enough that every path parameter of the API can point at a real object.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.signals import got_request_exception
from django.test.client import ClientHandler
from rest_framework.authtoken.models import Token

from builder import services as builder_services
from builder.models import Department, Role, Scenario, Workspace
from channels_app import services as inbox_services
from channels_app.models import CannedReply
from runtime import preview, widget
from runtime.channels_api import create_messenger_channel
from runtime.connectors.base import InboundMessage
from runtime.models import Channel, Conversation
from runtime.services import receive
from tests.support.documents import full_document
from tests.support.users import make_user
from tests.support.world import add_departments, add_user, make_workspace, publish_document


@dataclass
class World:
    workspace: Workspace
    admin: Any
    editor: Any
    token: str
    admin_token: str
    scenario: Scenario
    department: Department
    canned: CannedReply
    web_channel: Channel
    messenger: Channel
    conversation: Conversation
    preview_id: str

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Token {self.token}"}

    @property
    def admin_auth(self) -> dict[str, str]:
        return {"Authorization": f"Token {self.admin_token}"}


def build_world(slug: str) -> World:
    admin = make_user(f"{slug}-admin")
    workspace = make_workspace(slug, admin)
    editor = add_user(workspace, f"{slug}-editor", Role.EDITOR)
    _support, department = add_departments(workspace)
    canned = inbox_services.create_canned_reply(workspace, title="Hi", shortcut="hi", text="Hello!")
    builder_services.create_scenario(workspace, "FAQ", user=admin, slug="faq")
    scenario = publish_document(workspace, "welcome", full_document(), admin, name="Welcome", note="v1")
    web_channel = widget.create_web_channel(workspace, scenario=scenario)
    messenger, _ = create_messenger_channel(
        workspace, kind="whatsapp", name="WhatsApp", config={"phone_number_id": "123"},
        secrets={"access_token": "token-xyz", "app_secret": "secret-xyz"}, register_webhook=False,
    )
    receive(InboundMessage(channel_id=web_channel.pk, external_id=f"{slug}-m1",
                           contact_external_id=f"{slug}-visitor", text="hello"))
    conversation = Conversation.objects.get(channel=web_channel)
    turn = preview.start_preview(scenario, user=editor)
    token = Token.objects.create(user=editor).key
    admin_token = Token.objects.create(user=admin).key
    return World(workspace, admin, editor, token, admin_token, scenario, department, canned, web_channel, messenger,
                 conversation, str(turn.conversation_id))


@pytest.fixture
def world(db) -> World:
    return build_world("acme")


class ServerErrors:
    """Collects the exceptions Django turned into 500 responses, so a failure shows the traceback."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    def __call__(self, sender: Any, request: Any = None, **kwargs: Any) -> None:
        import traceback

        self.seen.append("".join(traceback.format_exception(*sys.exc_info())))


server_errors = ServerErrors()
got_request_exception.connect(server_errors, weak=False)


_handler = ClientHandler(enforce_csrf_checks=True)


def wsgi_app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    """The Django app as a WSGI callable that keeps the test's database connection and transaction.

    Django's own WSGIHandler closes "old" connections at the end of every request, which inside a test
    transaction marks it broken; the test client's handler does not. Exceptions still become 500s.
    """
    response = _handler(environ)
    status = f"{response.status_code} {response.reason_phrase}"
    headers = [(k, v) for k, v in response.items()]
    headers += [("Set-Cookie", c.output(header="").strip()) for c in response.cookies.values()]
    start_response(status, headers)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return [body]
