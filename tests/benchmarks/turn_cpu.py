"""CPU of one bot turn in an open conversation: `runtime.services.receive()` called in a loop, in-process.

Far less noisy than the socket benchmarks on a shared machine: it times the process's own CPU per call
(time.process_time, so waiting on PostgreSQL is not counted) and the wall time beside it. Run it in the
benchmark's environment (DATABASE_URL = PostgreSQL; no REDIS_URL, so published events stay in process):
`python -m tests.benchmarks.turn_cpu --turns 3000` → one JSON line. It recreates the benchmark workspace.
`--lookups N` also times the turn's first statement alone, the locked open-conversation select
(runtime/pipeline/sql.py), beside the same query built by the ORM on every call.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
import uuid
from collections.abc import Callable
from typing import Any

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "channels_app.settings")
django.setup()

from django.db import connection, reset_queries, transaction  # noqa: E402

from runtime.connectors.base import InboundMessage  # noqa: E402
from runtime.models import Channel, Conversation  # noqa: E402
from runtime.pipeline import sql  # noqa: E402
from runtime.services import receive  # noqa: E402
from tests.benchmarks import setup_data  # noqa: E402


def orm_open_conversation(channel_id: int, external_id: str) -> Conversation | None:
    return (Conversation.objects.filter(contact__channel_id=channel_id, contact__external_id=external_id)
            .exclude(mode=Conversation.Mode.CLOSED).order_by("-started_at").select_for_update(of=("self",))
            .select_related("channel", "workspace", "contact").first())


def lookup_cpu_us(find: Callable[[int, str], Any], channel_id: int, visitors: list[str], calls: int) -> float:
    """CPU µs per call of one open-conversation lookup, all calls in one transaction (as in a turn)."""
    with transaction.atomic():
        for i in range(min(calls, 200)):  # warm-up
            find(channel_id, visitors[i % len(visitors)])
        started = time.process_time()
        for i in range(calls):
            if find(channel_id, visitors[i % len(visitors)]) is None:
                raise RuntimeError("the visitor's conversation was not found")
        return round((time.process_time() - started) / calls * 1e6, 1)


def main(turns: int, contacts: int, warmup: int, lookups: int = 0) -> dict:
    setup = setup_data.main()
    channel_id = Channel.objects.get(key=setup["widget_key"]).pk
    visitors = [f"cpu-{uuid.uuid4().hex[:12]}" for _ in range(contacts)]
    for visitor in visitors:  # each visitor's welcome turn: the conversations the loop then writes to
        receive(InboundMessage(channel_id=channel_id, external_id=None, contact_external_id=visitor, is_start=True))

    def turn(i: int) -> None:
        receive(InboundMessage(channel_id=channel_id, external_id=uuid.uuid4().hex,
                               contact_external_id=visitors[i % contacts], text=setup["text"]))

    for i in range(warmup):
        turn(i)
    cpu, wall = [], []
    for i in range(turns):
        c0, w0 = time.process_time(), time.perf_counter()
        turn(i)
        cpu.append(time.process_time() - c0)
        wall.append(time.perf_counter() - w0)
    connection.force_debug_cursor = True  # count one more turn's statements
    reset_queries()
    turn(turns)
    statements = len(connection.queries)
    connection.force_debug_cursor = False
    result: dict[str, Any] = {}
    if lookups:
        result["lookup_cpu_us"] = {"hand_written": lookup_cpu_us(sql.open_conversation, channel_id, visitors, lookups),
                                   "orm": lookup_cpu_us(orm_open_conversation, channel_id, visitors, lookups)}
    return {
        "turns": turns,
        "cpu_ms_per_turn": round(sum(cpu) / turns * 1000, 3),
        "wall_ms_per_turn": {"mean": round(sum(wall) / turns * 1000, 3),
                             "median": round(statistics.median(wall) * 1000, 3)},
        "statements_per_turn": statements,
        **result,
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--turns", type=int, default=3000)
    parser.add_argument("--contacts", type=int, default=50)
    parser.add_argument("--warmup", type=int, default=300)
    parser.add_argument("--lookups", type=int, default=0, help="also time N open-conversation lookups alone")
    args = parser.parse_args(sys.argv[1:])
    print(json.dumps(main(args.turns, args.contacts, args.warmup, args.lookups)))
