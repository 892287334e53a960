"""Baseline: a raw `websockets` echo server, the floor any websocket stack on this box can reach.

Run as `python -m tests.benchmarks.echo_server PORT`; it answers every text frame with itself.
"""

from __future__ import annotations

import asyncio
import sys

from websockets.asyncio.server import serve


async def _echo(ws) -> None:
    async for frame in ws:
        await ws.send(frame)


async def main(port: int) -> None:
    async with serve(_echo, "127.0.0.1", port, max_size=2**16, compression=None):
        print("ready", flush=True)
        await asyncio.Future()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1])))
