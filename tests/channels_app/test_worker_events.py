"""The embedded default (no REDIS_URL, in-memory layer): a task worker's events reach the sockets daphne serves.

A real daphne and a real `manage.py db_worker` share the (file) SQLite test database; the worker posts its
committed events to the server's signed /internal/events/ endpoint (runtime/realtime/forward.py), which
publishes them on the server's own layer. Plus the endpoint's refusals, in-process.
"""

from __future__ import annotations

import asyncio
import time

import pytest
from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from django.test import AsyncClient
from websockets.asyncio.client import connect

from runtime import widget
from runtime.realtime import forward
from tests.channels_app.conftest import ORIGIN
from tests.runtime.pipeline.conftest import http_document, waiter_document
from tests.runtime.pipeline.live_workers import HoldingServer
from tests.support.processes import DbWorker, next_frame, running_servers, server_env
from tests.support.users import make_user
from tests.support.world import make_workspace, publish_document


@pytest.fixture
def loopback_crm():
    server = HoldingServer()  # answers {"order": {"status": "shipped"}}
    yield server
    server.stop()


@pytest.mark.parametrize("kind", ["timer", "http_node"])
@pytest.mark.django_db(transaction=True)
async def test_what_the_worker_publishes_reaches_the_open_widget(transactional_db, loopback_crm, kind):
    """A wait node's timer (live queue) or an HTTP node's call (io queue) runs in the db_worker process; the bot
    message that follows arrives on the customer's open socket, without a reconnect or a replay."""
    hold = None
    if kind == "timer":  # the message comes a second after the session started
        doc, live_text = waiter_document(1), "Done waiting"
    else:  # the CRM answers only once the socket has its session (so the answer cannot come as a replay)
        doc, live_text = http_document(loopback_crm.url("/orders/1")), "Your order is shipped."
        hold = loopback_crm.hold_next("/orders/1")

    def world():
        owner = make_user("owner")
        workspace = make_workspace("acme", owner)
        scenario = publish_document(workspace, "bot", doc, owner)
        return widget.create_web_channel(workspace, scenario=scenario, allowed_origins=[ORIGIN])

    channel = await sync_to_async(world)()
    # The embedded default: each process has its own in-memory layer.
    env = server_env(REDIS_URL="", HTTP_NODE_ALLOW_PRIVATE="1")
    with running_servers(1, env) as (server,):
        worker = DbWorker({**env, "SITE_URL": f"http://127.0.0.1:{server.port}"})
        try:
            await asyncio.to_thread(worker.wait_started)
            async with connect(f"ws://127.0.0.1:{server.port}/ws/widget/{channel.key}/", origin=ORIGIN) as ws:
                await next_frame(ws, "session", timeout=90)
                if hold is not None:
                    await asyncio.to_thread(hold.arrived.wait, 90)
                    hold.release()
                try:
                    live = await next_frame(ws, "message", lambda f: f["text"] == live_text, timeout=90)
                except TimeoutError:
                    raise AssertionError("no live message; worker log:\n" + "".join(worker.log)
                                         + "\nserver log:\n" + "".join(server.log[-30:])) from None
                assert live["sender"] == "bot"
            if hold is not None:
                assert hold.answered.is_set()
        finally:
            worker.kill()


# --- the endpoint -------------------------------------------------------------------------------------------


async def _post(body: bytes, signature: str | None):
    headers = {forward.SIGNATURE_HEADER: signature} if signature is not None else {}
    return await AsyncClient().post(forward.PATH, data=body, content_type="application/json", headers=headers)


@pytest.fixture
def in_memory_layer(settings):
    """The embedded default's layer, also in CI's PostgreSQL + Redis pass (the endpoint exists only there)."""
    from channels.layers import channel_layers

    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    channel_layers.backends.clear()
    yield
    channel_layers.backends.clear()


@pytest.fixture
async def listener(in_memory_layer):
    """A channel in group `conv.test` of this process's in-memory layer."""
    layer = get_channel_layer()
    name = await layer.new_channel()
    await layer.group_add("conv.test", name)
    yield layer, name
    await layer.group_discard("conv.test", name)


def _body(text: str) -> bytes:
    return forward.encode([("conv.test", {"type": "conv.event", "frame": {"type": "note", "text": text}})])


@pytest.mark.parametrize("signature", [
    None,
    "",
    "t=abc,v1=00",
    "garbage",
    "wrong-key",
    "expired",
    "future",
    "other-body",
])
@pytest.mark.django_db
async def test_refused_without_a_valid_signature(listener, settings, signature):
    layer, name = listener
    body = _body("forged")
    now = int(time.time())
    if signature == "wrong-key":
        original, settings.SECRET_KEY = settings.SECRET_KEY, "another-key"
        signature = forward.sign(body)
        settings.SECRET_KEY = original
    elif signature == "expired":
        signature = forward.sign(body, now - forward.MAX_AGE_SECONDS - 5)
    elif signature == "future":
        signature = forward.sign(body, now + forward.MAX_AGE_SECONDS + 5)
    elif signature == "other-body":
        signature = forward.sign(_body("something else"))
    response = await _post(body, signature)
    assert response.status_code == 403

    # Nothing was published: the next event the listener gets is the one sent with a valid signature.
    genuine = _body("genuine")
    assert (await _post(genuine, forward.sign(genuine))).status_code == 204
    received = await layer.receive(name)
    assert received["frame"]["text"] == "genuine"


@pytest.mark.django_db
async def test_a_signed_batch_is_published_in_order(listener):
    layer, name = listener
    events = [("conv.test", {"type": "conv.event", "frame": {"type": "note", "text": str(i)}}) for i in range(3)]
    body = forward.encode(events)
    assert (await _post(body, forward.sign(body))).status_code == 204
    assert [(await layer.receive(name))["frame"]["text"] for _ in range(3)] == ["0", "1", "2"]


@pytest.mark.django_db
async def test_a_malformed_batch_is_a_400_and_publishes_nothing(listener):
    layer, name = listener
    for bad in (b'{"events": {}}', b'{"events": [{"group": "conv.test"}]}',
                forward.encode([("conv.test", {"type": "conv.event", "frame": {}}), ("bad group!", {"type": "x"})])):
        assert (await _post(bad, forward.sign(bad))).status_code == 400
    genuine = _body("genuine")
    assert (await _post(genuine, forward.sign(genuine))).status_code == 204
    assert (await layer.receive(name))["frame"]["text"] == "genuine"


@pytest.mark.django_db
async def test_not_there_with_a_shared_layer(settings):
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
                                           "CONFIG": {"hosts": ["redis://127.0.0.1:6379/2"]}}}
    from channels.layers import channel_layers

    channel_layers.backends.clear()
    try:
        body = _body("x")
        assert (await _post(body, forward.sign(body))).status_code == 404
    finally:
        channel_layers.backends.clear()


def test_not_in_the_openapi_schema(client):
    schema = client.get("/api/schema/?format=json").json()
    assert not any("internal" in path for path in schema["paths"])


def test_the_worker_carries_on_when_the_server_is_down(settings, caplog, monkeypatch):
    monkeypatch.setattr(forward, "_failing", False)
    settings.INTERNAL_EVENTS_URL = "http://127.0.0.1:9"  # discard port: nothing listens
    assert forward.send([("conv.test", {"type": "conv.event", "frame": {}})]) is False
    assert forward.send([("conv.test", {"type": "conv.event", "frame": {}})]) is False
    assert sum("cannot forward live events" in r.getMessage() for r in caplog.records) == 1
