"""Inbound limits: over-long texts and floods get a polite reply and skip the engine; never an error."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from django.conf import settings

WINDOW_SECONDS = 60


@dataclass(frozen=True, slots=True)
class Verdict:
    run_engine: bool
    reply: str = ""  # polite system reply to the customer, "" for none


def too_long_text(limit: int) -> str:
    return f"Your message is too long (max {limit} characters). Please send a shorter message."


SLOW_DOWN_TEXT = "You are sending messages very quickly. Please wait a moment before writing again."


def check(pipeline: dict[str, Any], text: str, now: float | None = None) -> Verdict:
    """Count this message in the conversation's rate window (kept in `pipeline["rate"]`) and judge it.

    A fixed one-minute window stored on the locked conversation row: no extra query, exact under the lock.
    """
    now = time.time() if now is None else now
    rate = pipeline.get("rate") or {}
    if now - float(rate.get("start", 0)) >= WINDOW_SECONDS:
        rate = {"start": now, "count": 0, "warned": False}
    rate["count"] = int(rate.get("count", 0)) + 1
    pipeline["rate"] = rate
    if rate["count"] > settings.INBOUND_RATE_PER_MINUTE:
        if rate.get("warned"):
            return Verdict(run_engine=False)
        rate["warned"] = True
        return Verdict(run_engine=False, reply=SLOW_DOWN_TEXT)
    limit = settings.INBOUND_MAX_CHARS
    if len(text) > limit:
        return Verdict(run_engine=False, reply=too_long_text(limit))
    return Verdict(run_engine=True)
