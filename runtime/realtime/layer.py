"""Channel-layer outages: noticed, logged once, and repaired by making the affected clients resync.

The layer is only the live path; every message is in the database first, and a client that reconnects is replayed
from it (the widget by `last_seq`, the inbox by `snapshot` and re-opening its chat). So the repair for anything the
layer lost is a reconnect, at a moment when the layer works again:

- A publish that fails (Redis down, pool exhausted) is recorded with its group. Once the layer answers again (a
  probe on the server's loop, or the next publish that succeeds), `layer.resync` is sent to each such group: every
  socket in it, in any process, closes with CLOSE_LAYER_UNAVAILABLE and its client reconnects and is replayed.
- A subscription that failed (`group_add` during an outage) leaves that socket deaf to the group: the socket is
  closed the same way once the layer answers again.
- channels_redis's PubSub layer reconnects its subscription connection by itself and re-subscribes, but whatever
  was published while it was down is gone. `RedisPubSubLayer` (the configured backend) notices that reconnection
  and closes every socket of the process the same way.
- A handshake while the layer cannot subscribe is accepted, told `error` `unavailable` and closed with
  CLOSE_LAYER_UNAVAILABLE (instead of an HTTP 500); the client retries with backoff.

Sockets stay open during the outage: customers and operators can still write (stored, acknowledged), only live
delivery waits for the resync. A socket may be asked to reconnect twice after one outage (its process's
subscription came back, then another process's resync for a group it is in): harmless, the replay is by seq.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import time
import uuid
import weakref
from typing import Any, Protocol

from channels.layers import get_channel_layer
from channels_redis.pubsub import RedisPubSubChannelLayer, RedisPubSubLoopLayer, RedisSingleShardConnection
from channels_redis.utils import _wrap_close, decode_hosts

log = logging.getLogger(__name__)

# "Live delivery is interrupted; reconnect with your last seq" (4000–4999 are the application's close codes).
CLOSE_LAYER_UNAVAILABLE = 4503
RESYNC_EVENT = "layer.resync"  # handled by FrameConsumer.layer_resync
UNAVAILABLE_MESSAGE = "Live updates are temporarily unavailable; reconnecting."
# Groups remembered for a resync at most; beyond that an outage is still repaired by each process's own
# subscription reconnect (a real Redis outage drops every subscriber's connection).
MAX_PENDING_GROUPS = 10_000
PROBE_FIRST_DELAY = 0.5
PROBE_MAX_DELAY = 5.0


class ResyncableSocket(Protocol):
    async def request_resync(self, reason: str) -> None: ...


class LayerHealth:
    """Per process: is the channel layer working, what it may have lost, which sockets to resync."""

    def __init__(self) -> None:
        self._lock = threading.Lock()  # sync publishers (worker threads, the task worker) report too
        self.down_since: float | None = None
        self.failures = 0
        self.pending_groups: set[str] = set()
        self.resync_everyone = False
        self.sockets: weakref.WeakSet[Any] = weakref.WeakSet()
        self.stale: weakref.WeakSet[Any] = weakref.WeakSet()
        self._loop: asyncio.AbstractEventLoop | None = None  # the server's loop (where sockets live)
        self._probe: asyncio.Task[None] | None = None
        self._recovering = False
        self._tasks: set[asyncio.Task[None]] = set()

    # sockets
    def register(self, socket: ResyncableSocket) -> None:
        self._loop = asyncio.get_running_loop()
        self.sockets.add(socket)

    def unregister(self, socket: ResyncableSocket) -> None:
        self.sockets.discard(socket)
        self.stale.discard(socket)

    @property
    def needs_recovery(self) -> bool:
        return self.down_since is not None or bool(self.pending_groups) or self.resync_everyone or bool(self.stale)

    # reports
    def failed(self, what: str, exc: BaseException, *, group: str | None = None,
               socket: ResyncableSocket | None = None) -> None:
        """A layer operation failed: log the first failure of an outage (not every message), remember what to
        repair, and make sure a probe will notice when the layer works again."""
        with self._lock:
            first = self.down_since is None
            if first:
                self.down_since = time.monotonic()
                self.failures = 0
            self.failures += 1
            if group is not None and len(self.pending_groups) < MAX_PENDING_GROUPS:
                self.pending_groups.add(group)
        if socket is not None:
            self.stale.add(socket)
        if first:
            log.error("channel layer unavailable (%s failed: %s: %s); live events are held back and clients will be "
                      "resynced from the database when it works again", what, type(exc).__name__, exc)
        self._ensure_probe()

    def subscription_restored(self) -> None:
        """The process's subscription connection reconnected: anything published meanwhile never reached this
        process, so every local socket resyncs (called on the layer's loop, from redis-py's connect callback)."""
        self.resync_everyone = True
        loop = asyncio.get_running_loop()
        if loop is self._loop:
            task = loop.create_task(self._recover_or_probe())
            self._tasks.add(task)  # a reference until it ends (the loop keeps only weak ones)
            task.add_done_callback(self._tasks.discard)

    # recovery
    def _ensure_probe(self) -> None:
        loop = self._loop
        if loop is None or loop.is_closed():
            return  # no sockets in this process (task worker): the next publish that succeeds recovers
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            if self._probe is None or self._probe.done():
                self._probe = loop.create_task(self._run_probe())
        else:  # a publish from another thread's temporary loop: start the probe on the server's loop
            loop.call_soon_threadsafe(self._ensure_probe)

    async def _run_probe(self) -> None:
        delay = PROBE_FIRST_DELAY
        while self.needs_recovery:
            await asyncio.sleep(delay)
            if await self.recover():
                return
            delay = min(PROBE_MAX_DELAY, delay * 2)

    async def _recover_or_probe(self) -> None:
        if not await self.recover():
            self._ensure_probe()

    async def recover(self) -> bool:
        """If the layer answers: send `layer.resync` to the groups whose publishes failed, close the sockets that
        may have missed events, log the end of the outage. False when it still fails (nothing is lost: retried)."""
        with self._lock:
            if self._recovering:
                return False
            self._recovering = True
            groups, self.pending_groups = self.pending_groups, set()
        try:
            layer = get_channel_layer()
            try:
                ping = getattr(layer, "ping", None)
                if ping is not None:
                    await ping()
                while groups:
                    group = next(iter(groups))
                    await layer.group_send(group, {"type": RESYNC_EVENT, "reason": "layer_recovered"})
                    groups.discard(group)
            except Exception:
                with self._lock:
                    self.pending_groups |= groups
                return False
            with self._lock:
                since, failures, self.down_since = self.down_since, self.failures, None
            asked = 0
            if self._loop is None:  # no socket ever lived in this process (the task worker)
                self.resync_everyone = False
            elif asyncio.get_running_loop() is self._loop:
                everyone, self.resync_everyone = self.resync_everyone, False
                targets = list(self.sockets) if everyone else list(self.stale)
                self.stale = weakref.WeakSet()
                for socket in targets:
                    await socket.request_resync("layer_recovered")
                asked = len(targets)
            elif self.resync_everyone or self.stale:
                self._ensure_probe()  # the sockets are handled on their own loop
            if since is not None:
                log.warning("channel layer available again after %.1f s (%d failed operations); %d sockets of this "
                            "process asked to reconnect and resync", time.monotonic() - since, failures, asked)
            elif asked:
                log.info("channel layer subscription re-established; %d sockets asked to reconnect and resync", asked)
            return True
        finally:
            self._recovering = False


health = LayerHealth()


async def group_send(layer: Any, group: str, event: dict[str, Any], *, resync: bool = True) -> bool:
    """Publish; a failure is reported instead of raised. `resync=False` for ephemeral events (typing) whose loss
    needs no repair. A success after an outage starts the repair at once (the task worker has no probe)."""
    try:
        await layer.group_send(group, event)
    except Exception as exc:
        health.failed(f"send to {group}", exc, group=group if resync else None)
        return False
    if health.needs_recovery and not health._recovering:
        await health.recover()
    return True


async def refuse_unavailable(receive: Any, send: Any) -> None:
    """Answer a websocket handshake that cannot be served without the layer: accept, `error` `unavailable`, close
    CLOSE_LAYER_UNAVAILABLE (an HTTP 500 before accept tells a browser nothing)."""
    message = await receive()
    if message.get("type") != "websocket.connect":
        return
    await send({"type": "websocket.accept"})
    await send({"type": "websocket.send",
                "text": json.dumps({"type": "error", "code": "unavailable", "message": UNAVAILABLE_MESSAGE})})
    await send({"type": "websocket.close", "code": CLOSE_LAYER_UNAVAILABLE})


# --- channels_redis's PubSub layer, with failures reported -------------------------------------------------------


class _Shard(RedisSingleShardConnection):
    """One Redis connection pair: reports a broken receive loop once per outage (channels_redis logs a traceback
    every second) and the reconnection of its subscription connection."""

    _watched: Any = None

    async def subscribe(self, channel: str) -> None:
        await super().subscribe(channel)
        connection = self._pubsub.connection if self._pubsub is not None else None
        if connection is not None and connection is not self._watched:
            # After redis-py's own callback (registered first), which re-subscribes: see _on_reconnect.
            connection.register_connect_callback(self._on_reconnect)
            self._watched = connection

    def _on_reconnect(self, connection: Any) -> None:
        # redis-py runs connect callbacks on every (re)connection after the first, once the PubSub re-subscribed.
        health.subscription_restored()

    async def _do_receiving(self) -> None:
        while True:
            try:
                if self._pubsub and self._pubsub.subscribed:
                    message = await self._pubsub.get_message(ignore_subscribe_messages=True, timeout=0.1)
                    self._receive_message(message)
                else:
                    await asyncio.sleep(0.1)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the connection is retried on the next round, as channels_redis does
                health.failed("subscription", exc)
                await asyncio.sleep(1)


class _LoopLayer(RedisPubSubLoopLayer):
    def __init__(self, hosts: Any = None, *args: Any, **kwargs: Any) -> None:
        super().__init__(hosts, *args, **kwargs)
        self._shards = [_Shard(host, self) for host in decode_hosts(hosts)]

    async def new_channel(self, prefix: str = "specific.") -> str:
        channel = f"{self.prefix}{prefix}{uuid.uuid4().hex}"
        try:
            await self._subscribe_to_channel(channel)
        except BaseException:
            self.channels.pop(channel, None)  # channels_redis keeps the queue of a channel it failed to subscribe
            raise
        return channel


class RedisPubSubLayer(RedisPubSubChannelLayer):
    """channels_redis.pubsub.RedisPubSubChannelLayer that reports to `health` (settings CHANNEL_LAYERS)."""

    def _get_layer(self) -> _LoopLayer:
        loop = asyncio.get_running_loop()
        try:
            return self._layers[loop]
        except KeyError:
            layer = _LoopLayer(*self._args, **self._kwargs, channel_layer=self)
            self._layers[loop] = layer
            _wrap_close(self, loop)
            return layer

    async def ping(self) -> None:
        for shard in self._get_layer()._shards:
            shard._ensure_redis()
            await shard._redis.ping()
