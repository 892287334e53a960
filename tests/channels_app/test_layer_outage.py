"""Redis (the channel layer) dies mid-conversation: every message still reaches both clients.

Real parts only: our own `redis-server` on a free port (never the shared one), two daphne processes on the test
database (the customer on one, the operator on the other), clients on real websockets that follow the same
reconnect rules as the shipped ones (frontend/src/widget/connection.ts, frontend/src/inbox/socket.ts + App.tsx):
reconnect with backoff on any close, the widget with its token and last seq, the inbox re-opening its chat.
Skipped where no `redis-server` binary is installed, except when REDIS_URL is set (CI's PostgreSQL + Redis pass).
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections import Counter
from typing import Any

import pytest
import redis
from asgiref.sync import sync_to_async
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from runtime.models import Conversation, Message
from runtime.realtime.layer import CLOSE_LAYER_UNAVAILABLE
from tests.channels_app.conftest import ORIGIN, make_world
from tests.support.processes import Daphne, server_env
from tests.support.users import session_cookie

pytestmark = [
    pytest.mark.django_db(transaction=True),
    # Always run in CI's PostgreSQL + Redis pass (REDIS_URL set): a missing binary there is an error, not a skip.
    pytest.mark.skipif(shutil.which("redis-server") is None and not os.environ.get("REDIS_URL"),
                       reason="needs the redis-server binary"),
]

DEADLINE = 60  # seconds any wait may take before the test fails (a bound, never a timing assertion)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RedisServer:
    """A throwaway redis-server: no persistence, so a restart comes back empty, like a crashed one."""

    def __init__(self) -> None:
        self.port = _free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        client = redis.Redis(port=self.port, socket_connect_timeout=1)
        deadline = time.monotonic() + DEADLINE
        while True:
            try:
                client.ping()
                return
            except redis.ConnectionError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    raise RuntimeError("redis-server did not start") from None
                time.sleep(0.05)

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)


def _env(redis_url: str) -> dict[str, str]:
    return server_env(REDIS_URL=redis_url)


async def _eventually(condition: Any, what: str) -> None:
    deadline = time.monotonic() + DEADLINE
    while True:
        result = condition()
        if inspect.isawaitable(result):
            result = await result
        if result:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


class Client:
    """The reconnect rules both shipped clients follow: reconnect after any close (backoff with a small cap here),
    frames typed while disconnected wait in an outbox and go out once the server has set the session up, the
    backoff restarts only after a real session (an `unavailable` refusal does not reset it)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.ws: Any = None
        self.ready = asyncio.Event()
        self.outbox: list[dict[str, Any]] = []
        self.close_codes: list[int | None] = []
        self.errors: list[dict[str, Any]] = []
        self.sessions = 0
        self._task: asyncio.Task[None] | None = None
        self._stopped = False

    def url(self) -> str:
        raise NotImplementedError

    def connect_kwargs(self) -> dict[str, Any]:
        raise NotImplementedError

    async def on_frame(self, frame: dict[str, Any]) -> None:
        raise NotImplementedError

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        self._stopped = True
        if self.ws is not None:
            await self.ws.close()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        attempt = 0
        while not self._stopped:
            try:
                async with connect(self.url(), **self.connect_kwargs()) as ws:
                    self.ws = ws
                    try:
                        async for raw in ws:
                            frame = json.loads(raw)
                            if frame["type"] == "error":
                                self.errors.append(frame)
                            elif frame["type"] in ("session", "snapshot"):
                                attempt = 0
                                self.sessions += 1
                                await self.on_frame(frame)
                                self.ready.set()
                                pending, self.outbox = self.outbox, []
                                for item in pending:
                                    await ws.send(json.dumps(item))
                                continue
                            await self.on_frame(frame)
                    except ConnectionClosed:
                        pass
                    self.close_codes.append(ws.close_code)
            except (OSError, InvalidStatus):
                self.close_codes.append(None)
            self.ws = None
            self.ready.clear()
            await asyncio.sleep(min(1.0, 0.1 * 2 ** attempt))
            attempt += 1

    async def send(self, frame: dict[str, Any]) -> None:
        if self.ready.is_set() and self.ws is not None:
            try:
                await self.ws.send(json.dumps(frame))
                return
            except ConnectionClosed:
                pass
        self.outbox.append(frame)


