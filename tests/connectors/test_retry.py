"""The retry helper and the rate limiter, with a fake sleep and a fake clock (no real waiting)."""

from __future__ import annotations

import datetime as dt

import httpx
import pytest

from runtime.connectors.retry import RateLimiter, RetryPolicy, call_with_retries, retry_hint


def responses(*items):
    queue = list(items)

    def do() -> httpx.Response:
        item = queue.pop(0)
        if isinstance(item, Exception):
            raise item
        return item

    return do


def tg_429(seconds: int) -> httpx.Response:
    return httpx.Response(429, json={"ok": False, "error_code": 429, "description": "Too Many Requests",
                                     "parameters": {"retry_after": seconds}})


def test_telegram_retry_after_is_honoured():
    waits: list[float] = []
    outcome = call_with_retries(responses(tg_429(3), httpx.Response(200, json={"ok": True})),
                                RetryPolicy(max_attempts=4, base_delay=0.5, max_delay=30), waits.append)
    assert outcome.ok
    assert waits == [3.0]  # the hint, not the 0.5 s backoff
    assert [a.status for a in outcome.attempts] == [429, 200]


def test_retry_after_header_seconds_and_http_date():
    assert retry_hint(httpx.Response(429, headers={"Retry-After": "12"})) == 12.0
    when = dt.datetime(2026, 1, 1, 0, 0, 30, tzinfo=dt.UTC)
    now = dt.datetime(2026, 1, 1, 0, 0, 0, tzinfo=dt.UTC)
    header = {"Retry-After": "Thu, 01 Jan 2026 00:00:30 GMT"}
    assert retry_hint(httpx.Response(503, headers=header), now=lambda: now) == (when - now).total_seconds()
    assert retry_hint(httpx.Response(503)) is None


def test_exponential_backoff_then_give_up_on_5xx():
    waits: list[float] = []
    outcome = call_with_retries(responses(*[httpx.Response(500)] * 4),
                                RetryPolicy(max_attempts=4, base_delay=1, max_delay=3), waits.append)
    assert not outcome.ok
    assert waits == [1, 2, 3]  # 1, 2, 4 capped at 3; no wait after the last attempt
    assert outcome.response.status_code == 500


def test_hint_above_the_cap_is_capped():
    waits: list[float] = []
    call_with_retries(responses(tg_429(120), httpx.Response(200, json={})), RetryPolicy(max_delay=10), waits.append)
    assert waits == [10]


def test_client_errors_are_not_retried():
    waits: list[float] = []
    outcome = call_with_retries(responses(httpx.Response(400), httpx.Response(200)), RetryPolicy(), waits.append)
    assert [a.status for a in outcome.attempts] == [400] and waits == []


def test_transport_errors_are_retried():
    waits: list[float] = []
    outcome = call_with_retries(responses(httpx.ConnectError("refused"), httpx.Response(200, json={})),
                                RetryPolicy(base_delay=0.25), waits.append)
    assert outcome.ok and waits == [0.25]
    assert outcome.attempts[0].status is None and "ConnectError" in outcome.attempts[0].error


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_per_chat_interval():
    clock = FakeClock()
    limiter = RateLimiter(global_rate=30, per_key_interval=1.0, clock=clock)
    assert limiter.reserve("chat-a") == 0
    assert limiter.reserve("chat-a") == pytest.approx(1.0)
    assert limiter.reserve("chat-a") == pytest.approx(2.0)
    assert limiter.reserve("chat-b") == 0  # another chat is not held back
    clock.now += 5
    assert limiter.reserve("chat-a") == 0


def test_global_rate():
    clock = FakeClock()
    limiter = RateLimiter(global_rate=30, per_key_interval=1.0, clock=clock)
    delays = [limiter.reserve(f"chat-{i}") for i in range(31)]
    assert delays[:30] == [0] * 30
    assert delays[30] == pytest.approx(1.0)  # the 31st message in one second waits for the window
