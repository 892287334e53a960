"""The editor's "Test request": run one `http_request` node's data once, synchronously, with given variables.

Rendering is the engine's own (the same templating calls `interpreter._enter_http_request` makes) and the
request goes through `http_fetch.fetch` with the production defaults (private-address policy, size cap),
bounded by the node's own timeout, so the button can reach nothing a running bot could not.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from builder.api_errors import error
from builder.schema import validate_node_data
from runtime import http_fetch
from runtime.engine.interpreter import json_path
from runtime.engine.loader import parse_json_path
from runtime.engine.templating import header_escape, json_string_escape, render, render_url

_VARIABLE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")
MAX_VARIABLES = 200


class ProbeInvalid(Exception):
    """The input cannot be tried: `errors` in the API's error shape (HTTP 400)."""

    def __init__(self, errors: list[dict[str, Any]]) -> None:
        super().__init__("; ".join(e["message"] for e in errors))
        self.errors = errors


@dataclass(frozen=True, slots=True)
class ProbeResult:
    request: dict[str, Any]
    status: int | None
    error: str | None
    body: Any
    mapped: dict[str, Any] = field(default_factory=dict)

    @property
    def port(self) -> str:
        return "ok" if self.error is None and self.status is not None and 200 <= self.status < 300 else "error"

    def as_dict(self) -> dict[str, Any]:
        return {"request": self.request, "status": self.status, "error": self.error, "body": self.body,
                "mapped": self.mapped, "port": self.port}


def _check(node: Any, variables: Any) -> list[tuple[str, str]]:
    """Validate the input; returns the node's (variable, path) mappings (paths already schema-checked)."""
    problems = [error(f.code, f.message, f.path) for f in validate_node_data("http_request", node, "/node")]
    if not isinstance(variables, dict):
        problems.append(error("wrong_type", "Expected object", "/variables"))
    elif len(variables) > MAX_VARIABLES:
        problems.append(error("too_many", f"Must have at most {MAX_VARIABLES} variables", "/variables"))
    else:
        problems += [error("invalid_format", f"{name!r} is not a variable name", "/variables")
                     for name in variables if not _VARIABLE.match(name)]
    if problems:
        raise ProbeInvalid(problems)
    mappings = []
    for index, m in enumerate(node.get("response_mapping") or []):
        if parse_json_path(m["path"]) is None:  # the schema only checks the leading `$`
            problems.append(error("json_path_invalid", f"cannot read JSON path {m['path']!r}",
                                  f"/node/response_mapping/{index}/path"))
        mappings.append((m["variable"], m["path"]))
    if problems:
        raise ProbeInvalid(problems)
    return mappings


def try_http_node(node: Any, variables: Any) -> ProbeResult:
    """Render and perform one http_request node's data; every network outcome is a result, never an exception.

    Raises `ProbeInvalid` when the node data or the variables are malformed. As in a running bot, the
    response mapping is applied only when the request succeeds (the `ok` port).
    """
    mappings = _check(node, variables)
    v = variables
    method = node["method"]
    url = render_url(node["url"], v)
    headers = [(h["name"], header_escape(render(h["value"], v))) for h in node.get("headers") or []]
    body = render(node["body"], v, json_string_escape) if node.get("body") is not None else None
    try:
        result = http_fetch.fetch(method, url, headers=tuple(headers), body=body,
                                  timeout_seconds=float(node.get("timeout_seconds") or 10))
    except ValueError:
        # A header value httpx cannot encode (non-ASCII): the request cannot be built.
        result = http_fetch.FetchResult(status=None, error="invalid_request")
    mapped: dict[str, Any] = {}
    if result.error is None and result.status is not None and 200 <= result.status < 300:
        mapped = {name: json_path(result.body, parse_json_path(path) or ()) for name, path in mappings}
    return ProbeResult(
        request={"method": method, "url": url, "headers": [{"name": n, "value": val} for n, val in headers],
                 "body": body},
        status=result.status, error=result.error, body=result.body, mapped=mapped,
    )
