"""Throttles for what a person or a script can abuse: counters and lockouts in Django's cache.

With REDIS_URL set the cache is Redis, shared by every process; the embedded default (local memory) counts per
process, which is right for the single-process demo only. Counters are fixed windows (the window's number is
part of the key, so a counter never outlives its window, whatever the backend does with expiry); a lockout
stores the moment it ends, so it is lifted on time also when read back from a cache that kept it longer.
Keys hold a digest of the account or address, never the value itself.
"""

from __future__ import annotations

import hashlib
import logging
import math
import time
from collections.abc import Callable
from typing import Any, TypeVar

from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

log = logging.getLogger(__name__)


def _key(scope: str, subject: str, *suffix: Any) -> str:
    digest = hashlib.sha256(subject.encode("utf-8", "surrogatepass")).hexdigest()[:32]
    return ":".join(["throttle", scope, digest, *map(str, suffix)])


def hit(scope: str, subject: str, window: int, now: float | None = None) -> int:
    """Count one event of `subject` in the current `window`-second window; the count so far, this one included."""
    now = time.time() if now is None else now
    key = _key(scope, subject, int(now // window))
    backend = caches["default"]
    if isinstance(backend, RedisCache):
        # One round trip (Django's incr costs two, and needs an add first): INCR creates the key, EXPIRE bounds it.
        # Django stores ints as plain Redis integers, so cache.get reads the same value.
        full = backend.make_and_validate_key(key)
        with backend._cache.get_client(full, write=True).pipeline(transaction=False) as pipe:
            count, _ = pipe.incr(full).expire(full, window + 1).execute()
        return int(count)
    try:
        return cache.incr(key)
    except ValueError:  # the window's first event (Django's incr refuses a missing key)
        if cache.add(key, 1, timeout=window + 1):
            return 1
        return cache.incr(key)  # another process added it in between


def over_limit(scope: str, subject: str, limit: int, window: int, now: float | None = None) -> bool:
    """Count one event and tell whether it is beyond `limit` per `window` seconds (False if the cache is down)."""
    return _guarded(0, lambda: hit(scope, subject, window, now)) > limit


def forget(scope: str, subject: str, window: int, now: float | None = None) -> None:
    now = time.time() if now is None else now
    _guarded(None, lambda: cache.delete(_key(scope, subject, int(now // window))))


def lock(scope: str, subject: str, seconds: int, now: float | None = None) -> None:
    now = time.time() if now is None else now
    _guarded(None, lambda: cache.set(_key(scope, "lock", subject), now + seconds, timeout=seconds + 1))


def locked_for(pairs: list[tuple[str, str]], now: float | None = None) -> int:
    """Whole seconds until every lock among (scope, subject) `pairs` has ended; 0 when none is in force."""
    now = time.time() if now is None else now
    keys = [_key(scope, "lock", subject) for scope, subject in pairs]
    until = _guarded({}, lambda: cache.get_many(keys)).values()
    remaining = max((float(u) - now for u in until if isinstance(u, (int, float))), default=0.0)
    return math.ceil(remaining) if remaining > 0 else 0


# A cache that does not answer (Redis down) lets everything through: a Redis outage must not refuse customers'
# messages (they are stored and resynced, runtime/realtime/layer.py) nor sign-ins. After an error this process leaves
# the cache alone for a few seconds (no timeout per request meanwhile) and logs at most once a minute.
_PAUSE_SECONDS = 5.0
_paused_until = -math.inf
_unavailable_logged_at = -math.inf
T = TypeVar("T")


def _guarded(default: T, operation: Callable[[], T]) -> T:
    global _paused_until, _unavailable_logged_at
    if time.monotonic() < _paused_until:
        return default
    try:
        return operation()
    except RedisError as exc:
        _paused_until = time.monotonic() + _PAUSE_SECONDS
        if time.monotonic() - _unavailable_logged_at > 60:
            _unavailable_logged_at = time.monotonic()
            log.warning("throttle cache unavailable (%s: %s); not throttling meanwhile", type(exc).__name__, exc)
        return default


# --- sign-in (the login page, the admin login, the API token endpoint) --------------------------------------------


def _login_pairs(username: str, ip: str) -> list[tuple[str, str]]:
    return [("login-account", username.strip().lower()), ("login-ip", ip or "unknown")]


def login_locked_for(username: str, ip: str, now: float | None = None) -> int:
    """Seconds until sign-in is allowed again for this account or from this address (0: allowed now)."""
    return locked_for(_login_pairs(username, ip), now)


def login_failed(username: str, ip: str, now: float | None = None) -> None:
    """Count a failed sign-in per account and per address; either reaching its limit starts a lockout of
    LOGIN_LOCKOUT_SECONDS (failures are counted in windows of that length)."""
    window = settings.LOGIN_LOCKOUT_SECONDS
    limits = (settings.LOGIN_FAILURES_PER_ACCOUNT, settings.LOGIN_FAILURES_PER_IP)
    for (scope, subject), limit in zip(_login_pairs(username, ip), limits, strict=True):
        if _guarded(0, lambda s=scope, k=subject: hit(s, k, window, now)) >= limit:
            lock(scope, subject, window, now)
            forget(scope, subject, window, now)


def login_succeeded(username: str, now: float | None = None) -> None:
    """A correct password clears the account's failures (not the address's: one good account must not
    reset the count of a script trying many)."""
    scope, subject = _login_pairs(username, "")[0]
    forget(scope, subject, settings.LOGIN_LOCKOUT_SECONDS, now)


def client_ip(request: Any) -> str:
    """The caller's address as the server saw it (REMOTE_ADDR, from the ASGI scope's `client`). Behind a reverse
    proxy that is the proxy: run the server with proxy headers (daphne --proxy-headers) so it is the client."""
    return str(getattr(request, "META", {}).get("REMOTE_ADDR") or "unknown")


def login_wait_message(seconds: int, language: str = "en") -> str:
    minutes = max(1, math.ceil(seconds / 60))
    if (language or "").lower().startswith("ru"):
        return f"Слишком много неудачных попыток входа. Попробуйте снова через {minutes} мин."
    return f"Too many failed sign-in attempts. Try again in {minutes} minute{'s' if minutes != 1 else ''}."
