"""Errors an operator or a customer can cause: returned to them as data (`error` frames, HTTP 4xx), never a 500."""

from __future__ import annotations

from typing import Any


class ActionError(Exception):
    """A refused action. `code` is stable (clients switch on it); `message` is for people."""

    def __init__(self, code: str, message: str, extra: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        # More data for the client (e.g. the approved templates with `window_closed`), merged into the frame.
        self.extra = extra or {}

    def as_dict(self) -> dict[str, Any]:
        return {**self.extra, "code": self.code, "message": self.message}
