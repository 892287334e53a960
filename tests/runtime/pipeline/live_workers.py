"""Real `manage.py db_worker` processes working on the test's own database while the test watches.

Unlike test_worker.py (which copies an SQLite database back and forth), the workers here open the test database
itself: on PostgreSQL by name; on SQLite the file the test run already uses (tests/conftest.py puts it in a
file, in WAL mode), so a test sees what a worker writes while the worker is still running. Tests using this
need `transactional_db`, so their rows are committed where the workers can see them.

`HoldingServer` is a loopback HTTP server that holds chosen requests open until the test releases them: the
deterministic point at which a test kills a worker, or checks what happened while the worker was blocked.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.db import connection

from runtime.connectors.double import Hold
from tests.support.processes import DbWorker, database_env

WAIT_LIMIT = 90  # seconds; generous for a loaded CI machine, never reached when things work


def worker_env(**extra: Any) -> dict[str, str]:
    """The environment of a worker process: the test database, DEBUG on, plus `extra` settings."""
    name = str(connection.settings_dict["NAME"])
    if connection.vendor == "sqlite" and (name == ":memory:" or name.startswith("file:")):
        pytest.skip("workers need the SQLite test database in a file")
    env = {**os.environ, **database_env(), "DEBUG": "1"}
    env.update({key: str(value) for key, value in extra.items()})
    return env


@pytest.fixture
def workers(transactional_db):
    """spawn(queues, **settings) → a started worker; all are killed before the database is flushed."""
    started: list[DbWorker] = []

    def spawn(queues: str, **extra: Any) -> DbWorker:
        worker = DbWorker(worker_env(**extra), queues)
        started.append(worker)
        return worker.wait_started()

    yield spawn
    for worker in started:
        worker.kill()


def wait_until(check: Callable[[], Any], what: str, *procs: DbWorker) -> Any:
    """Poll `check` until it returns something truthy; fail (with the workers' output) after WAIT_LIMIT."""
    deadline = time.monotonic() + WAIT_LIMIT
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.1)
    logs = "\n".join(f"--- worker {p.queues}:\n" + "".join(p.log) for p in procs)
    raise AssertionError(f"timed out waiting until {what}\n{logs}")


def wait_for(event: threading.Event, what: str, *procs: DbWorker) -> None:
    wait_until(lambda: event.wait(0.2), what, *procs)


@dataclass
class Seen:
    path: str
    headers: dict[str, str]  # names in lower case


class HoldingServer:
    """A loopback JSON server: answers `{"order": {"status": "shipped"}}`, records every request, and holds the
    requests chosen with `hold_next()` open until released."""

    def __init__(self) -> None:
        self.requests: list[Seen] = []
        self._holds: list[Hold] = []
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server._handle(self)

            def do_POST(self) -> None:
                server._handle(self)

            def log_message(self, format: str, *args: Any) -> None:
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def url(self, path: str) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}{path}"

    def hold_next(self, match: str = "") -> Hold:
        hold = Hold(match)
        with self._lock:
            self._holds.append(hold)
        return hold

    def seen(self, match: str = "") -> list[Seen]:
        with self._lock:
            return [r for r in self.requests if match in r.path]

    def stop(self) -> None:
        with self._lock:
            for hold in self._holds:
                hold.release()
        self._server.shutdown()
        self._server.server_close()

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        if length:
            handler.rfile.read(length)
        with self._lock:
            self.requests.append(Seen(handler.path, {k.lower(): v for k, v in handler.headers.items()}))
        hold = Hold.take(self._holds, self._lock, handler.path)
        data = json.dumps({"order": {"status": "shipped"}}).encode()
        try:
            handler.send_response(200)
            handler.send_header("Content-Type", "application/json")
            handler.send_header("Content-Length", str(len(data)))
            handler.end_headers()
            handler.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the worker that asked was killed
        finally:
            if hold is not None:
                hold.answered.set()


@pytest.fixture
def holding_server():
    server = HoldingServer()
    yield server
    server.stop()


BOT_TOKEN = "7000000001:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"


@pytest.fixture
def telegram(settings, workspace, owner):
    """(provider double, a Telegram channel whose bot says "Hello from the bot" and ends)."""
    from runtime.channels_api import create_messenger_channel
    from runtime.connectors.double import ProviderDouble
    from tests.support.documents import document, node
    from tests.support.world import publish_document

    doc = document([node("hello", "message", text="Hello from the bot"), node("bye", "end")],
                   [("hello", "next", "bye")])
    with ProviderDouble() as double:
        settings.TELEGRAM_API_BASE = double.url
        scenario = publish_document(workspace, "hello", doc, owner)
        channel, _ = create_messenger_channel(workspace, kind="telegram", name="Shop bot",
                                              secrets={"bot_token": BOT_TOKEN}, scenario=scenario,
                                              register_webhook=False)
        yield double, channel
