"""The live-agent desk as the runtime sees it: where a handoff puts a conversation and what the customer is
told about their place in the queue.

The desk (queue, assignment, presence) lives in the higher layer, channels_app, which registers it here in
its AppConfig.ready(); the runtime calls it through this interface and never imports channels_app.
"""

from __future__ import annotations

from typing import Any, Protocol


class LiveDesk(Protocol):
    def enqueue(self, conversation: Any, *, department: str | None, reason: str, node_id: str | None,
                note: str = "", message: str = "") -> None:
        """Queue a locked conversation for a person (inside the caller's transaction)."""

    def queue_position(self, conversation: Any) -> int:
        """1 + the number of chats in the same department's queue that have waited longer."""

    def queue_frame(self, conversation: Any) -> dict[str, Any]:
        """The widget's `queue` frame: position, expected wait, department."""


_desk: LiveDesk | None = None


def register(desk: LiveDesk) -> None:
    global _desk
    _desk = desk


def desk() -> LiveDesk:
    if _desk is None:
        raise RuntimeError("No live-agent desk is registered: is channels_app in INSTALLED_APPS?")
    return _desk
