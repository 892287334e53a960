"""Effects returned by `step()`. The engine performs no I/O; the pipeline carries these out in order."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

OPERATOR_BUTTON_ID = "__operator__"


@dataclass(frozen=True, slots=True)
class Button:
    id: str
    label: str


@dataclass(frozen=True, slots=True)
class Media:
    kind: str  # image | video | audio | file
    url: str
    caption: str = ""


@dataclass(frozen=True, slots=True)
class TemplateRef:
    """A `template` node's message: a pre-approved WhatsApp template; the pipeline looks up its body."""

    name: str
    language: str
    variables: tuple[tuple[str, str], ...] = ()  # (placeholder number, rendered value), in order


@dataclass(frozen=True, slots=True)
class SendMessage:
    text: str
    node_id: str
    buttons: tuple[Button, ...] = ()  # includes the operator button on interactive steps
    media: Media | None = None
    # Port to follow when the channel cannot send free-form content (WhatsApp outside 24 h), if drawn.
    outside_window_port: str | None = None
    template: TemplateRef | None = None  # set by `template` nodes (text is then empty)


@dataclass(frozen=True, slots=True)
class ScheduleTimer:
    timer_id: str  # unique per conversation; a fired timer whose id is no longer pending is a no-op
    seconds: int
    node_id: str


@dataclass(frozen=True, slots=True)
class CancelTimer:
    timer_id: str


@dataclass(frozen=True, slots=True)
class CallHttp:
    request_id: str
    method: str
    url: str
    headers: tuple[tuple[str, str], ...]
    body: str | None
    timeout_seconds: float
    node_id: str


@dataclass(frozen=True, slots=True)
class SetTags:
    add: tuple[str, ...] = ()
    remove: tuple[str, ...] = ()
    consent: str | None = None  # subscribe | unsubscribe


@dataclass(frozen=True, slots=True)
class UpdateContact:
    """The bot collected a contact field (name, phone, email) through a built-in variable."""

    fields: tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class Rating:
    score: int
    comment: str
    node_id: str


@dataclass(frozen=True, slots=True)
class Handoff:
    reason: str  # button | keyword | node | error
    node_id: str | None
    department: str | None = None
    # Copy of the handoff node's text for the operator's view; the customer already gets it as a
    # SendMessage emitted just before this effect, so do not send it again.
    message: str = ""
    note: str = ""


@dataclass(frozen=True, slots=True)
class JumpScenario:
    """Continue in another scenario's published version; the pipeline loads it and steps `Start(node_id=…)`."""

    scenario: str  # slug
    node_id: str | None = None


@dataclass(frozen=True, slots=True)
class End:
    node_id: str


@dataclass(frozen=True, slots=True)
class Error:
    code: str  # e.g. transition_limit, node_missing, scenario_invalid
    message: str
    node_id: str | None = None


Effect = (
    SendMessage | ScheduleTimer | CancelTimer | CallHttp | SetTags | UpdateContact | Rating | Handoff
    | JumpScenario | End | Error
)


def effect_to_dict(effect: Effect) -> dict[str, Any]:
    """JSON-friendly form (for logs, the preview API and tests)."""
    from dataclasses import asdict

    return {"type": type(effect).__name__, **asdict(effect)}
