"""Same-origin check for cookie-authenticated websockets (the inbox).

A browser sends the operator's session cookie to `/ws/inbox/` from any page that opens the socket, so the
Origin must be one of our own pages: the same scheme, host AND port. channels' AllowedHostsOriginValidator
compares the host only, which let `http://127.0.0.1:8877` (any other service on the machine) or
`https://127.0.0.1` read an operator's inbox. Allowed origins:

* SITE_URL and every CSRF_TRUSTED_ORIGINS entry (behind a TLS proxy the page is https while the socket
  reaches us as plain ws), and
* the request's own Host (if it is in ALLOWED_HOSTS) with the socket's scheme (ws → http, wss → https),
  so a server on any port (the e2e tests, `manage.py runserver 0:8123`) works without configuration.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from channels.security.websocket import WebsocketDenier
from django.conf import settings
from django.http.request import split_domain_port, validate_host

DEFAULT_PORTS = {"http": 80, "https": 443}


def normalize(origin: str) -> tuple[str, str, int] | None:
    """(scheme, host, port) of an origin or URL, default port filled in; None when it is not http(s)."""
    try:
        parts = urlsplit(origin.strip())
        scheme, host, port = parts.scheme.lower(), (parts.hostname or "").lower(), parts.port
    except ValueError:
        return None
    if scheme not in DEFAULT_PORTS or not host:
        return None
    return scheme, host, port or DEFAULT_PORTS[scheme]


def configured_origins() -> set[tuple[str, str, int]]:
    values = [settings.SITE_URL, *getattr(settings, "CSRF_TRUSTED_ORIGINS", [])]
    return {o for o in (normalize(v) for v in values if "*" not in v) if o is not None}


def _header(scope: dict[str, Any], name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key.lower() == name:
            return value.decode("latin-1")
    return None


def own_origin(scope: dict[str, Any]) -> tuple[str, str, int] | None:
    """The origin of a page served by the host this socket was opened on, with the socket's scheme."""
    host = _header(scope, b"host")
    if not host:
        return None
    domain, _ = split_domain_port(host)
    if not domain or not validate_host(domain, settings.ALLOWED_HOSTS):
        return None
    scheme = "https" if scope.get("scheme", "ws") in ("wss", "https") else "http"
    return normalize(f"{scheme}://{host}")


def is_same_site(scope: dict[str, Any]) -> bool:
    origin = _header(scope, b"origin")
    parsed = normalize(origin) if origin else None
    if parsed is None:
        return False  # browsers always send Origin on websockets; a missing or opaque one is refused
    return parsed in configured_origins() or parsed == own_origin(scope)


class SameOriginValidator:
    """ASGI middleware: accept the websocket only from our own origins (module docstring)."""

    def __init__(self, application: Any) -> None:
        self.application = application

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        if scope["type"] == "websocket" and not is_same_site(scope):
            return await WebsocketDenier()(scope, receive, send)
        return await self.application(scope, receive, send)
