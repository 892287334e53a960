"""Outbound HTTP to providers: retries with exponential backoff on 429/5xx that honour the provider's
retry hint (Telegram's `parameters.retry_after`, the `Retry-After` header), and a small rate limiter.

Kept free of Django so it is unit-testable with a fake clock and a fake sleep.
"""

from __future__ import annotations

import email.utils
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import httpx


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    max_attempts: int = 4  # the first try included
    base_delay: float = 0.5  # seconds; doubles each retry
    max_delay: float = 30.0  # no single wait is longer (a hint above it is capped)

    def backoff(self, retry_number: int) -> float:
        """Delay before retry `retry_number` (1-based) when the provider gave no hint."""
        return min(self.max_delay, self.base_delay * (2 ** (retry_number - 1)))


@dataclass(slots=True)
class Attempt:
    number: int
    status: int | None  # HTTP status, None on a transport error
    error: str = ""
    retry_after: float | None = None  # the provider's hint, if any
    delay: float = 0.0  # how long we waited after this attempt (0 for the last one)


@dataclass(slots=True)
class Outcome:
    response: httpx.Response | None
    attempts: list[Attempt] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.response is not None and 200 <= self.response.status_code < 300


def is_retryable(status: int | None) -> bool:
    return status is None or status == 429 or status >= 500


def retry_hint(response: httpx.Response, now: Callable[[], datetime] | None = None) -> float | None:
    """Seconds the provider asked us to wait: JSON `parameters.retry_after` (Telegram) or `Retry-After`
    (seconds or an HTTP date)."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict):
        params = body.get("parameters")
        if isinstance(params, dict) and isinstance(params.get("retry_after"), int | float):
            return max(0.0, float(params["retry_after"]))
    header = response.headers.get("Retry-After")
    if not header:
        return None
    header = header.strip()
    try:
        return max(0.0, float(header))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(header)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    current = now() if now else datetime.now(UTC)
    return max(0.0, (when - current).total_seconds())


def call_with_retries(
    do_request: Callable[[], httpx.Response],
    policy: RetryPolicy,
    sleep: Callable[[float], None] = time.sleep,
) -> Outcome:
    """Call `do_request` until it succeeds, fails permanently (4xx other than 429) or attempts run out."""
    outcome = Outcome(response=None)
    for number in range(1, policy.max_attempts + 1):
        try:
            response = do_request()
        except httpx.HTTPError as exc:
            attempt = Attempt(number=number, status=None, error=f"{type(exc).__name__}: {exc}"[:300])
            response = None
        else:
            attempt = Attempt(number=number, status=response.status_code)
            outcome.response = response
            if not 200 <= response.status_code < 300:
                attempt.error = f"http_{response.status_code}"
                attempt.retry_after = retry_hint(response)
        outcome.attempts.append(attempt)
        if response is not None and (200 <= response.status_code < 300 or not is_retryable(response.status_code)):
            return outcome
        if number == policy.max_attempts:
            return outcome
        wait = policy.backoff(number)
        if attempt.retry_after is not None:
            wait = max(wait, attempt.retry_after)
        attempt.delay = min(policy.max_delay, wait)
        sleep(attempt.delay)
    return outcome


class RateLimiter:
    """Sliding-window limits: at most `global_rate` sends per second overall and one send per
    `per_key_interval` seconds for each key (a chat).

    Process-local: with several worker processes the provider's 429 + retry hint (handled above) is the
    backstop; this limiter keeps a single worker from tripping it in the first place.
    """

    def __init__(
        self,
        global_rate: int,
        per_key_interval: float,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.global_rate = global_rate
        self.per_key_interval = per_key_interval
        self.clock = clock
        self.sleep = sleep
        self._lock = threading.Lock()
        self._recent: deque[float] = deque()
        self._last_by_key: dict[str, float] = {}

    def reserve(self, key: str) -> float:
        """Book the next slot for `key`; returns how long the caller must wait before sending."""
        with self._lock:
            now = self.clock()
            while self._recent and self._recent[0] <= now - 1.0:
                self._recent.popleft()
            start = now
            if self.global_rate > 0 and len(self._recent) >= self.global_rate:
                start = max(start, self._recent[-self.global_rate] + 1.0)
            last = self._last_by_key.get(key)
            if last is not None and self.per_key_interval > 0:
                start = max(start, last + self.per_key_interval)
            self._recent.append(start)
            self._last_by_key[key] = start
            if len(self._last_by_key) > 10_000:  # forget idle chats
                cutoff = now - max(self.per_key_interval, 1.0)
                self._last_by_key = {k: t for k, t in self._last_by_key.items() if t > cutoff}
            return max(0.0, start - now)

    def wait(self, key: str) -> float:
        delay = self.reserve(key)
        if delay > 0:
            self.sleep(delay)
        return delay