class WidgetClient(Client):
    def __init__(self, port: int, key: str) -> None:
        super().__init__("widget")
        self.base = f"ws://127.0.0.1:{port}/ws/widget/{key}/"
        self.token: str | None = None
        self.conversation_id: str | None = None
        self.last_seq = 0
        self.receipts: Counter[int] = Counter()  # seq → times delivered (must end at exactly once each)
        self.texts: dict[int, str] = {}

    def url(self) -> str:
        if self.token is None:
            return self.base
        return f"{self.base}?token={self.token}&last_seq={self.last_seq}"

    def connect_kwargs(self) -> dict[str, Any]:
        return {"origin": ORIGIN}

    async def on_frame(self, frame: dict[str, Any]) -> None:
        if frame["type"] == "session":
            self.token = frame["token"]
            self.conversation_id = frame["conversation_id"]
        elif frame["type"] == "message":
            self.receipts[frame["seq"]] += 1
            self.texts[frame["seq"]] = frame["text"]
            self.last_seq = max(self.last_seq, frame["seq"])


class InboxClient(Client):
    def __init__(self, port: int, cookie: str) -> None:
        super().__init__("inbox")
        self.port = port
        self.cookie = cookie
        self.active: str | None = None
        self.messages: dict[int, dict[str, Any]] = {}  # the open chat's transcript, merged by seq
        self.queued: set[str] = set()
        self.acks: list[dict[str, Any]] = []

    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/ws/inbox/?workspace=acme"

    def connect_kwargs(self) -> dict[str, Any]:
        return {"origin": f"http://127.0.0.1:{self.port}", "additional_headers": {"Cookie": f"sessionid={self.cookie}"}}

    async def on_frame(self, frame: dict[str, Any]) -> None:
        kind = frame["type"]
        if kind == "snapshot":
            for q in frame["queues"]:
                self.queued.update(chat["id"] for chat in q["chats"])
            if self.active is not None:  # App.tsx: after a reconnect, re-open the chat on screen
                await self.ws.send(json.dumps({"type": "open", "conversation_id": self.active}))
        elif kind == "queued":
            self.queued.add(frame["conversation"]["id"])
        elif kind == "conversation":
            for message in frame["transcript"]:
                self.messages[message["seq"]] = message
        elif kind == "message" and frame["message"]["conversation_id"] == self.active:
            self.messages[frame["message"]["seq"]] = frame["message"]
        elif kind == "ack":
            self.acks.append(frame)


@sync_to_async
def _stored(conversation_id: str) -> list[Message]:
    return list(Message.objects.filter(conversation_id=conversation_id).order_by("seq"))


@pytest.fixture
def world_and_cookie(transactional_db):
    world = make_world()
    return world, session_cookie(world.operator)


@pytest.fixture
def redis_server():
    server = RedisServer()
    try:
        yield server
    finally:
        server.kill()


