"""events.batched: what a consumer's service call committed goes out in order, one layer message per group run."""

from __future__ import annotations

from runtime.realtime.publish import BATCH, batched


def event(n: int) -> dict:
    return {"type": "conv.message", "n": n}


def test_consecutive_events_to_one_group_become_one_batch_in_order():
    items = [("conv.1", event(1)), ("conv.1", event(2)), ("conv.1", event(3))]
    assert batched(items) == [("conv.1", {"type": BATCH, "events": [event(1), event(2), event(3)]})]


def test_commit_order_across_groups_is_kept():
    items = [("conv.1", event(1)), ("inbox.7", event(2)), ("conv.1", event(3)), ("conv.1", event(4))]
    assert batched(items) == [
        ("conv.1", event(1)),  # a lone event goes out as itself
        ("inbox.7", event(2)),
        ("conv.1", {"type": BATCH, "events": [event(3), event(4)]}),
    ]


def test_nothing_to_send():
    assert batched([]) == []
