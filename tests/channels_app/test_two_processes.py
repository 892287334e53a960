"""Scale-out: two daphne processes share one database and one Redis channel layer; a customer connected to
one and an operator connected to the other talk in real time.

PostgreSQL when DATABASE_URL is set, otherwise the (file) SQLite test database; Redis from REDIS_URL, or the
local Redis (db 3) when it is not set.
"""

from __future__ import annotations

import json
import os

import pytest
from websockets.asyncio.client import connect

from tests.channels_app.conftest import ORIGIN, make_world
from tests.support.processes import next_frame, running_servers, server_env
from tests.support.users import session_cookie

pytestmark = pytest.mark.django_db(transaction=True)

@pytest.fixture
def two_servers(transactional_db):
    world = make_world()
    cookie = session_cookie(world.operator)
    env = server_env(REDIS_URL=os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/3")
    with running_servers(2, env) as servers:
        yield world, cookie, [server.port for server in servers]


async def test_customer_and_operator_on_different_processes(two_servers):
    world, cookie, (customer_port, operator_port) = two_servers
    assert customer_port != operator_port
    inbox_url = f"ws://127.0.0.1:{operator_port}/ws/inbox/?workspace=acme"
    async with connect(inbox_url, origin=f"http://127.0.0.1:{operator_port}",
                       additional_headers={"Cookie": f"sessionid={cookie}"}) as operator:
        snapshot = await next_frame(operator, "snapshot")
        assert snapshot["me"]["name"] == "Olga"
        widget_url = f"ws://127.0.0.1:{customer_port}/ws/widget/{world.channel.key}/"
        async with connect(widget_url, origin=ORIGIN) as customer:
            session = await next_frame(customer, "session")
            await next_frame(customer, "message", lambda f: f["sender"] == "bot")
            await customer.send(json.dumps({"type": "message", "text": "operator", "client_id": "c1"}))
            await next_frame(customer, "queue")

            queued = await next_frame(operator, "queued")  # published by the customer's process
            assert queued["conversation"]["id"] == session["conversation_id"]
            await operator.send(json.dumps({"type": "claim", "conversation_id": session["conversation_id"]}))
            await next_frame(operator, "ack")
            joined = await next_frame(customer, "operator_joined")  # published by the operator's process
            assert joined["name"] == "Olga"

            await operator.send(json.dumps({"type": "reply", "conversation_id": session["conversation_id"],
                                            "text": "Hi from the other server", "client_id": "r1"}))
            answer = await next_frame(customer, "message", lambda f: f["sender"] == "operator")
            assert answer["text"] == "Hi from the other server"

            await customer.send(json.dumps({"type": "message", "text": "Thanks, got it", "client_id": "c2"}))
            incoming = await next_frame(operator, "message", lambda f: f["message"]["text"] == "Thanks, got it")
            assert incoming["message"]["sender"] == "customer"

            await operator.send(json.dumps({"type": "typing", "conversation_id": session["conversation_id"],
                                            "on": True}))
            typing = await next_frame(customer, "typing")
            assert typing["who"] == "operator"

        # The customer's connection drops; they come back through the other process (as after a restart or a
        # load balancer's choice) and get everything after the last seq they saw, from the database.
        resume_url = (f"ws://127.0.0.1:{operator_port}/ws/widget/{world.channel.key}/"
                      f"?token={session['token']}&last_seq={answer['seq'] - 1}")
        async with connect(resume_url, origin=ORIGIN) as customer:
            resumed = await next_frame(customer, "session")
            assert resumed["conversation_id"] == session["conversation_id"]
            replayed = await next_frame(customer, "message")
            assert (replayed["seq"], replayed["text"]) == (answer["seq"], "Hi from the other server")
            mine = await next_frame(customer, "message")
            assert (mine["sender"], mine["text"]) == ("customer", "Thanks, got it")
