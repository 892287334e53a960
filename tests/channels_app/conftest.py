"""Real-time fixtures: a workspace with departments, a published support scenario, a web channel, operators.

Everything is made through the real service functions. Websocket tests use `transactional_db` because the
consumers run their service calls on worker threads with their own connections and transactions.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from dataclasses import dataclass
from typing import Any

import pytest
from channels.testing import WebsocketCommunicator
from django.contrib.auth import get_user_model
from django.test import Client

from builder import services as builder_services
from builder.models import Department, Role, Workspace
from channels_app import services
from channels_app.asgi import application
from runtime import widget
from runtime.models import Channel

ORIGIN = "https://shop.example.com"
PASSWORD = "Corr3ct-horse-battery"


def node(node_id: str, kind: str, data: dict[str, Any], x: int = 0) -> dict[str, Any]:
    return {"id": node_id, "type": kind, "position": {"x": x, "y": 0}, "data": data}


SUPPORT_BOT = {
    "format": "botflow/scenario",
    "version": 1,
    "name": "Support bot",
    "start": "welcome",
    "variables": [{"name": "topic", "type": "string"}],
    "settings": {"operator_button": {"enabled": True, "label": "Call operator", "department": "support"}},
    "nodes": [
        node("welcome", "buttons", {"text": "Hi! How can we help?", "variable": "topic",
                                    "buttons": [{"id": "faq", "label": "FAQ"}, {"id": "sales", "label": "Sales"}]}),
        node("faq_answer", "message", {"text": "Our FAQ is at example.com/faq."}, 200),
        node("to_sales", "handoff", {"department": "sales", "message": "Connecting you to sales…",
                                     "note": "Lead from {{ref}}"}, 400),
        node("csat", "rating", {"prompt": "How did we do?", "ask_comment": False,
                                "thanks_text": "Thanks for rating us {{rating}}!"}, 600),
        node("bye", "end", {"text": "Bye!"}, 800),
    ],
    "edges": [
        {"id": "e1", "source": "welcome", "source_port": "faq", "target": "faq_answer"},
        {"id": "e2", "source": "faq_answer", "source_port": "next", "target": "welcome"},
        {"id": "e3", "source": "welcome", "source_port": "sales", "target": "to_sales"},
        {"id": "e4", "source": "csat", "source_port": "next", "target": "bye"},
    ],
}


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


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@dataclass
class World:
    workspace: Workspace
    admin: Any
    operator: Any
    operator2: Any
    support: Department
    sales: Department
    channel: Channel


def make_user(username: str, **extra: Any):
    return get_user_model().objects.create_user(username=username, password=PASSWORD, **extra)


def make_world(slug: str = "acme", *, assignment: str = Department.Assignment.OFF,
               support_hours: dict | None = None, out_of_hours_message: str = "") -> World:
    admin = make_user(f"{slug}-admin", first_name="Ada", last_name="Admin")
    workspace = builder_services.create_workspace(slug.title(), slug, owner=admin)
    operator = make_user(f"{slug}-olga", first_name="Olga")
    operator2 = make_user(f"{slug}-oleg", first_name="Oleg")
    builder_services.add_member(workspace, operator, Role.OPERATOR)
    builder_services.add_member(workspace, operator2, Role.OPERATOR)
    support = services.create_department(workspace, name="Support", slug="support", assignment=assignment,
                                         business_hours_spec=support_hours, out_of_hours_message=out_of_hours_message)
    sales = services.create_department(workspace, name="Sales", slug="sales", assignment=assignment)
    scenario = builder_services.create_scenario(workspace, "Support bot", user=admin, slug="support-bot",
                                                document=json.loads(json.dumps(SUPPORT_BOT)))
    builder_services.publish(scenario, admin)
    channel = widget.create_web_channel(workspace, scenario=scenario, allowed_origins=[ORIGIN])
    return World(workspace, admin, operator, operator2, support, sales, channel)


@pytest.fixture
def world(transactional_db) -> World:
    return make_world()


def session_cookie(user: Any) -> str:
    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value


def widget_communicator(channel: Channel, query: str = "", origin: str = ORIGIN) -> WebsocketCommunicator:
    path = f"/ws/widget/{channel.key}/" + (f"?{query}" if query else "")
    headers = [(b"origin", origin.encode())] if origin else []
    return WebsocketCommunicator(application, path, headers=headers)


def inbox_communicator(cookie: str | None, workspace_slug: str) -> WebsocketCommunicator:
    headers = [(b"origin", b"http://testserver"), (b"host", b"testserver")]
    if cookie:
        headers.append((b"cookie", f"sessionid={cookie}".encode()))
    return WebsocketCommunicator(application, f"/ws/inbox/?workspace={workspace_slug}", headers=headers)


async def receive_until(communicator: WebsocketCommunicator, frame_type: str, *, timeout: float = 5,
                        match: Any = None) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Read frames until one of `frame_type` (matching `match(frame)` if given); returns it and the frames before."""
    seen = []
    while True:
        frame = await communicator.receive_json_from(timeout=timeout)
        if frame["type"] == frame_type and (match is None or match(frame)):
            return frame, seen
        seen.append(frame)
