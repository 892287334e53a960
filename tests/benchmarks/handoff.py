"""Handoff latency: from the customer's "call operator" frame to the `queued` event at a connected operator.

One operator inbox socket stays open; every `--every` seconds a new customer connects, then presses the
operator button; we time the gap until the inbox announces that conversation. Prints one JSON document.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
import uuid
from urllib.parse import urlsplit

from websockets.asyncio.client import connect

from tests.benchmarks.loadclient import percentile


def own_origin(base: str) -> str:
    """The origin of the server's own pages: the inbox socket carries the operator's cookie, so the server only
    accepts it from its own scheme, host and port (channels_app/origin.py), as a browser on the inbox page sends."""
    parts = urlsplit(base)
    return f"{'https' if parts.scheme == 'wss' else 'http'}://{parts.netloc}"


async def main(args: argparse.Namespace) -> dict:
    pressed: dict[str, float] = {}
    latencies: list[float] = []
    errors: list[str] = []
    inbox_url = f"{args.base}/ws/inbox/?workspace={args.workspace}"
    async with connect(inbox_url, origin=own_origin(args.base), additional_headers={"Cookie": f"sessionid={args.session}"},
                       max_size=2**24, ping_interval=None) as inbox:
        first = json.loads(await asyncio.wait_for(inbox.recv(), 30))
        if first.get("type") != "snapshot":
            return {"error": f"inbox did not send a snapshot: {first}"}

        async def watch() -> None:
            async for raw in inbox:
                frame = json.loads(raw)
                if frame.get("type") != "queued":
                    continue
                conv = frame.get("conversation", {})
                conv_id = str(conv.get("id") or frame.get("conversation_id"))
                started = pressed.pop(conv_id, None)
                if started is not None:
                    latencies.append((time.perf_counter() - started) * 1000)

        watcher = asyncio.create_task(watch())
        await asyncio.sleep(args.delay)  # connected before the load ramps up; measure once it runs
        customers = []
        deadline = time.monotonic() + args.duration
        while time.monotonic() < deadline:
            try:
                ws = await connect(f"{args.base}/ws/widget/{args.widget_key}/", origin=args.origin, ping_interval=None)
                customers.append(ws)
                conv_id = None
                while conv_id is None:
                    frame = json.loads(await asyncio.wait_for(ws.recv(), 30))
                    if frame.get("type") == "session":
                        conv_id = str(frame["conversation_id"])
                await asyncio.sleep(0.2)  # let the welcome turn finish, as a person would read it
                pressed[conv_id] = time.perf_counter()
                await ws.send(json.dumps({"type": "button", "button_id": "__operator__",
                                          "client_id": uuid.uuid4().hex}))
            except Exception as exc:
                errors.append(f"{type(exc).__name__}: {exc}"[:200])
            await asyncio.sleep(args.every)
        await asyncio.sleep(2)
        watcher.cancel()
        for ws in customers:
            await ws.close()
    return {
        "handoffs": len(latencies) + len(pressed),
        "observed": len(latencies),
        "missing_events": len(pressed),
        "latency_ms": {"p50": percentile(latencies, 50), "p99": percentile(latencies, 99),
                       "max": round(max(latencies), 3) if latencies else None},
        "errors": len(errors),
        "error_samples": errors[:5],
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--base", required=True, help="ws://127.0.0.1:PORT")
    parser.add_argument("--widget-key", required=True)
    parser.add_argument("--workspace", required=True)
    parser.add_argument("--session", required=True)
    parser.add_argument("--origin", default="http://127.0.0.1:8000", help="the customer's page (the widget's site)")
    parser.add_argument("--duration", type=float, default=20)
    parser.add_argument("--every", type=float, default=0.5)
    parser.add_argument("--delay", type=float, default=0.0, help="seconds between connecting and the first handoff")
    print(json.dumps(asyncio.run(main(parser.parse_args(sys.argv[1:])))))
