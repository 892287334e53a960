"""Real-time fixtures: a workspace with departments, a published support scenario, a web channel, operators.

Everything is made through the real service functions. Websocket tests use `transactional_db` because the
consumers run their service calls on worker threads with their own connections and transactions.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from dataclasses import dataclass
from typing import Any

import pytest
from channels.testing import WebsocketCommunicator

from builder.models import Department, Workspace
from channels_app.asgi import application
from runtime import widget
from runtime.models import Channel
from tests.support.documents import document, node
from tests.support.users import make_user
from tests.support.world import add_departments, add_user, make_workspace, publish_document

ORIGIN = "https://shop.example.com"


SUPPORT_BOT = document(
    [
        node("welcome", "buttons", {"text": "Hi! How can we help?", "variable": "topic",
                                    "buttons": [{"id": "faq", "label": "FAQ"}, {"id": "sales", "label": "Sales"}]}),
        node("faq_answer", "message", {"text": "Our FAQ is at example.com/faq."}, 200),
        node("to_sales", "handoff", {"department": "sales", "message": "Connecting you to sales…",
                                     "note": "Lead from {{ref}}"}, 400),
        node("csat", "rating", {"prompt": "How did we do?", "ask_comment": False,
                                "thanks_text": "Thanks for rating us {{rating}}!"}, 600),
        node("bye", "end", {"text": "Bye!"}, 800),
    ],
    [("welcome", "faq", "faq_answer"), ("faq_answer", "next", "welcome"), ("welcome", "sales", "to_sales"),
     ("csat", "next", "bye")],
    name="Support bot",
    variables=[{"name": "topic", "type": "string"}],
    settings={"operator_button": {"enabled": True, "label": "Call operator", "department": "support"}},
)


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    """On SQLite use a file test database: consumers and racing threads use their own connections, and an
    in-memory shared-cache database fails them with "table is locked" instead of waiting (busy_timeout)."""
    from django.conf import settings

    db = settings.DATABASES["default"]
    name = None
    if db["ENGINE"] == "django.db.backends.sqlite3":
        name = os.path.join(tempfile.gettempdir(), f"botflow-realtime-test-{os.getpid()}.sqlite3")
        db.setdefault("TEST", {})["NAME"] = name
    yield
    if name:  # Django removes the database file; WAL mode leaves its -wal/-shm companions behind
        for suffix in ("-wal", "-shm"):
            with contextlib.suppress(FileNotFoundError):
                os.remove(name + suffix)


@dataclass
class World:
    workspace: Workspace
    admin: Any
    operator: Any
    operator2: Any
    support: Department
    sales: Department
    channel: Channel


def make_world(slug: str = "acme", *, assignment: str = Department.Assignment.OFF,
               support_hours: dict | None = None, out_of_hours_message: str = "") -> World:
    admin = make_user(f"{slug}-admin", first_name="Ada", last_name="Admin")
    workspace = make_workspace(slug, admin)
    operator = add_user(workspace, f"{slug}-olga", first_name="Olga")
    operator2 = add_user(workspace, f"{slug}-oleg", first_name="Oleg")
    support, sales = add_departments(workspace, assignment=assignment, business_hours_spec=support_hours,
                                     out_of_hours_message=out_of_hours_message)
    scenario = publish_document(workspace, "support-bot", SUPPORT_BOT, admin, name="Support bot")
    channel = widget.create_web_channel(workspace, scenario=scenario, allowed_origins=[ORIGIN])
    return World(workspace, admin, operator, operator2, support, sales, channel)


@pytest.fixture
def world(transactional_db) -> World:
    return make_world()


def widget_communicator(channel: Channel, query: str = "", origin: str = ORIGIN) -> WebsocketCommunicator:
    path = f"/ws/widget/{channel.key}/" + (f"?{query}" if query else "")
    headers = [(b"origin", origin.encode())] if origin else []
    return WebsocketCommunicator(application, path, headers=headers)


def inbox_communicator(cookie: str | None, workspace_slug: str) -> WebsocketCommunicator:
    headers = [(b"origin", b"http://testserver"), (b"host", b"testserver")]
    if cookie:
        headers.append((b"cookie", f"sessionid={cookie}".encode()))
    return WebsocketCommunicator(application, f"/ws/inbox/?workspace={workspace_slug}", headers=headers)


async def refusal(communicator: WebsocketCommunicator, code: str, close_code: int = 4403) -> dict[str, Any]:
    """Connect a socket the server accepts only to say why it refuses it (a bare refusal kept the widget
    reconnecting): the `error` frame, whose code must be `code`, once the socket is closed with `close_code`."""
    connected, _ = await communicator.connect()
    assert connected
    error = await communicator.receive_json_from(timeout=5)
    assert error["type"] == "error" and error["code"] == code, error
    assert await communicator.receive_output(timeout=5) == {"type": "websocket.close", "code": close_code}
    return error


async def receive_until(communicator: WebsocketCommunicator, frame_type: str, *, timeout: float = 5,
                        match: Any = None) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Read frames until one of `frame_type` (matching `match(frame)` if given); returns it and the frames before."""
    seen = []
    while True:
        frame = await communicator.receive_json_from(timeout=timeout)
        if frame["type"] == frame_type and (match is None or match(frame)):
            return frame, seen
        seen.append(frame)
