"""Channel-layer repair inside one process (runtime/realtime/layer.py): which sockets are told to reconnect (4503).

The Redis outage itself, end to end, is in test_layer_outage.py; here the layer's reports are made directly, as the
layer makes them, to pin down who is resynced.
"""

from __future__ import annotations

import logging

import pytest
from channels.db import database_sync_to_async

from runtime.realtime import layer as realtime_layer
from runtime.realtime import publish as realtime
from runtime.realtime.layer import CLOSE_LAYER_UNAVAILABLE, LayerHealth
from tests.channels_app.conftest import inbox_communicator, receive_until, widget_communicator
from tests.support.users import session_cookie

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def health(monkeypatch):
    fresh = LayerHealth()
    monkeypatch.setattr(realtime_layer, "health", fresh)
    return fresh


async def _widget(world):
    communicator = widget_communicator(world.channel)
    connected, _ = await communicator.connect()
    assert connected
    session, _ = await receive_until(communicator, "session")
    await receive_until(communicator, "message")
    return communicator, session


async def _closed_with(communicator) -> int | None:
    while True:
        output = await communicator.receive_output(timeout=5)
        if output["type"] == "websocket.close":
            return output.get("code")


async def test_a_failed_publish_closes_the_groups_sockets_once_the_layer_answers(world, health, caplog):
    affected, session = await _widget(world)
    bystander, _ = await _widget(world)
    group = realtime.conversation_group(session["conversation_id"])
    with caplog.at_level(logging.INFO, logger="runtime.realtime.layer"):
        for _ in range(5):
            health.failed(f"send to {group}", ConnectionError("Redis went away"), group=group)
        assert await health.recover()
        assert await _closed_with(affected) == CLOSE_LAYER_UNAVAILABLE
    assert await bystander.receive_nothing(timeout=0.3)  # not in the group: nothing it missed, stays open
    logged = [r.getMessage() for r in caplog.records]
    assert sum("channel layer unavailable" in m for m in logged) == 1  # once per outage, not per failure
    assert sum("channel layer available again" in m and "5 failed operations" in m for m in logged) == 1
    assert not health.needs_recovery
    await bystander.disconnect()


async def test_a_reconnected_subscription_closes_every_socket_of_the_process(world, health):
    customer, _ = await _widget(world)
    inbox = inbox_communicator(await database_sync_to_async(session_cookie)(world.operator), "acme")
    connected, _ = await inbox.connect()
    assert connected
    await receive_until(inbox, "snapshot")
    health.subscription_restored()  # what redis-py's connect callback reports after it re-subscribed
    assert await _closed_with(customer) == CLOSE_LAYER_UNAVAILABLE
    assert await _closed_with(inbox) == CLOSE_LAYER_UNAVAILABLE


async def test_a_socket_in_the_middle_of_a_handler_is_closed_right_after_it(world, health):
    customer, _ = await _widget(world)
    socket = next(iter(health.sockets))
    socket._busy += 1  # as while a handler runs: its frames must not be cut off
    await socket.request_resync("layer_recovered")
    assert await customer.receive_nothing(timeout=0.3)
    socket._busy -= 1
    await customer.send_json_to({"type": "typing", "on": True})  # the next handler ends by closing
    assert await _closed_with(customer) == CLOSE_LAYER_UNAVAILABLE
