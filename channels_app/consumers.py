"""Websocket consumers: parse → authorize → call a service → reply. No business logic here.

Service calls run on a dedicated thread pool (`call`, thread_sensitive=False): each manages its own transaction,
and the default thread-sensitive mode would serialise every ORM call of the process on one thread.
"""

from __future__ import annotations

import contextlib
import functools
import json
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import parse_qs

from channels.consumer import get_handler_name
from channels.db import DatabaseSyncToAsync
from channels.exceptions import StopConsumer
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from channels.layers import get_channel_layer
from channels.utils import await_many_dispatch
from django.conf import settings

from builder.text_input import MESSAGE as TEXT_MESSAGE
from builder.text_input import find_bad_text
from channels_app import presence, queue, services
from runtime import widget
from runtime.errors import ActionError
from runtime.realtime import layer as realtime_layer
from runtime.realtime import publish as realtime

log = logging.getLogger(__name__)

# Close codes (4000–4999 are the application's): the handshake/session was refused.
CLOSE_FORBIDDEN = 4403
CLOSE_BAD_SESSION = 4401
CLOSE_ABUSE = 4429
# The channel layer failed (live events may be lost) or is down: reconnect (with backoff) and be replayed.
CLOSE_LAYER_UNAVAILABLE = realtime_layer.CLOSE_LAYER_UNAVAILABLE


# Service calls spend most of their time waiting on the database, so they get their own pool, larger than the
# loop's default (cpu + 4); each thread keeps one persistent database connection (size it with PostgreSQL's
# max_connections in mind: ASGI_DB_THREADS × processes).
_service_pool = ThreadPoolExecutor(max_workers=settings.ASGI_DB_THREADS, thread_name_prefix="service")
# A fast lane for the one read a websocket handshake needs before it is accepted: behind a backlog of bot
# turns in the service pool it would outlast the server's handshake timeout and the customer could not connect.
_handshake_pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="handshake")


async def call(fn: Any, *args: Any, _pool: ThreadPoolExecutor = _service_pool, **kwargs: Any) -> Any:
    """Run a sync service off the event loop, on any worker thread (the service owns its transaction), then
    publish the events it committed from this loop: one thread hop per action instead of one per event."""
    service = DatabaseSyncToAsync(realtime.capturing(fn), thread_sensitive=False, executor=_pool)
    result, published = await service(*args, **kwargs)
    if published:
        await realtime.send_all(published)
    return result


def _query(scope: dict[str, Any]) -> dict[str, str]:
    raw = parse_qs(scope.get("query_string", b"").decode("latin-1"))
    return {k: v[0] for k, v in raw.items() if v}


def _client_ip(scope: dict[str, Any]) -> str | None:
    """The peer address the server saw. Behind a reverse proxy that is the proxy's: run daphne with
    --proxy-headers (or a proxy-headers middleware) so the scope carries the visitor's address."""
    client = scope.get("client")
    return str(client[0]) if client else None


