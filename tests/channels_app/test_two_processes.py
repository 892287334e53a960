"""Scale-out: two daphne processes share one database and one Redis channel layer; a customer connected to
one and an operator connected to the other talk in real time.

PostgreSQL when DATABASE_URL is set, otherwise the (file) SQLite test database; Redis from REDIS_URL, or the
local Redis (db 3) when it is not set.
"""

from __future__ import annotations

import asyncio
import json
import os
import queue
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from websockets.asyncio.client import connect

from tests.channels_app.conftest import ORIGIN, make_world, session_cookie

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[2]
LISTENING = re.compile(r"Listening on TCP address 127\.0\.0\.1:(\d+)")


def _database_env() -> dict[str, str]:
    db = connection.settings_dict
    if settings.IS_POSTGRES:
        user = db.get("USER") or "postgres"
        password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
        host = db.get("HOST") or "127.0.0.1"
        port = db.get("PORT") or 5432
        return {"DATABASE_URL": f"postgres://{user}{password}@{host}:{port}/{db['NAME']}"}
    return {"DATABASE_URL": "", "SQLITE_PATH": str(db["NAME"])}


def _start_daphne(env: dict[str, str]) -> tuple[subprocess.Popen, int]:
    """Start daphne on a free port (port 0) and read the port it bound from its startup log."""
    process = subprocess.Popen(
        [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", "0", "channels_app.asgi:application"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )
    lines: queue.Queue[str | None] = queue.Queue()

    def drain() -> None:  # keep reading so the process never blocks on a full pipe
        for line in process.stderr:
            lines.put(line)
        lines.put(None)

    threading.Thread(target=drain, daemon=True).start()
    seen = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            line = lines.get(timeout=1)
        except queue.Empty:
            continue
        if line is None:
            break
        seen.append(line)
        match = LISTENING.search(line)
        if match:
            return process, int(match.group(1))
    process.kill()
    raise RuntimeError("daphne did not start:\n" + "".join(seen[-30:]))


@pytest.fixture
def two_servers(transactional_db):
    world = make_world()
    cookie = session_cookie(world.operator)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "channels_app.settings",
        "REDIS_URL": os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/3",
        "DEBUG": "1",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECRET_KEY": settings.SECRET_KEY,
        "LOG_LEVEL": "INFO",  # daphne logs the port it bound at INFO
        **_database_env(),
    }
    processes = []
    try:
        for _ in range(2):
            processes.append(_start_daphne(env))
        yield world, cookie, [port for _, port in processes]
    finally:
        for process, _ in processes:
            process.terminate()
        for process, _ in processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


async def _until(ws, frame_type, match=lambda f: True, timeout=15):
    async def read():
        while True:
            frame = json.loads(await ws.recv())
            if frame["type"] == frame_type and match(frame):
                return frame

    return await asyncio.wait_for(read(), timeout)


async def test_customer_and_operator_on_different_processes(two_servers):
    world, cookie, (customer_port, operator_port) = two_servers
    assert customer_port != operator_port
    inbox_url = f"ws://127.0.0.1:{operator_port}/ws/inbox/?workspace=acme"
    async with connect(inbox_url, origin=f"http://127.0.0.1:{operator_port}",
                       additional_headers={"Cookie": f"sessionid={cookie}"}) as operator:
        snapshot = await _until(operator, "snapshot")
        assert snapshot["me"]["name"] == "Olga"
        widget_url = f"ws://127.0.0.1:{customer_port}/ws/widget/{world.channel.key}/"
        async with connect(widget_url, origin=ORIGIN) as customer:
            session = await _until(customer, "session")
            await _until(customer, "message", lambda f: f["sender"] == "bot")
            await customer.send(json.dumps({"type": "message", "text": "operator", "client_id": "c1"}))
            await _until(customer, "queue")

            queued = await _until(operator, "queued")  # published by the customer's process
            assert queued["conversation"]["id"] == session["conversation_id"]
            await operator.send(json.dumps({"type": "claim", "conversation_id": session["conversation_id"]}))
            await _until(operator, "ack")
            joined = await _until(customer, "operator_joined")  # published by the operator's process
            assert joined["name"] == "Olga"

            await operator.send(json.dumps({"type": "reply", "conversation_id": session["conversation_id"],
                                            "text": "Hi from the other server", "client_id": "r1"}))
            answer = await _until(customer, "message", lambda f: f["sender"] == "operator")
            assert answer["text"] == "Hi from the other server"

            await customer.send(json.dumps({"type": "message", "text": "Thanks, got it", "client_id": "c2"}))
            incoming = await _until(operator, "message", lambda f: f["message"]["text"] == "Thanks, got it")
            assert incoming["message"]["sender"] == "customer"

            await operator.send(json.dumps({"type": "typing", "conversation_id": session["conversation_id"],
                                            "on": True}))
            typing = await _until(customer, "typing")
            assert typing["who"] == "operator"

        # The customer's connection drops; they come back through the other process (as after a restart or a
        # load balancer's choice) and get everything after the last seq they saw, from the database.
        resume_url = (f"ws://127.0.0.1:{operator_port}/ws/widget/{world.channel.key}/"
                      f"?token={session['token']}&last_seq={answer['seq'] - 1}")
        async with connect(resume_url, origin=ORIGIN) as customer:
            resumed = await _until(customer, "session")
            assert resumed["conversation_id"] == session["conversation_id"]
            replayed = await _until(customer, "message")
            assert (replayed["seq"], replayed["text"]) == (answer["seq"], "Hi from the other server")
            mine = await _until(customer, "message")
            assert (mine["sender"], mine["text"]) == ("customer", "Thanks, got it")
