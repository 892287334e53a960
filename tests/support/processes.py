"""Child processes on the test database: daphne servers and task workers, their output read safely, and the
frames their sockets send."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
LISTENING = re.compile(r"Listening on TCP address 127\.0\.0\.1:(\d+)")


def database_env() -> dict[str, str]:
    """The environment that points a child process (daphne, db_worker) at this test's database."""
    db = connection.settings_dict
    if connection.vendor != "sqlite":
        auth = (db.get("USER") or "postgres") + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
        host, port = db.get("HOST") or "127.0.0.1", db.get("PORT") or 5432
        return {"DATABASE_URL": f"postgres://{auth}@{host}:{port}/{db['NAME']}"}
    return {"DATABASE_URL": "", "SQLITE_PATH": str(db["NAME"])}


def server_env(**extra: str) -> dict[str, str]:
    """A daphne's environment: the test database, INFO logs (daphne logs the port it bound there), `extra`."""
    return {**os.environ, "DJANGO_SETTINGS_MODULE": "channels_app.settings", "DEBUG": "1",
            "ALLOWED_HOSTS": "127.0.0.1,localhost", "SECRET_KEY": settings.SECRET_KEY, "LOG_LEVEL": "INFO",
            **database_env(), **extra}


class OutputLines:
    """Reads a child's output in a thread (so it never blocks on a full pipe) and keeps every line."""

    def __init__(self, stream: IO[str] | None) -> None:
        assert stream is not None, "start the process with a text pipe"
        self.log: list[str] = []
        self._lines: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._read, args=(stream,), daemon=True).start()

    def _read(self, stream: IO[str]) -> None:
        for line in stream:
            self.log.append(line)
            self._lines.put(line)
        self._lines.put(None)

    def wait_for(self, pattern: str | re.Pattern[str], what: str, limit: float = 60) -> re.Match[str]:
        """The first new line matching `pattern`; fails with the log's tail when the output ends first or
        `limit` seconds pass (a bound, never a timing assertion)."""
        regex = re.compile(pattern)
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            try:
                line = self._lines.get(timeout=1)
            except queue.Empty:
                continue
            if line is None:
                break
            match = regex.search(line)
            if match:
                return match
        raise AssertionError(f"{what}:\n" + "".join(self.log[-30:]))


class Daphne:
    """A daphne process on a free port (port 0, read back from its log); keeps its log lines."""

    def __init__(self, env: dict[str, str], limit: float = 60) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", "0", "channels_app.asgi:application"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        self.output = OutputLines(self.process.stderr)
        try:
            self.port = int(self.output.wait_for(LISTENING, "daphne did not start", limit).group(1))
        except AssertionError:
            self.process.kill()
            raise

    @property
    def log(self) -> list[str]:
        return self.output.log

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()

    def count(self, text: str) -> int:
        return sum(text in line for line in self.log)


@contextlib.contextmanager
def running_servers(count: int, env: dict[str, str]) -> Iterator[list[Daphne]]:
    """`count` daphne processes sharing one database (and one channel layer when REDIS_URL is set)."""
    servers: list[Daphne] = []
    try:
        for _ in range(count):
            servers.append(Daphne(env))
        yield servers
    finally:
        for server in servers:
            server.stop()


class DbWorker:
    """A `manage.py db_worker` process (the real task worker); its output kept for failure messages."""

    def __init__(self, env: dict[str, str], queues: str = "*", interval: float = 0.1) -> None:
        self.queues = queues
        self.proc = subprocess.Popen(
            [sys.executable, "manage.py", "db_worker", "--queue-name", queues, "--interval", str(interval),
             "--no-startup-delay", "--no-reload", "-v", "1"],
            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )
        self.output = OutputLines(self.proc.stdout)

    @property
    def log(self) -> list[str]:
        return self.output.log

    def wait_started(self, limit: float = 90) -> DbWorker:
        self.output.wait_for("Starting worker", "the worker did not start", limit)
        return self

    def kill(self) -> None:
        """SIGKILL: no clean-up runs, exactly like an OOM kill or a lost host."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=30)


async def next_frame(ws: Any, frame_type: str, match: Callable[[dict[str, Any]], bool] = lambda f: True,
                     timeout: float = 15) -> dict[str, Any]:
    """The next JSON frame of `frame_type` (and `match`) on a websockets client connection; others are skipped."""
    async def read() -> dict[str, Any]:
        while True:
            frame = json.loads(await ws.recv())
            if frame["type"] == frame_type and match(frame):
                return frame

    return await asyncio.wait_for(read(), timeout)
