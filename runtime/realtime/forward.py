"""The embedded default's bridge: events published by a task worker reach the sockets served by daphne.

Without REDIS_URL the channel layer is Channels' in-memory one, which lives inside one process: a `db_worker`
(a fired timer's bot messages, an HTTP node's result, delivery status) would publish into its own process, where
no socket listens. So a process that serves no sockets and has `enable()`d forwarding (the `db_worker` command)
sends each committed batch of (group, message) events over loopback HTTP to the server — POST
`<INTERNAL_EVENTS_URL or SITE_URL>/internal/events/`, signed with an HMAC of SECRET_KEY — and the server's view
(`runtime.realtime.views`) publishes them on its own layer, in order. With REDIS_URL the layer is shared and
nothing here is used (the view answers 404).

The URL is a deployment setting, not tenant data, so the outbound address policy of scenario HTTP nodes (no
private or loopback addresses) does not apply to it.

Best effort like the layer itself: when the server is down the failure is logged once (until a send succeeds
again) and the worker continues; the database is the source of truth and clients replay by seq on reconnect.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from typing import Any

import httpx
from channels.layers import InMemoryChannelLayer, get_channel_layer
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.utils.crypto import constant_time_compare, salted_hmac

log = logging.getLogger(__name__)

PATH = "/internal/events/"
SIGNATURE_HEADER = "X-Botflow-Signature"
# A key of its own: a signature made for this endpoint is no use anywhere else SECRET_KEY signs.
SALT = "runtime.realtime.forward.internal-events"
MAX_AGE_SECONDS = 60  # also the allowed clock difference the other way (one machine or one deployment)
TIMEOUT_SECONDS = 5

Event = tuple[str, dict[str, Any]]

_lock = threading.Lock()
_enabled = False
_client: httpx.Client | None = None  # one keep-alive connection to the server per worker process
_failing = False  # logged once per outage of the server


def enable() -> None:
    """Forward this process's publishes to the server (called by commands that serve no sockets)."""
    global _enabled
    _enabled = True


def in_memory_layer() -> bool:
    return isinstance(get_channel_layer(), InMemoryChannelLayer)


def active() -> bool:
    """True when publishing here must go through the server: forwarding enabled and the layer in-memory."""
    return _enabled and in_memory_layer()


def url() -> str:
    base = (getattr(settings, "INTERNAL_EVENTS_URL", "") or settings.SITE_URL).rstrip("/")
    return base + PATH


def sign(body: bytes, timestamp: int | None = None) -> str:
    """The signature header's value for `body`: `t=<unix time>,v1=<hex HMAC-SHA256 of "t." + body>`."""
    ts = int(time.time()) if timestamp is None else timestamp
    digest = salted_hmac(SALT, f"{ts}.".encode() + body, algorithm="sha256").hexdigest()
    return f"t={ts},v1={digest}"


def verify(body: bytes, header: str | None) -> bool:
    """A valid, recent signature of `body` (constant-time comparison)."""
    if not header:
        return False
    parts = dict(part.split("=", 1) for part in header.split(",") if "=" in part)
    try:
        ts = int(parts.get("t", ""))
    except ValueError:
        return False
    if abs(time.time() - ts) > MAX_AGE_SECONDS:
        return False
    expected = salted_hmac(SALT, f"{ts}.".encode() + body, algorithm="sha256").hexdigest()
    return constant_time_compare(expected, parts.get("v1", ""))


def encode(events: list[Event]) -> bytes:
    return json.dumps({"events": [{"group": group, "message": message} for group, message in events]},
                      cls=DjangoJSONEncoder, separators=(",", ":")).encode()


def decode(body: bytes) -> list[Event]:
    """The events of a verified body; ValueError when it is not the shape `encode` makes."""
    data = json.loads(body)
    events = data.get("events") if isinstance(data, dict) else None
    if not isinstance(events, list):
        raise ValueError("events must be a list")
    out: list[Event] = []
    for item in events:
        if not (isinstance(item, dict) and isinstance(item.get("group"), str)
                and isinstance(item.get("message"), dict) and isinstance(item["message"].get("type"), str)):
            raise ValueError("each event needs a group and a message with a type")
        out.append((item["group"], item["message"]))
    return out


def _http() -> httpx.Client:
    global _client
    with _lock:
        if _client is None:
            # trust_env=False: a proxy from the environment (HTTP_PROXY) must not see loopback traffic.
            _client = httpx.Client(timeout=TIMEOUT_SECONDS, trust_env=False, follow_redirects=False)
        return _client


def send(events: list[Event]) -> bool:
    """POST `events` to the server, in order. False (logged once per outage) when it cannot be reached."""
    global _failing
    if not events:
        return True
    body = encode(events)
    try:
        response = _http().post(url(), content=body, headers={
            "Content-Type": "application/json", SIGNATURE_HEADER: sign(body)})
        response.raise_for_status()
    except (httpx.HTTPError, httpx.InvalidURL) as exc:
        with _lock:
            first, _failing = not _failing, True
        if first:
            log.error("cannot forward live events to the server at %s (%s: %s); clients will catch up from the "
                      "database when they reconnect", url(), type(exc).__name__, exc)
        return False
    with _lock:
        recovered, _failing = _failing, False
    if recovered:
        log.warning("forwarding live events to the server at %s works again", url())
    return True
