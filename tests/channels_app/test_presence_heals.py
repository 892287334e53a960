"""Presence heals after a server crash: two real daphne processes hold one operator's inbox socket each; one
is SIGKILLed (its sockets can never report closing), and a running task worker's sweep takes that operator
offline once the dead process's socket rows expire, while the other operator, on the live server whose
heartbeat renews its rows, stays online. Before socket rows and the sweep, the counter stayed at 1 forever."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection
from websockets.asyncio.client import connect

from channels_app.models import InboxSocket, OperatorStatus
from tests.channels_app.conftest import make_world
from tests.runtime.pipeline.live_workers import wait_until, worker_env
from tests.support.processes import DbWorker, next_frame, running_servers, server_env
from tests.support.users import session_cookie

pytestmark = pytest.mark.django_db(transaction=True)
EXPIRY = 5  # seconds without renewal before a socket row counts as a crashed server's
HEARTBEAT = 1


@pytest.fixture
def servers(transactional_db):
    world = make_world()
    env = server_env(PRESENCE_HEARTBEAT_SECONDS=str(HEARTBEAT), PRESENCE_EXPIRY_SECONDS=str(EXPIRY))
    with running_servers(2, env) as started:
        yield world, started


def _status(user, workspace) -> OperatorStatus:
    return OperatorStatus.objects.get(user=user, workspace=workspace)


async def _db(fn, *args):
    """Run `fn` in a worker thread with a connection of its own, closed afterwards (none left at teardown)."""
    def run():
        try:
            return fn(*args)
        finally:
            connection.close()

    return await asyncio.get_running_loop().run_in_executor(None, run)


async def _inbox(port: int, user):
    cookie = await _db(session_cookie, user)
    return connect(f"ws://127.0.0.1:{port}/ws/inbox/?workspace=acme", origin=f"http://127.0.0.1:{port}",
                   additional_headers={"Cookie": f"sessionid={cookie}"})


async def test_operators_of_a_crashed_server_go_offline_and_the_others_stay_online(servers):
    world, [crashing_server, live_server] = servers
    crashing, crashing_port, live_port = crashing_server.process, crashing_server.port, live_server.port
    worker = None
    try:
        async with await _inbox(crashing_port, world.operator) as olga, \
                await _inbox(live_port, world.operator2) as oleg:
            await next_frame(olga, "snapshot")
            await next_frame(oleg, "snapshot")
            for user in (world.operator, world.operator2):
                row = await _db(_status, user, world.workspace)
                assert (row.presence, row.open_sockets) == ("online", 1)

            crashing.kill()  # SIGKILL: Olga's socket is never closed by its server
            await asyncio.to_thread(crashing.wait, 10)
            worker = DbWorker(worker_env(PRESENCE_EXPIRY_SECONDS=EXPIRY, TASK_LEASE_SECONDS=2), "live")
            await asyncio.to_thread(worker.wait_started)

            def olga_offline() -> bool:
                row = _status(world.operator, world.workspace)
                return row.presence == "offline" and row.open_sockets == 0

            await _db(wait_until, olga_offline, "the crashed server's operator went offline", worker)
            oleg_row = await _db(_status, world.operator2, world.workspace)
            assert (oleg_row.presence, oleg_row.open_sockets) == ("online", 1)  # his server renews its rows
            assert await _db(InboxSocket.objects.filter(status__user=world.operator).exists) is False
            if settings.REDIS_URL:  # one layer across processes: the live server's inbox hears it
                await next_frame(oleg, "presence", lambda f: f["operator"]["user_id"] == world.operator.pk
                             and f["operator"]["presence"] == "offline")
    finally:
        if worker is not None:
            worker.kill()


def test_the_sweep_forgets_only_expired_sockets_and_a_late_close_counts_once(db, monkeypatch):
    from django.utils import timezone

    from channels_app import presence

    world = make_world()
    ws = world.workspace.pk
    opened = timezone.now()
    monkeypatch.setattr(presence, "PROCESS_ID", "stalled:1")
    presence.socket_opened(world.operator, ws)
    monkeypatch.setattr(presence, "PROCESS_ID", "live:1")
    presence.socket_opened(world.operator2, ws)
    later = opened + timedelta(seconds=settings.PRESENCE_EXPIRY_SECONDS + 1)
    assert presence.renew("live:1", now=later - timedelta(seconds=1)) == 1

    assert presence.sweep_sockets(now=later) == 1
    assert presence.sweep_sockets(now=later) == 0
    olga, oleg = _status(world.operator, world.workspace), _status(world.operator2, world.workspace)
    assert (olga.presence, olga.open_sockets, oleg.presence, oleg.open_sockets) == ("offline", 0, "online", 1)

    # The process was only stalled: its socket closes later, and is not uncounted a second time.
    monkeypatch.setattr(presence, "PROCESS_ID", "stalled:1")
    presence.socket_closed(world.operator, ws)
    monkeypatch.setattr(presence, "PROCESS_ID", "live:1")
    presence.socket_closed(world.operator2, ws)
    olga, oleg = _status(world.operator, world.workspace), _status(world.operator2, world.workspace)
    assert (olga.open_sockets, oleg.presence, oleg.open_sockets) == (0, "offline", 0)
