"""Websocket group names and event payloads; events are published only after the transaction commits.

The channel layer is best-effort (drops over capacity, expires after 60 s): the database is the source of
truth, and a client that reconnects is replayed from `Message` by seq. Publishing after commit means no
client ever sees a message that a rollback later erased.
"""

from __future__ import annotations

import functools
import logging
import threading
from collections.abc import Callable
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

from runtime.realtime import forward
from runtime.realtime import layer as realtime_layer

log = logging.getLogger(__name__)
# Per worker thread: while a consumer's service call runs, committed events are collected here instead of
# being sent one by one through async_to_sync (each send would hop back to the event loop and wait).
_outbox = threading.local()


def conversation_group(conversation_id: Any) -> str:
    """The customer's sockets (widget) and operators viewing this conversation."""
    return f"conv.{conversation_id}"


def workspace_inbox_group(workspace_id: int) -> str:
    """Every inbox socket of the workspace: queue changes, presence, claims by others."""
    return f"inbox.{workspace_id}"


def operator_group(user_id: int) -> str:
    """One operator's sockets (all tabs, all processes)."""
    return f"operator.{user_id}"


def serialize_message(message: Any) -> dict[str, Any]:
    """The wire form of a Message shared by the widget and inbox protocols."""
    return {
        "id": message.pk,
        "conversation_id": str(message.conversation_id),
        "seq": message.seq,
        "sender": message.sender,
        "direction": message.direction,
        "text": message.text,
        "payload": message.payload,
        "node_id": message.node_id,
        "delivery": message.delivery,
        "operator": getattr(message.sender_user, "username", None) if message.sender_user_id else None,
        "operator_name": operator_display_name(message.sender_user) if message.sender_user_id else None,
        # The client id the widget (inbound) or the operator (outbound) sent: lets a client match its echo. An
        # inbound message stores a widget's id namespaced by visitor as external_id (older rows: the id itself).
        "client_id": (message.payload or {}).get("client_id")
        or (message.external_id if message.direction == "in" else None),
        "created_at": message.created_at.isoformat() if message.created_at else None,
    }


def send_now(group: str, event: dict[str, Any]) -> None:
    """Send from sync code now; inside a consumer's service call (`capturing`), queue it behind the events
    already collected so the client sees them in the order they happened."""
    items = getattr(_outbox, "items", None)
    if items is not None:
        items.append((group, event))
        return
    _send_sync(group, event)


def _send_sync(group: str, event: dict[str, Any]) -> None:
    if forward.active():  # a task worker on the in-memory layer: the sockets live in the server's process
        forward.send([(group, event)])
        return
    layer = get_channel_layer()
    if layer is not None:
        async_to_sync(realtime_layer.group_send)(layer, group, event)


def publish_on_commit(group: str, event: dict[str, Any]) -> None:
    """Send `event` to `group` once the current transaction commits (immediately if none is open).

    `event["type"]` names the consumer handler (e.g. "conv.message" → `conv_message`). Robust: the data is
    committed, so a layer outage is reported (realtime_layer.health) and clients resync from the database.
    """
    transaction.on_commit(lambda: send_now(group, event), robust=True)


def capturing(fn: Callable[..., Any]) -> Callable[..., tuple[Any, list[tuple[str, dict[str, Any]]]]]:
    """Wrap a sync service so the events it publishes on commit are returned with its result, for the async
    caller to send on its own loop (`send_all`). If the service fails after committing some work, what was
    captured is sent right away, so no committed event is lost."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> tuple[Any, list[tuple[str, dict[str, Any]]]]:
        previous = getattr(_outbox, "items", None)
        _outbox.items = items = []
        try:
            result = fn(*args, **kwargs)
        except BaseException:
            _outbox.items = previous
            for group, event in items:
                _send_sync(group, event)
            raise
        _outbox.items = previous
        return result, items

    return wrapper


# The consumer handler (FrameConsumer.events_batch) for several events to one group sent as one message.
BATCH = "events.batch"


def batched(items: list[tuple[str, dict[str, Any]]]) -> list[tuple[str, dict[str, Any]]]:
    """Consecutive events to the same group become one `events.batch` message, in order: a bot turn's
    inbound echo and replies cost one channel-layer publish and one delivery to each socket, not three."""
    out: list[tuple[str, dict[str, Any]]] = []
    for group, event in items:
        if out and out[-1][0] == group:
            last = out[-1][1]
            if last["type"] != BATCH:
                last = {"type": BATCH, "events": [last]}
                out[-1] = (group, last)
            last["events"].append(event)
        else:
            out.append((group, event))
    return out


async def send_all(items: list[tuple[str, dict[str, Any]]]) -> None:
    """Send captured events in commit order. A failed send is reported to realtime_layer.health (logged once per
    outage); the group's sockets are made to resync from the database once the layer works again."""
    layer = get_channel_layer()
    if layer is None:
        return
    for group, event in batched(items):
        await realtime_layer.group_send(layer, group, event)


def message_created(message: Any) -> None:
    """A message was stored: tell the conversation's group (the customer's widget sockets and the inbox sockets
    of operators who have or opened the chat)."""
    payload = {"type": "conv.message", "message": serialize_message(message)}
    publish_on_commit(conversation_group(message.conversation_id), payload)


def operator_display_name(user: Any) -> str:
    """What customers and colleagues see: the full name, else the username."""
    if user is None:
        return ""
    full = (user.get_full_name() or "").strip() if hasattr(user, "get_full_name") else ""
    return full or user.get_username()


def conversation_summary(conversation: Any) -> dict[str, Any]:
    """A conversation as the inbox lists it (queue rows, "mine", claimed/transferred events)."""
    contact = conversation.contact
    return {
        "id": str(conversation.pk),
        "mode": conversation.mode,
        "department": conversation.department.slug if conversation.department_id else None,
        "department_id": conversation.department_id,
        "assignee_id": conversation.assignee_id,
        "queued_at": conversation.queued_at.isoformat() if conversation.queued_at else None,
        "assigned_at": conversation.assigned_at.isoformat() if conversation.assigned_at else None,
        "last_message_at": conversation.last_message_at.isoformat() if conversation.last_message_at else None,
        "channel": {"id": conversation.channel_id, "kind": conversation.channel.kind, "name": conversation.channel.name},
        # No name yet: empty (the inbox shows the e-mail or phone, else a translated "visitor"), never the
        # channel's internal visitor id.
        "contact": {"id": contact.pk, "name": contact.name, "phone": contact.phone, "email": contact.email},
        "ref": conversation.ref,
        "handoff": {k: v for k, v in (conversation.handoff or {}).items() if k != "variables"},
    }


def publish_inbox(workspace_id: int, kind: str, data: dict[str, Any]) -> None:
    """An inbox event (`queued`, `claimed`, `transferred`, `resolved`, `returned_to_bot`, `presence`) on commit."""
    publish_on_commit(workspace_inbox_group(workspace_id), {"type": "inbox.event", "frame": {"type": kind, **data}})


def publish_conversation(conversation_id: Any, kind: str, data: dict[str, Any]) -> None:
    """A widget-facing conversation event (`queue`, `operator_joined`, `operator_left`, `closed`) on commit."""
    publish_on_commit(conversation_group(conversation_id), {"type": "conv.event", "frame": {"type": kind, **data}})

