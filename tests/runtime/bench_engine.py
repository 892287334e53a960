"""Engine throughput on one core: `python -m tests.runtime.bench_engine` (not collected by pytest).

A two-node buttons loop: each step is one customer press that moves to the other node and renders it.
"""

from __future__ import annotations

import time

from runtime.engine.events import ButtonPress, StepContext, Text
from runtime.engine.interpreter import step
from runtime.engine.loader import compile_scenario
from runtime.engine.state import State
from tests.support.documents import document as doc
from tests.support.documents import node


def main(n: int = 200_000) -> None:
    scenario = compile_scenario(doc(
        [node("a", "buttons", text="Hi {{contact_name|there}}, go on?", buttons=[{"id": "to_b", "label": "Next"}]),
         node("b", "buttons", text="And back?", buttons=[{"id": "to_a", "label": "Back"}])],
        [("a", "to_b", "b"), ("b", "to_a", "a")],
    ))
    ctx = StepContext()
    for label, events in (("button press", (ButtonPress("to_b"), ButtonPress("to_a"))),
                          ("typed label", (Text("next"), Text("back")))):
        state = step(scenario, State(), Text("hi"), ctx).state
        started = time.process_time()  # CPU time: the machine may be shared
        for i in range(n):
            state = step(scenario, state, events[i & 1], ctx).state
        elapsed = time.process_time() - started
        assert state.node_id == "a"
        print(f"{label}: {n / elapsed:,.0f} steps/s ({elapsed / n * 1e6:.1f} µs/step)")


if __name__ == "__main__":
    main()
