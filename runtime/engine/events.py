"""Events fed to `step()`. Plain frozen dataclasses: the pipeline builds them, the engine reads them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Start:
    """A new conversation (or a restart after `end`). `ref` is the start-link source."""

    ref: str = ""
    channel: str = "web"
    node_id: str | None = None  # start somewhere other than the scenario's start (cross-scenario jump)


@dataclass(frozen=True, slots=True)
class Text:
    text: str


@dataclass(frozen=True, slots=True)
class ButtonPress:
    button_id: str
    label: str = ""


@dataclass(frozen=True, slots=True)
class TimerFired:
    timer_id: str


@dataclass(frozen=True, slots=True)
class HttpResult:
    request_id: str
    status: int | None = None  # None when the request did not complete
    body: Any = None  # parsed JSON, or None
    error: str | None = None  # "timeout", "refused_private_address", "invalid_json", "too_large", "http_500", …


@dataclass(frozen=True, slots=True)
class Released:
    """An operator returned the customer to the bot at `node_id` (None = the scenario's start)."""

    node_id: str | None = None


@dataclass(frozen=True, slots=True)
class OutsideWindow:
    """The channel refused `node_id`'s message (e.g. WhatsApp outside 24 h): follow its `outside_window` port.

    Without a drawn `outside_window` port this is a no-op. (Alternatively the pipeline sets
    `StepContext.outside_window` before stepping and the engine takes that port instead of sending.)
    """

    node_id: str


Event = Start | Text | ButtonPress | TimerFired | HttpResult | Released | OutsideWindow


@dataclass(frozen=True, slots=True)
class StepContext:
    """Facts from outside the engine that a step may read; the pipeline fills them, so the engine does no I/O."""

    business_hours: bool = True
    contact: dict[str, Any] = field(default_factory=dict)  # name, phone, email
    operator_keywords: tuple[str, ...] = ()  # workspace defaults; scenario settings override
    max_transitions: int = 100
    # The channel cannot send free-form messages now (WhatsApp outside 24 h): message / buttons nodes with a
    # drawn `outside_window` port take it instead of sending.
    outside_window: bool = False
