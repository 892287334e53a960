"""The load client: N websocket conversations, each sending a message every `interval` seconds.

Runs in its own process (so its CPU is measured apart from the server's) and prints one JSON document.
Modes: `echo` (the raw websockets baseline) and `widget` (our widget protocol, through the bot).
`--closed-loop` sends the next message as soon as the reply arrives (saturation).
Every run is bounded: `--duration` seconds of sending, then at most `--drain` seconds of waiting.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import resource
import statistics
import sys
import time
import uuid
from dataclasses import dataclass, field
from urllib.parse import urlencode

from websockets.asyncio.client import connect


@dataclass
class Conv:
    index: int
    sent: int = 0
    replied: int = 0
    pending_since: float | None = None
    seqs: list[int] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    replied_event: asyncio.Event = field(default_factory=asyncio.Event)


def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return round(ordered[index], 3)


class Runner:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.convs = [Conv(i) for i in range(args.conversations)]
        self.stop_sending = asyncio.Event()
        self.connect_failures = 0
        self.connected = 0
        self.started = 0.0

    def url_for(self, conv: Conv) -> str:
        # Several --url values (one per server process): conversations are spread round-robin.
        url = self.args.url[conv.index % len(self.args.url)]
        if self.args.mode == "echo":
            return url
        return f"{url}?{urlencode({'ref': 'bench'})}"

    async def run_conv(self, conv: Conv) -> None:
        # Connections arrive spread over the ramp, as visitors would, not all within one second.
        await asyncio.sleep(random.random() * max(self.args.ramp, min(self.args.interval, 5.0)))
        try:
            async with connect(
                self.url_for(conv), origin=self.args.origin, max_size=2**20, compression=None, open_timeout=30,
                ping_interval=None,
            ) as ws:
                if self.args.mode == "widget":
                    await self._await_session(ws, conv)
                if self.args.idle:
                    await self._hold(conv)
                    return
                reader = asyncio.create_task(self._read(ws, conv))
                try:
                    await self._send_loop(ws, conv)
                    deadline = time.monotonic() + self.args.drain
                    while conv.pending_since is not None and time.monotonic() < deadline:
                        await asyncio.sleep(0.05)
                finally:
                    reader.cancel()
        except Exception as exc:  # a failed connection is a counted error, not a crash of the client
            self.connect_failures += 1
            conv.errors.append(f"connect: {type(exc).__name__}: {exc}"[:200])
            self._maybe_ready()

    async def _hold(self, conv: Conv) -> None:
        """Idle mode: stay connected without sending; the last one to connect writes the ready file."""
        self.connected += 1
        self._maybe_ready()
        await self.stop_sending.wait()

    def _maybe_ready(self) -> None:
        """Idle mode: once every socket has connected or failed, tell the orchestrator how many are open."""
        if self.args.idle and self.args.ready_file and self.connected + self.connect_failures == len(self.convs):
            with open(self.args.ready_file, "w") as ready:
                ready.write(str(self.connected))

    async def _await_session(self, ws, conv: Conv) -> None:
        while True:
            frame = json.loads(await asyncio.wait_for(ws.recv(), 30))
            if frame.get("type") == "message":
                conv.seqs.append(frame.get("message", frame)["seq"])
            if frame.get("type") == "session":
                # Drain the welcome messages that follow the session frame.
                end = time.monotonic() + 2.0
                while time.monotonic() < end:
                    try:
                        frame = json.loads(await asyncio.wait_for(ws.recv(), max(0.01, end - time.monotonic())))
                    except TimeoutError:
                        break
                    if frame.get("type") == "message":
                        conv.seqs.append(frame.get("message", frame)["seq"])
                return

    async def _send_loop(self, ws, conv: Conv) -> None:
        while not self.stop_sending.is_set():
            if conv.pending_since is None:
                conv.pending_since = time.perf_counter()
                conv.sent += 1
                if self.args.mode == "echo":
                    await ws.send(json.dumps({"type": "message", "text": "hi", "n": conv.sent}))
                else:
                    await ws.send(json.dumps({"type": "message", "text": self.args.text, "client_id": uuid.uuid4().hex}))
            if self.args.closed_loop:
                # Next message as soon as the reply arrives (or after 10 s without one: counted unanswered).
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(conv.replied_event.wait(), 10)
                conv.replied_event.clear()
                if conv.pending_since is not None:
                    conv.pending_since = None
            else:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.stop_sending.wait(), self.args.interval)

    async def _read(self, ws, conv: Conv) -> None:
        async for raw in ws:
            now = time.perf_counter()
            frame = json.loads(raw)
            kind = frame.get("type")
            if self.args.mode == "echo":
                is_reply = kind == "message"
            else:
                if kind == "error":
                    conv.errors.append(f"{frame.get('code')}: {frame.get('message')}"[:200])
                    continue
                if kind != "message":
                    continue
                message = frame.get("message", frame)  # the widget's message frames are flat
                conv.seqs.append(message["seq"])
                is_reply = message.get("sender") == "bot"
            if is_reply and conv.pending_since is not None:
                conv.latencies.append((now - conv.pending_since) * 1000)
                conv.replied += 1
                conv.pending_since = None
                conv.replied_event.set()

    async def main(self) -> dict:
        self.started = time.perf_counter()
        cpu0 = os.times()
        tasks = [asyncio.create_task(self.run_conv(c)) for c in self.convs]
        await asyncio.sleep(self.args.ramp + self.args.duration)
        self.stop_sending.set()
        await asyncio.wait(tasks, timeout=self.args.drain + 35)
        wall = time.perf_counter() - self.started
        cpu1 = os.times()
        return self.report(wall, (cpu1.user - cpu0.user) + (cpu1.system - cpu0.system))

    def report(self, wall: float, cpu: float) -> dict:
        latencies = [lat for c in self.convs for lat in c.latencies]
        sent = sum(c.sent for c in self.convs)
        replied = sum(c.replied for c in self.convs)
        duplicates = sum(len(c.seqs) - len(set(c.seqs)) for c in self.convs)
        # With the server echoing the customer's own messages, seqs must be gapless from 1.
        gaps = sum(
            (max(c.seqs) - len(set(c.seqs))) for c in self.convs if c.seqs and self.args.mode == "widget"
        )
        errors = [e for c in self.convs for e in c.errors]
        return {
            "mode": self.args.mode,
            "conversations": self.args.conversations,
            "interval_s": None if self.args.closed_loop else self.args.interval,
            "closed_loop": self.args.closed_loop,
            "duration_s": round(wall, 2),
            "sent": sent,
            "replies": replied,
            "ramp_s": self.args.ramp,
            "replies_per_s": round(replied / (self.args.duration + self.args.ramp / 2), 1),
            "latency_ms": {
                "p50": percentile(latencies, 50), "p95": percentile(latencies, 95),
                "p99": percentile(latencies, 99), "max": round(max(latencies), 3) if latencies else None,
                "mean": round(statistics.fmean(latencies), 3) if latencies else None,
            },
            "unanswered": sent - replied,
            "duplicated_seqs": duplicates,
            "missing_seqs": gaps,
            "errors": len(errors),
            "error_samples": errors[:5],
            "connect_failures": self.connect_failures,
            "client_cpu_share": round(cpu / wall, 3),  # 1.0 = one core busy: the client must stay well below
            "client_max_rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        }


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", required=True, action="append", help="repeat for several server processes")
    parser.add_argument("--mode", choices=["echo", "widget"], default="widget")
    parser.add_argument("--origin", default="http://127.0.0.1:8000")
    parser.add_argument("--conversations", type=int, default=1000)
    parser.add_argument("--interval", type=float, default=5.0)
    parser.add_argument("--duration", type=float, default=30.0)
    parser.add_argument("--drain", type=float, default=10.0)
    parser.add_argument("--ramp", type=float, default=0.0, help="spread the connections over this many seconds")
    parser.add_argument("--closed-loop", action="store_true")
    parser.add_argument("--text", default="hi")
    parser.add_argument("--idle", action="store_true", help="connect and hold, send nothing (memory runs)")
    parser.add_argument("--ready-file", default="", help="idle mode: written once every socket is connected")
    return parser.parse_args(argv)


if __name__ == "__main__":
    result = asyncio.run(Runner(parse_args(sys.argv[1:])).main())
    print(json.dumps(result))
