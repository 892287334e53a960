"""Helpers for widget abuse tests: the real ASGI application through channels' WebsocketCommunicator."""

from __future__ import annotations

import json
from typing import Any

from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator

from channels_app.asgi import application
from tests.channels_app.conftest import ORIGIN


def widget_socket(channel: Any, query: str = "", ip: str | None = "203.0.113.7") -> WebsocketCommunicator:
    """A widget socket from client address `ip` (the ASGI scope's `client`, as daphne sets it)."""
    path = f"/ws/widget/{channel.key}/" + (f"?{query}" if query else "")
    communicator = WebsocketCommunicator(application, path, headers=[(b"origin", ORIGIN.encode())])
    if ip is not None:
        # The application task has not started yet: it sees this scope.
        communicator.scope["client"] = (ip, 50000)
    return communicator


async def open_session(channel: Any, query: str = "", ip: str | None = "203.0.113.7") -> tuple[WebsocketCommunicator, dict]:
    """Connect and read the `session` frame; the bot's greeting follows."""
    communicator = widget_socket(channel, query, ip)
    connected, _ = await communicator.connect()
    assert connected
    session = await communicator.receive_json_from(timeout=5)
    assert session["type"] == "session", session
    return communicator, session


async def drain(communicator: WebsocketCommunicator, quiet: float = 0.3) -> list[dict[str, Any]]:
    """Every frame that arrives until the socket stays quiet for `quiet` seconds (or closes)."""
    frames = []
    while not await communicator.receive_nothing(quiet):
        output = await communicator.receive_output(timeout=1)
        if output["type"] == "websocket.close":
            frames.append({"type": "websocket.close", "code": output.get("code")})
            break
        frames.append(json.loads(output["text"]))
    return frames


@database_sync_to_async
def inbound_texts(conversation_id: Any) -> list[str]:
    from runtime.models import Message

    return list(Message.objects.filter(conversation_id=conversation_id, direction="in").order_by("seq")
                .values_list("text", flat=True))
