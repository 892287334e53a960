"""Engine steps/s on one core: random customers walking the fixture scenarios and a 1,000-node scenario."""

from __future__ import annotations

import json
import random
import time
from pathlib import Path
from typing import Any

from runtime.engine import effects as fx
from runtime.engine.events import ButtonPress, HttpResult, Start, StepContext, Text, TimerFired
from runtime.engine.interpreter import step
from runtime.engine.loader import compile_scenario
from runtime.engine.state import State
from tests.benchmarks import generate

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
TEXTS = ("hello", "42", "ivan@example.com", "+7 912 345 67 89", "2026-11-21", "what?")


def _next_event(rng: random.Random, effects: tuple, state: State) -> Any:
    """What a random customer (or the pipeline) does next, given what the bot just did."""
    for effect in reversed(effects):
        if isinstance(effect, fx.CallHttp):
            return HttpResult(effect.request_id, 200, {"status": "shipped", "ok": True})
        if isinstance(effect, fx.ScheduleTimer):
            return TimerFired(effect.timer_id)
        if isinstance(effect, fx.SendMessage) and effect.buttons:
            choices = [b for b in effect.buttons if b.id != fx.OPERATOR_BUTTON_ID]
            if choices:
                return ButtonPress(rng.choice(choices).id)
    if isinstance(effects[-1:] and effects[-1], fx.End | fx.Handoff) or not effects:
        return Start(ref="bench")
    return Text(rng.choice(TEXTS))


def walk(document: dict[str, Any], steps: int, seed: int = 1) -> dict[str, Any]:
    scenario = compile_scenario(document)
    ctx = StepContext()
    rng = random.Random(seed)
    state, event = State(), Start(ref="bench")
    started = time.process_time()  # CPU time of this process: the machine may be shared
    for _ in range(steps):
        result = step(scenario, state, event, ctx)
        state = result.state
        event = _next_event(rng, result.effects, state)
    elapsed = time.process_time() - started
    return {"steps": steps, "steps_per_s": round(steps / elapsed), "us_per_step": round(elapsed / steps * 1e6, 2)}


def run(steps: int = 100_000) -> dict[str, Any]:
    per_fixture = {}
    total_steps, total_time = 0, 0.0
    for path in sorted(FIXTURES.glob("*.json")):
        bundle = json.loads(path.read_text(encoding="utf-8"))
        for item in bundle["scenarios"]:
            result = walk(item["document"], steps // 5)
            per_fixture[item["slug"]] = result["steps_per_s"]
            total_steps += result["steps"]
            total_time += result["steps"] / result["steps_per_s"]
    big = walk(generate.scenario(1000), steps)
    return {
        "fixtures_steps_per_s": round(total_steps / total_time) if total_time else None,
        "fixtures": per_fixture,
        "generated_1000_nodes_steps_per_s": big["steps_per_s"],
    }


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
