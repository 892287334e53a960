"""The WhatsApp 24-hour customer-service window.

Each customer message opens (or renews) a 24-hour window for that contact on that channel. Inside it the
business may send free-form messages; outside it only approved template messages. Exactly 24 hours after
the last customer message the window is closed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from runtime.connectors.templates import approved_templates
from runtime.errors import ActionError

WINDOW = timedelta(hours=24)
# Channel kinds whose provider enforces the window.
WINDOWED_KINDS = frozenset({"whatsapp"})

REASON_WINDOW_CLOSED = "window_closed"


def window_open(contact: Any, now: datetime) -> bool:
    """True while less than 24 h have passed since the contact's last inbound message."""
    last = getattr(contact, "last_inbound_at", None)
    if last is None:
        return False
    return now - last < WINDOW


def window_closes_at(contact: Any) -> datetime | None:
    last = getattr(contact, "last_inbound_at", None)
    return None if last is None else last + WINDOW


@dataclass(frozen=True, slots=True)
class WindowDecision:
    """Whether a free-form message may go out now; when not, why, and what may be sent instead."""

    allowed: bool
    reason: str = ""  # "window_closed" when blocked
    closes_at: datetime | None = None
    templates: list[dict[str, Any]] = field(default_factory=list)  # approved templates (blocked case only)

    @property
    def message(self) -> str:
        if self.allowed:
            return ""
        return (
            "The customer has not written for 24 hours: WhatsApp allows only approved template messages "
            "until they write again."
        )


def check_outbound(channel: Any, contact: Any, now: datetime, *, is_template: bool = False) -> WindowDecision:
    """May a message go to `contact` on `channel` at `now`? Templates are always allowed."""
    if channel.kind not in WINDOWED_KINDS:
        return WindowDecision(allowed=True)
    closes_at = window_closes_at(contact)
    if is_template or window_open(contact, now):
        return WindowDecision(allowed=True, closes_at=closes_at)
    return WindowDecision(
        allowed=False, reason=REASON_WINDOW_CLOSED, closes_at=closes_at, templates=approved_templates(channel)
    )


def not_sent_reason(decision: WindowDecision) -> str:
    """The text stored in Message.delivery_error when a bot message is held back by the window."""
    return f"{REASON_WINDOW_CLOSED}: {decision.message}"


def window_closed_error(decision: WindowDecision) -> ActionError:
    """The inbox's ActionError for an operator reply outside the window, carrying the approved templates
    (the consumer puts `extra` into the error frame, so the console can offer templates instead)."""
    return ActionError(REASON_WINDOW_CLOSED, decision.message, {"templates": decision.templates})


def ensure_operator_may_reply(conversation: Any, now: datetime) -> None:
    """Raise the `window_closed` ActionError when a free-form operator reply may not go out now."""
    decision = check_outbound(conversation.channel, conversation.contact, now)
    if not decision.allowed:
        raise window_closed_error(decision)


def free_form_allowed(channel: Any, contact: Any, now: datetime) -> bool:
    """The cheap check for the engine's StepContext.outside_window (no template lookup)."""
    return channel.kind not in WINDOWED_KINDS or window_open(contact, now)


def hold_reason(channel: Any, contact: Any, now: datetime) -> str:
    """Empty when a free-form message may go out now; else the not_sent reason stored on the Message."""
    if free_form_allowed(channel, contact, now):
        return ""
    return not_sent_reason(WindowDecision(allowed=False, reason=REASON_WINDOW_CLOSED))
