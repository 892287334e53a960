"""Start and stop real daphne processes for the end-to-end benchmarks, and read their memory."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"server on port {port} did not start within {timeout}s")


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


@contextmanager
def daphne(env: dict[str, str], count: int = 1):
    """Yield a list of (port, Popen) for `count` daphne processes sharing the same DB and Redis."""
    procs: list[tuple[int, subprocess.Popen]] = []
    try:
        for _ in range(count):
            port = free_port()
            proc = subprocess.Popen(
                [str(VENV_BIN / "daphne"), "-b", "127.0.0.1", "-p", str(port), "channels_app.asgi:application"],
                cwd=ROOT, env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                start_new_session=True,
            )
            procs.append((port, proc))
        for port, _ in procs:
            wait_for_port(port)
        yield procs
    finally:
        for _, proc in procs:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for _, proc in procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
