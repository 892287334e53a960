"""Helpers for pure engine tests: drive a conversation through `step` (documents: tests/support/documents)."""

from __future__ import annotations

from typing import Any

from runtime.engine import effects as fx
from runtime.engine import events as ev
from runtime.engine.interpreter import step
from runtime.engine.loader import compile_scenario
from runtime.engine.state import State


class Bot:
    """A conversation under test: feeds events, keeps the state, exposes the last step's effects."""

    def __init__(self, document: dict[str, Any], ctx: ev.StepContext | None = None) -> None:
        self.scenario = compile_scenario(document)
        self.state = State()
        self.ctx = ctx or ev.StepContext()
        self.effects: tuple[fx.Effect, ...] = ()

    def send(self, event: ev.Event) -> tuple[fx.Effect, ...]:
        before = self.state.to_dict()
        result = step(self.scenario, self.state, event, self.ctx)
        assert self.state.to_dict() == before, "step must not mutate the state it was given"
        self.state, self.effects = result.state, result.effects
        assert not [e for e in self.effects if isinstance(e, fx.Error) and e.code == "internal_error"], self.effects
        return self.effects

    def start(self, ref: str = "", channel: str = "web") -> tuple[fx.Effect, ...]:
        return self.send(ev.Start(ref=ref, channel=channel))

    def say(self, text: str) -> tuple[fx.Effect, ...]:
        return self.send(ev.Text(text))

    def press(self, button_id: str, label: str = "") -> tuple[fx.Effect, ...]:
        return self.send(ev.ButtonPress(button_id, label))

    def fire(self, timer_id: str | None = None) -> tuple[fx.Effect, ...]:
        return self.send(ev.TimerFired(timer_id or self.state.timer_id or "none"))

    def http(self, status: int | None = 200, body: Any = None, error: str | None = None,
             request_id: str | None = None) -> tuple[fx.Effect, ...]:
        return self.send(ev.HttpResult(request_id or self.state.request_id or "none", status, body, error))

    def release(self, node_id: str | None = None) -> tuple[fx.Effect, ...]:
        return self.send(ev.Released(node_id))

    # --- reading effects ---
    def of(self, kind: type) -> list[Any]:
        return [e for e in self.effects if isinstance(e, kind)]

    @property
    def texts(self) -> list[str]:
        return [e.text for e in self.of(fx.SendMessage)]

    @property
    def buttons(self) -> list[str]:
        """Labels of the last message's buttons."""
        messages = self.of(fx.SendMessage)
        return [b.label for b in messages[-1].buttons] if messages else []

    @property
    def button_ids(self) -> list[str]:
        messages = self.of(fx.SendMessage)
        return [b.id for b in messages[-1].buttons] if messages else []

    @property
    def handoff(self) -> fx.Handoff | None:
        found = self.of(fx.Handoff)
        return found[-1] if found else None

    @property
    def vars(self) -> dict[str, Any]:
        return self.state.variables
