"""A conversation's position in its scenario, JSON-safe so the pipeline can store it in a JSONField."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# What the conversation waits for.
IDLE = "idle"  # not started (or a node id that no longer exists)
INPUT = "input"  # the customer's answer at a buttons / ask / rating node
TIMER = "timer"  # a wait node's timer
HTTP = "http"  # the result of an http_request node
HANDOFF = "handoff"  # an operator has the conversation; the bot resumes on Released
JUMP = "jump"  # the pipeline continues in another scenario (JumpScenario effect)
ENDED = "ended"  # reached an end node (or an unconnected port)

WAITING_KINDS = (IDLE, INPUT, TIMER, HTTP, HANDOFF, JUMP, ENDED)
STATE_VERSION = 1


@dataclass(slots=True)
class State:
    node_id: str | None = None
    waiting: str = IDLE
    stage: str = ""  # sub-step of a node: rating "score" | "comment"
    variables: dict[str, Any] = field(default_factory=dict)
    attempts: int = 0  # failed answers at the current ask node
    misses: int = 0  # unrecognised replies at the current buttons / rating node
    timer_id: str | None = None  # the pending timer (wait node, ask timeout); others are stale
    request_id: str | None = None  # the pending HTTP request; other results are stale
    counter: int = 0  # source of unique timer / request ids within the conversation

    def copy(self) -> State:
        """A new State sharing nothing mutable with this one (values are replaced, never edited in place)."""
        return State(
            self.node_id, self.waiting, self.stage, dict(self.variables), self.attempts, self.misses,
            self.timer_id, self.request_id, self.counter,
        )

    def next_id(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}{self.counter}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "v": STATE_VERSION,
            "node_id": self.node_id,
            "waiting": self.waiting,
            "stage": self.stage,
            "variables": dict(self.variables),
            "attempts": self.attempts,
            "misses": self.misses,
            "timer_id": self.timer_id,
            "request_id": self.request_id,
            "counter": self.counter,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> State:
        """Tolerant: an empty or partial dict (e.g. a new conversation's `{}`) gives a usable state."""
        if not data:
            return cls()
        waiting = data.get("waiting", IDLE)
        return cls(
            node_id=data.get("node_id"),
            waiting=waiting if waiting in WAITING_KINDS else IDLE,
            stage=str(data.get("stage") or ""),
            variables=dict(data.get("variables") or {}),
            attempts=int(data.get("attempts") or 0),
            misses=int(data.get("misses") or 0),
            timer_id=data.get("timer_id"),
            request_id=data.get("request_id"),
            counter=int(data.get("counter") or 0),
        )