async def test_both_clients_end_with_every_message_after_redis_dies_mid_conversation(redis_server, world_and_cookie):
    world, cookie = world_and_cookie
    redis_server.start()
    env = _env(redis_server.url)
    servers = [Daphne(env), Daphne(env)]
    customer_server, operator_server = servers
    customer = WidgetClient(customer_server.port, world.channel.key)
    operator = InboxClient(operator_server.port, cookie)
    try:
        operator.start()
        customer.start()
        await _eventually(lambda: operator.ready.is_set() and customer.ready.is_set(), "both sessions")
        await customer.send({"type": "message", "text": "operator", "client_id": "c-handoff"})
        await _eventually(lambda: customer.conversation_id in operator.queued, "the chat in the operator's queue")
        conversation_id = customer.conversation_id
        await operator.send({"type": "claim", "conversation_id": conversation_id, "client_id": "claim"})
        await _eventually(lambda: any(a.get("client_id") == "claim" for a in operator.acks), "the claim")
        operator.active = conversation_id
        await operator.send({"type": "open", "conversation_id": conversation_id})
        await customer.send({"type": "message", "text": "before the outage", "client_id": "c-before"})
        await operator.send({"type": "reply", "conversation_id": conversation_id, "text": "hello before",
                             "client_id": "o-before"})
        await _eventually(lambda: "hello before" in customer.texts.values()
                          and any(m["text"] == "before the outage" for m in operator.messages.values()),
                          "live delivery before the outage")
        assert customer.close_codes == [] and operator.close_codes == []  # a healthy layer closes nothing

        redis_server.kill()
        # Both keep writing while the layer is down: everything is stored (the sockets stay open), nothing live.
        for i in range(10):
            await customer.send({"type": "message", "text": f"customer during {i}", "client_id": f"c-during-{i}"})
            await operator.send({"type": "reply", "conversation_id": conversation_id,
                                 "text": f"operator during {i}", "client_id": f"o-during-{i}"})
            await asyncio.sleep(0.3)
        async def stored_during() -> list[Message]:
            return [m for m in await _stored(conversation_id) if " during " in m.text]

        async def all_stored() -> bool:
            return len(await stored_during()) == 20

        await _eventually(all_stored, "the messages written during the outage to be stored")
        assert not any(" during " in text for text in customer.texts.values())  # really not delivered live

        redis_server.start()  # same port, empty, like a restarted Redis
        await customer.send({"type": "message", "text": "after the outage", "client_id": "c-after"})
        await operator.send({"type": "reply", "conversation_id": conversation_id, "text": "hello after",
                             "client_id": "o-after"})

        async def complete() -> bool:
            stored = await _stored(conversation_id)
            visible = [m.seq for m in stored if m.direction != Message.Direction.INTERNAL]
            return (any(m.text == "hello after" for m in stored) and any(m.text == "after the outage" for m in stored)
                    and sorted(customer.receipts) == visible and sorted(operator.messages) == [m.seq for m in stored])

        await _eventually(complete, "both clients to have every stored message")
        stored = await _stored(conversation_id)
        seqs = [m.seq for m in stored]
        assert seqs == list(range(1, len(stored) + 1))  # stored once each, no gaps
        assert sum(m.text == "customer during 3" for m in stored) == 1
        # The widget: every message exactly once over all its sockets (replays ask only for what came after).
        assert set(customer.receipts.values()) == {1}
        assert sorted(operator.messages) == seqs
        for text in [f"customer during {i}" for i in range(10)] + [f"operator during {i}" for i in range(10)]:
            assert text in customer.texts.values()
            assert any(m["text"] == text for m in operator.messages.values())
        # Each got there by being told to reconnect (4503), not by luck.
        assert CLOSE_LAYER_UNAVAILABLE in customer.close_codes
        assert CLOSE_LAYER_UNAVAILABLE in operator.close_codes
        # Each process logged the outage once, not once per message.
        for server in servers:
            assert server.count("channel layer unavailable") == 1, "".join(server.log[-40:])
            assert server.count("channel layer available again") >= 1
    except AssertionError:
        for server in servers:  # what the servers said, for whoever reads the failure
            sys.stderr.write("".join(server.log[-60:]))
        sys.stderr.write(f"widget: closes {customer.close_codes} errors {customer.errors}\n"
                         f"inbox: closes {operator.close_codes} errors {operator.errors}\n")
        raise
    finally:
        await customer.stop()
        await operator.stop()
        for server in servers:
            server.stop()


async def test_handshake_without_redis_is_refused_with_4503_and_the_retry_succeeds(redis_server, world_and_cookie):
    world, cookie = world_and_cookie
    server = Daphne(_env(redis_server.url))  # nothing listens on the port yet
    customer = WidgetClient(server.port, world.channel.key)
    operator = InboxClient(server.port, cookie)
    try:
        for client in (customer, operator):
            async with connect(client.url(), **client.connect_kwargs()) as ws:  # accepted: not an HTTP 500
                frame = json.loads(await asyncio.wait_for(ws.recv(), DEADLINE))
                assert frame["type"] == "error"
                assert frame["code"] == "unavailable"
                assert frame["message"]
                with pytest.raises(ConnectionClosed):
                    await asyncio.wait_for(ws.recv(), DEADLINE)
                assert ws.close_code == CLOSE_LAYER_UNAVAILABLE
        assert not await sync_to_async(Conversation.objects.exists)()  # a refused handshake starts nothing

        customer.start()
        operator.start()
        await _eventually(lambda: customer.errors and operator.errors, "the clients' first refusals")
        redis_server.start()
        await _eventually(lambda: customer.ready.is_set() and operator.ready.is_set(), "sessions once Redis is up")
        assert {e["code"] for e in customer.errors + operator.errors} == {"unavailable"}
        assert server.count("Internal Server Error") == 0 and server.count("HTTP 500") == 0
    finally:
        await customer.stop()
        await operator.stop()
        server.stop()
