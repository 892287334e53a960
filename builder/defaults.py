"""Workspace defaults shared by the builder and the runtime (one place, so they never drift)."""

from __future__ import annotations

# Typed by a customer at any step, these hand the conversation to a human (per-scenario settings override).
OPERATOR_KEYWORDS: tuple[str, ...] = ("operator", "оператор", "человек", "менеджер", "human", "agent")
OPERATOR_BUTTON_LABEL = "Call operator"


def operator_keywords(workspace_settings: dict | None) -> list[str]:
    """The workspace's operator keywords, falling back to the defaults."""
    keywords = (workspace_settings or {}).get("operator_keywords")
    if isinstance(keywords, list) and all(isinstance(k, str) for k in keywords):
        return list(keywords)
    return list(OPERATOR_KEYWORDS)
