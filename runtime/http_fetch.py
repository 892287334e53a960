"""Performing a scenario's `http_request` node: bounded in time and size, never into the private network.

Runs in a task worker, off the request path. The host is resolved once, every resolved address is
checked, and the connection goes to that checked address (the original host travels in the Host
header and as the TLS SNI/certificate name), so a DNS answer that changes between the check and the
connect (DNS rebinding) cannot reach an internal address. Redirects are followed by hand, each hop
re-checked the same way.
"""

from __future__ import annotations

import json
import socket
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin, urlsplit, urlunsplit

import httpx
from django.conf import settings

from runtime.address_policy import is_public_address  # the one address policy (runtime/address_policy.py)

MAX_REDIRECTS = 3
REDIRECT_STATUSES = {301, 302, 303, 307, 308}


@dataclass(frozen=True, slots=True)
class FetchResult:
    status: int | None
    body: Any = None
    error: str | None = None  # None on success (2xx and parsable)

    def as_dict(self) -> dict[str, Any]:
        return {"status": self.status, "body": self.body, "error": self.error}


class _Refused(Exception):
    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def resolve(host: str, port: int, allow_private: bool) -> str:
    """Return the one address we will connect to, or raise `_Refused`."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise _Refused("connect_error") from None
    addresses = list(dict.fromkeys(info[4][0] for info in infos))
    if not addresses:
        raise _Refused("connect_error")
    if not allow_private and not all(is_public_address(a) for a in addresses):
        # Any private answer refuses the host: a round-robin mix is how rebinding attacks hide.
        raise _Refused("refused_private_address")
    return addresses[0]


def _pinned_request(
    client: httpx.Client, method: str, url: str, headers: dict[str, str], body: str | None, allow_private: bool
) -> httpx.Request:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise _Refused("invalid_url")
    host = parts.hostname
    port = parts.port or (443 if parts.scheme == "https" else 80)
    ip = resolve(host, port, allow_private)
    ip_host = f"[{ip}]" if ":" in ip else ip
    netloc = f"{ip_host}:{parts.port}" if parts.port else ip_host
    pinned_url = urlunsplit((parts.scheme, netloc, parts.path or "/", parts.query, ""))
    host_header = host if not parts.port else f"{host}:{parts.port}"
    merged = {k: v for k, v in headers.items() if k.lower() != "host"}
    merged["Host"] = host_header
    extensions = {"sni_hostname": host} if parts.scheme == "https" else {}
    content = body.encode() if body is not None else None
    if content is not None and not any(k.lower() == "content-type" for k in merged):
        merged["Content-Type"] = "application/json"
    return client.build_request(method, pinned_url, headers=merged, content=content, extensions=extensions)


def fetch(
    method: str,
    url: str,
    *,
    headers: tuple[tuple[str, str], ...] | list[list[str]] = (),
    body: str | None = None,
    timeout_seconds: float = 10.0,
    max_bytes: int | None = None,
    allow_private: bool | None = None,
) -> FetchResult:
    """Perform one HTTP node request; every failure is a `FetchResult` with an error code, never an exception.

    Codes: timeout, connect_error, http_<status>, invalid_json, too_large, refused_private_address,
    invalid_url, too_many_redirects, invalid_request.
    """
    max_bytes = settings.HTTP_NODE_MAX_RESPONSE_BYTES if max_bytes is None else max_bytes
    allow_private = settings.HTTP_NODE_ALLOW_PRIVATE if allow_private is None else allow_private
    header_map = {str(k): str(v) for k, v in headers}
    deadline = time.monotonic() + timeout_seconds
    method = method.upper()
    # trust_env=False: a proxy from the environment would make the address check meaningless.
    with httpx.Client(timeout=timeout_seconds, follow_redirects=False, trust_env=False) as client:
        try:
            for _hop in range(MAX_REDIRECTS + 1):
                request = _pinned_request(client, method, url, header_map, body, allow_private)
                response = client.send(request, stream=True)
                try:
                    if response.status_code in REDIRECT_STATUSES and "location" in response.headers:
                        url = urljoin(url, response.headers["location"])
                        if response.status_code == 303 or (
                            response.status_code in (301, 302) and method not in ("GET", "HEAD")
                        ):
                            method, body = "GET", None
                        continue
                    return _read(response, max_bytes, deadline)
                finally:
                    response.close()
            return FetchResult(status=None, error="too_many_redirects")
        except _Refused as refused:
            return FetchResult(status=None, error=refused.code)
        except httpx.TimeoutException:
            return FetchResult(status=None, error="timeout")
        except (httpx.TransportError, httpx.InvalidURL, httpx.UnsupportedProtocol):
            return FetchResult(status=None, error="connect_error")
        except (ValueError, UnicodeError):
            # A URL like "http://[::1" or a header value httpx cannot encode: the scenario's request is
            # malformed; the node takes its error port instead of crashing the task.
            return FetchResult(status=None, error="invalid_request")


def _read(response: httpx.Response, max_bytes: int, deadline: float) -> FetchResult:
    status = response.status_code
    declared = response.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > max_bytes:
        return FetchResult(status=status, error="too_large")
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_bytes():
        size += len(chunk)
        if size > max_bytes:
            return FetchResult(status=status, error="too_large")
        if time.monotonic() > deadline:
            # A server that drips bytes keeps each read under the timeout; the node's timeout is total.
            return FetchResult(status=status, error="timeout")
        chunks.append(chunk)
    raw = b"".join(chunks)
    parsed: Any = None
    parse_error = False
    if raw.strip():
        try:
            parsed = json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            parse_error = True
    if not 200 <= status < 300:
        return FetchResult(status=status, body=parsed, error=f"http_{status}")
    if parse_error:
        return FetchResult(status=status, error="invalid_json")
    return FetchResult(status=status, body=parsed)