def _header(scope: dict[str, Any], name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return value.decode("latin-1")
    return None


class FrameConsumer(AsyncJsonWebsocketConsumer):
    """JSON frames with a size limit, a per-connection token bucket and error frames instead of drops."""

    max_frame_bytes = 8 * 1024
    rate_per_second = 10.0
    burst = 20.0
    # Rejected frames (flood, oversize, garbage) tolerated before the socket is closed as abusive.
    max_violations = 100
    # frame type → handler method name
    actions: dict[str, str] = {}

    # Layer-outage state (realtime_layer.health): handlers being run, a resync asked for, accepted / closed.
    _busy = 0
    _resync_reason: str | None = None
    _accepted = False
    _closed = False

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        # channels' AsyncConsumer.__call__, except that a layer that cannot subscribe the socket (Redis down)
        # answers `error` `unavailable` + close 4503 instead of failing the handshake with an HTTP 500.
        self.scope = scope
        self.channel_layer = get_channel_layer(self.channel_layer_alias)
        sources = [receive]
        if self.channel_layer is not None:
            try:
                self.channel_name = await self.channel_layer.new_channel()
            except Exception as exc:
                realtime_layer.health.failed("subscribe", exc)
                await realtime_layer.refuse_unavailable(receive, send)
                return
            sources.append(functools.partial(self.channel_layer.receive, self.channel_name))
        self.base_send = send
        with contextlib.suppress(StopConsumer):
            await await_many_dispatch(sources, self.dispatch)

    async def dispatch(self, message: dict[str, Any]) -> None:
        # Channels (≥ 4.2) hops to the process's one thread-sensitive thread before every message to close
        # stale connections for the async ORM. These consumers never touch the ORM on the loop: every database
        # call goes through `call` (DatabaseSyncToAsync closes stale connections in the thread that owns them),
        # so the hop only serialised every frame and event of the process through one thread.
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        if self._closed and message["type"] != "websocket.disconnect":
            return  # closed by the server: nothing more can be sent on it
        self._busy += 1
        try:
            await handler(message)
        finally:
            self._busy -= 1
        if self._resync_reason is not None and not self._busy:
            await self._close_for_resync()

    async def accept(self, subprotocol: str | None = None, headers: Any = None) -> None:
        await super().accept(subprotocol, headers)
        self._accepted = True

    async def close(self, code: int | None = None, reason: str | None = None) -> None:
        self._closed = True
        await super().close(code, reason)

    async def request_resync(self, reason: str) -> None:
        """This socket may have missed layer events: close it with 4503 so the client reconnects and is replayed
        from the database. Never in the middle of a handler (its frames would be cut off): then right after it."""
        if self._resync_reason is None:
            self._resync_reason = reason
        if not self._busy:
            await self._close_for_resync()

    async def _close_for_resync(self) -> None:
        if self._accepted and not self._closed:
            await self.close(code=CLOSE_LAYER_UNAVAILABLE, reason=self._resync_reason)

    async def layer_resync(self, event: dict[str, Any]) -> None:
        """A publish to one of this socket's groups failed somewhere (realtime_layer.health.recover)."""
        await self.request_resync(str(event.get("reason") or "layer_recovered"))

    async def websocket_connect(self, message: dict[str, Any]) -> None:
        realtime_layer.health.register(self)
        self._tokens = self.burst
        self._stamp = time.monotonic()
        self._violations = 0
        self._ready = False
        await super().websocket_connect(message)

    def _take_token(self) -> bool:
        now = time.monotonic()
        self._tokens = min(self.burst, self._tokens + (now - self._stamp) * self.rate_per_second)
        self._stamp = now
        if self._tokens >= 1:
            self._tokens -= 1
            return True
        return False

    async def send_error(self, code: str, message: str, *, client_id: Any = None, action: str | None = None,
                         extra: dict[str, Any] | None = None) -> None:
        frame: dict[str, Any] = {**(extra or {}), "type": "error", "code": code, "message": message}
        if client_id is not None:
            frame["client_id"] = client_id
        if action is not None:
            frame["action"] = action
        await self.send_json(frame)

    async def _violation(self, code: str, message: str) -> None:
        self._violations += 1
        await self.send_error(code, message)
        if self._violations >= self.max_violations:
            await self.close(code=CLOSE_ABUSE)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if not getattr(self, "_ready", False):
            return
        if not self._take_token():
            await self._violation("rate_limited", f"Too many frames; at most {self.rate_per_second:g} per second.")
            return
        if text_data is None:
            await self._violation("binary_not_supported", "Send JSON text frames.")
            return
        if len(text_data) > self.max_frame_bytes or len(text_data.encode("utf-8")) > self.max_frame_bytes:
            await self._violation("frame_too_large", f"Frames are limited to {self.max_frame_bytes} bytes.")
            return
        try:
            content = json.loads(text_data)
        except ValueError:
            await self._violation("bad_json", "The frame is not valid JSON.")
            return
        bad = find_bad_text(content)
        if bad is not None:
            # A lone surrogate (\ud800) cannot be stored: say where, instead of failing the action.
            client_id = content.get("client_id") if isinstance(content, dict) else None
            await self.send_error("bad_text", TEXT_MESSAGE, extra={"where": bad},
                                  client_id=client_id if find_bad_text(client_id) is None else None)
            return
        if not isinstance(content, dict) or not isinstance(content.get("type"), str):
            await self._violation("bad_frame", 'A frame is a JSON object with a "type".')
            return
        kind = content["type"]
        handler = self.actions.get(kind)
        if handler is None:
            await self._violation("unknown_type", f"Unknown frame type {kind[:40]!r}.")
            return
        client_id = content.get("client_id")
        try:
            await getattr(self, handler)(content)
        except ActionError as exc:
            await self.send_error(exc.code, exc.message, client_id=client_id, action=kind,
                                  extra=getattr(exc, "extra", None))
        except Exception:
            # Never a dropped socket for one failed action; log the type only (frames may hold personal data).
            log.exception("websocket action %s failed", kind)
            await self.send_error("internal_error", "Something went wrong; please retry.", client_id=client_id,
                                  action=kind)

    async def events_batch(self, event: dict[str, Any]) -> None:
        """Several events to one group in one layer message (realtime.batched): handle each, in order."""
        for inner in event.get("events") or ():
            if inner.get("type") != realtime.BATCH:
                await self.dispatch(inner)

    async def _join(self, group: str) -> None:
        if group not in self._groups:
            self._groups.add(group)
            try:
                await self.channel_layer.group_add(group, self.channel_name)
            except Exception as exc:
                # Deaf to the group until it reconnects: closed with 4503 once the layer works again.
                realtime_layer.health.failed("group_add", exc, socket=self)

    async def _leave(self, group: str) -> None:
        self._groups.discard(group)
        try:
            await self.channel_layer.group_discard(group, self.channel_name)
        except Exception as exc:  # a stray subscription at worst (events for a group nobody here is in are dropped)
            realtime_layer.health.failed("group_discard", exc)

    async def disconnect(self, code: int) -> None:
        realtime_layer.health.unregister(self)
        for group in list(getattr(self, "_groups", ())):
            await self._leave(group)  # never raises: the subclass still releases its presence


class WidgetConsumer(FrameConsumer):
    """A customer's chat on a website: `/ws/widget/<widget_key>/?token=…&last_seq=N&ref=…`."""

    actions = {"message": "on_message", "button": "on_button", "typing": "on_typing"}

    async def connect(self) -> None:
        self._groups: set[str] = set()
        self._sent_seq = 0
        key = self.scope["url_route"]["kwargs"]["widget_key"]
        params = _query(self.scope)
        # Few database calls per handshake (each waits its turn in the pool behind bot turns under load):
        # one before accept, one to start a new visitor's conversation, one for the opening frames.
        shake = await call(widget.handshake, key, _header(self.scope, b"origin"), params.get("token"),
                           _header(self.scope, b"host"), client_ip=_client_ip(self.scope), _pool=_handshake_pool)
        if shake.refused is not None:
            # A page not allowed to embed this chat, or no such widget: a refusal before accept reaches the
            # browser as a bare 403, so accept, say why (the widget logs it for the site owner), close for good.
            await self.accept()
            await self.send_error(shake.refused_code, shake.refused)
            await self.close(code=CLOSE_FORBIDDEN)
            return
        if shake.channel is None:
            await self.close(code=CLOSE_FORBIDDEN)  # before accept: the handshake is refused
            return
        self.web_channel = channel = shake.channel
        try:
            last_seq = max(0, int(params.get("last_seq", "0") or 0))
        except ValueError:
            last_seq = 0
        await self.accept()
        try:
            if shake.error is not None:
                raise shake.error
            if shake.conversation_id is None:
                visitor_id, conversation_id = await call(widget.start_conversation, channel, params.get("ref", ""))
            else:
                visitor_id, conversation_id = shake.visitor_id, shake.conversation_id
        except ActionError as exc:
            await self.send_error(exc.code, exc.message)
            await self.close(code=CLOSE_ABUSE if exc.code == "rate_limited" else CLOSE_BAD_SESSION)
            return
        self.visitor_id = visitor_id
        self.conversation_id = str(conversation_id)
        # Join before reading the replay: whatever commits in between arrives live, deduplicated by seq.
        await self._join(realtime.conversation_group(self.conversation_id))
        await self._send_opening(await call(widget.opening_frames, channel, visitor_id, self.conversation_id,
                                            last_seq))
        self._ready = True

    async def _send_opening(self, frames: list[dict[str, Any]]) -> None:
        for frame in frames:
            if frame["type"] == "message":
                await self._send_message(frame)
            else:
                await self.send_json(frame)

    async def _send_message(self, frame: dict[str, Any]) -> None:
        # Replay and live events can overlap right after connect: seq makes delivery exactly-once per socket.
        if frame["seq"] <= self._sent_seq:
            return
        self._sent_seq = frame["seq"]
        await self.send_json(frame)

    async def _follow(self, conversation_id: str) -> None:
        """The customer wrote after their conversation closed and the pipeline opened a new one: move this
        socket to it (new session frame, replay from its start).

        Only to a conversation of this socket's own visitor: opening_frames refuses any other (`forbidden`) and
        the socket stays where it was. Layer events are dispatched one at a time after this handler returns, so
        joining the group before that check lets nothing of a refused conversation through."""
        if conversation_id == self.conversation_id:
            return
        new = realtime.conversation_group(conversation_id)
        await self._join(new)  # before the replay read: what commits in between arrives live (deduped by seq)
        try:
            frames = await call(widget.opening_frames, self.web_channel, self.visitor_id, conversation_id, 0)
        except BaseException:
            await self._leave(new)
            raise
        await self._leave(realtime.conversation_group(self.conversation_id))
        self.conversation_id = conversation_id
        self._sent_seq = 0
        await self._send_opening(frames)

    # client frames
    async def on_message(self, content: dict[str, Any]) -> None:
        conversation_id = await call(widget.customer_input, self.web_channel.pk, self.visitor_id,
                                     client_id=content.get("client_id"), text=content.get("text"))
        await self._follow(conversation_id)

    async def on_button(self, content: dict[str, Any]) -> None:
        button_id = content.get("button_id")
        if button_id is None:
            raise ActionError("invalid", "button_id is required")
        conversation_id = await call(widget.customer_input, self.web_channel.pk, self.visitor_id,
                                     client_id=content.get("client_id"), button_id=button_id)
        await self._follow(conversation_id)

    async def on_typing(self, content: dict[str, Any]) -> None:
        # Ephemeral: a failed send is reported (realtime_layer.health) but needs no resync.
        await realtime_layer.group_send(self.channel_layer, realtime.conversation_group(self.conversation_id), {
            "type": "conv.typing",
            "frame": {"type": "typing", "conversation_id": self.conversation_id, "who": "customer",
                      "on": bool(content.get("on")), "name": "", "user_id": None},
        }, resync=False)

    # channel-layer events
    async def conv_message(self, event: dict[str, Any]) -> None:
        frame = widget.widget_message(event["message"])
        if frame is not None:
            await self._send_message(frame)

    async def conv_typing(self, event: dict[str, Any]) -> None:
        frame = event["frame"]
        if frame.get("who") != "customer":
            await self.send_json({"type": "typing", "on": frame["on"], "who": frame["who"], "name": frame["name"]})

    async def conv_event(self, event: dict[str, Any]) -> None:
        await self.send_json(event["frame"])


class InboxConsumer(FrameConsumer):
    """An operator's inbox: `/ws/inbox/?workspace=<slug>` (session-authenticated workspace members)."""

    actions = {
        "claim": "on_claim", "reply": "on_reply", "note": "on_note", "typing": "on_typing",
        "transfer": "on_transfer", "resolve": "on_resolve", "return_to_bot": "on_return_to_bot",
        "set_presence": "on_set_presence", "open": "on_open", "canned": "on_canned",
        "send_template": "on_send_template",
    }

    async def connect(self) -> None:
        self._groups = set()
        self._counted = False
        self._visible: set[str] = set()
        self.user = self.scope.get("user")
        slug = _query(self.scope).get("workspace", "")
        workspace = None
        if self.user is not None and self.user.is_authenticated:
            workspace = await call(services.inbox_workspace, self.user, slug, _pool=_handshake_pool)
        if workspace is None:
            await self.close(code=CLOSE_FORBIDDEN)
            return
        self.workspace_id = workspace.pk
        await self.accept()
        await self._join(realtime.workspace_inbox_group(self.workspace_id))
        await call(presence.socket_opened, self.user, self.workspace_id)
        self._counted = True
        snapshot = await call(services.snapshot, self.user, self.workspace_id)
        for chat in snapshot["mine"]:
            await self._watch(chat["id"])
        await self.send_json({"type": "snapshot", **snapshot})
        self._ready = True

    async def disconnect(self, code: int) -> None:
        await super().disconnect(code)
        if getattr(self, "_counted", False):
            self._counted = False
            await call(presence.socket_closed, self.user, self.workspace_id)

    async def _watch(self, conversation_id: str) -> None:
        self._visible.add(str(conversation_id))
        await self._join(realtime.conversation_group(conversation_id))

    async def _ack(self, content: dict[str, Any], **extra: Any) -> None:
        await self.send_json({"type": "ack", "action": content["type"], "ok": True,
                              "client_id": content.get("client_id"), **extra})

    def _kw(self) -> dict[str, Any]:
        return {"workspace_id": self.workspace_id}

    # actions
    async def on_claim(self, content: dict[str, Any]) -> None:
        conversation = await call(queue.claim, self.user, content.get("conversation_id"), **self._kw())
        await self._watch(str(conversation.pk))
        await self._ack(content, conversation_id=str(conversation.pk))

    async def on_reply(self, content: dict[str, Any]) -> None:
        message = await call(services.reply, self.user, content.get("conversation_id"), content.get("text"),
                             content.get("client_id"), **self._kw())
        await self._ack(content, conversation_id=str(message.conversation_id), seq=message.seq)

    async def on_note(self, content: dict[str, Any]) -> None:
        message = await call(services.note, self.user, content.get("conversation_id"), content.get("text"),
                             content.get("client_id"), **self._kw())
        await self._watch(str(message.conversation_id))
        await self._ack(content, conversation_id=str(message.conversation_id), seq=message.seq)

    async def on_canned(self, content: dict[str, Any]) -> None:
        message = await call(services.send_canned, self.user, content.get("conversation_id"),
                             content.get("shortcut"), content.get("client_id"), **self._kw())
        await self._ack(content, conversation_id=str(message.conversation_id), seq=message.seq, text=message.text)

    async def on_send_template(self, content: dict[str, Any]) -> None:
        """An approved WhatsApp template (the answer to `window_closed`): {conversation_id, name, language,
        params, client_id}."""
        message = await call(services.send_template, self.user, content.get("conversation_id"), content.get("name"),
                             content.get("language"), content.get("params"), content.get("client_id"),
                             **self._kw())
        await self._ack(content, conversation_id=str(message.conversation_id), seq=message.seq)

    async def on_typing(self, content: dict[str, Any]) -> None:
        conversation_id = str(content.get("conversation_id"))
        if conversation_id not in self._visible:
            await call(services.check_access, self.user, conversation_id, **self._kw())
            self._visible.add(conversation_id)
        await realtime_layer.group_send(self.channel_layer, realtime.conversation_group(conversation_id), {
            "type": "conv.typing",
            "frame": {"type": "typing", "conversation_id": conversation_id, "who": "operator",
                      "on": bool(content.get("on")), "name": realtime.operator_display_name(self.user),
                      "user_id": self.user.pk},
        }, resync=False)

    async def on_transfer(self, content: dict[str, Any]) -> None:
        operator = content.get("operator")
        if operator is not None and (not isinstance(operator, int) or isinstance(operator, bool)):
            raise ActionError("invalid", "operator is a user id")
        department = content.get("department")
        if department is not None and not isinstance(department, str):
            raise ActionError("invalid", "department is a slug")
        note = content.get("note") or ""
        if not isinstance(note, str) or len(note) > 2000:
            raise ActionError("invalid", "note is a text of at most 2000 characters")
        conversation = await call(queue.transfer, self.user, content.get("conversation_id"), department=department,
                                  operator=operator, note=note, **self._kw())
        await self._ack(content, conversation_id=str(conversation.pk), mode=conversation.mode)

    async def on_resolve(self, content: dict[str, Any]) -> None:
        conversation = await call(queue.resolve, self.user, content.get("conversation_id"), **self._kw())
        await self._ack(content, conversation_id=str(conversation.pk))

    async def on_return_to_bot(self, content: dict[str, Any]) -> None:
        node_id = content.get("node_id")
        if node_id is not None and not isinstance(node_id, str):
            raise ActionError("invalid", "node_id is a node id")
        conversation = await call(queue.return_to_bot, self.user, content.get("conversation_id"), node_id,
                                  **self._kw())
        await self._ack(content, conversation_id=str(conversation.pk), mode=conversation.mode)

    async def on_set_presence(self, content: dict[str, Any]) -> None:
        status = await call(presence.set_presence, self.user, self.workspace_id, content.get("presence"))
        await self._ack(content, presence=status.presence)

    async def on_open(self, content: dict[str, Any]) -> None:
        context = await call(services.open_conversation, self.user, content.get("conversation_id"), **self._kw())
        await self._watch(context["conversation"]["id"])
        await self.send_json({"type": "conversation", "client_id": content.get("client_id"), **context})

    # channel-layer events
    async def inbox_event(self, event: dict[str, Any]) -> None:
        frame = event["frame"]
        target = (frame.get("operator") or {}).get("id") if isinstance(frame.get("operator"), dict) else None
        if frame["type"] in ("claimed", "transferred") and target == self.user.pk:
            await self._watch(frame["conversation_id"])
        await self.send_json(frame)

    async def conv_message(self, event: dict[str, Any]) -> None:
        await self.send_json({"type": "message", "message": event["message"]})

    async def conv_typing(self, event: dict[str, Any]) -> None:
        frame = event["frame"]
        if not (frame.get("who") == "operator" and frame.get("user_id") == self.user.pk):
            await self.send_json(frame)

    async def conv_event(self, event: dict[str, Any]) -> None:
        """Widget-facing events (queue position, joined/left, closed): the inbox learns these from inbox events."""
