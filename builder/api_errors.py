"""The API's one error format: every user-caused error is data, `{"errors": [{path, node_id, code, message}]}`.

`exception_handler` (settings REST_FRAMEWORK EXCEPTION_HANDLER) renders every error of every view in it:
DRF's own (validation with a JSON pointer per field, parse errors, 401/403, 404, 405, throttles), `ApiError`
raised by a view or a service, builder's `ServiceError`. A view never builds an error response itself.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import RequestDataTooBig
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from builder.services import RevisionConflict, ServiceError

logger = logging.getLogger(__name__)


def error(code: str, message: str, path: str = "", node_id: str | None = None) -> dict[str, Any]:
    return {"path": path, "node_id": node_id, "code": code, "message": message}


class ApiError(Exception):
    """A refused request: an HTTP status and one or more errors in the API's format.

    `ApiError(400, "invalid", "…", "/config")` for one error; `ApiError.of(status, errors)` for a list
    already in the format (a service's findings)."""

    def __init__(self, status: int, code: str, message: str, path: str = "") -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.path = status, code, message, path
        self.errors = [error(code, message, path)]

    @classmethod
    def of(cls, status: int, errors: list[dict[str, Any]]) -> ApiError:
        first = errors[0] if errors else error("invalid", "invalid request")
        exc = cls(status, first.get("code", "invalid"), first.get("message", ""), first.get("path", ""))
        exc.errors = [error(e.get("code", "invalid"), e.get("message", ""), e.get("path", ""), e.get("node_id"))
                      | {k: v for k, v in e.items() if k not in ("code", "message", "path", "node_id")}
                      for e in errors] or exc.errors
        return exc


# DRF's codes that have a project-wide name (builder.services refuses U+0000 as `null_character` too).
CODE_ALIASES = {"null_characters_not_allowed": "null_character"}


def _pointer_part(key: Any) -> str:
    # JSON pointer escaping (RFC 6901): "~" → "~0", "/" → "~1".
    return str(key).replace("~", "~0").replace("/", "~1")


def flatten(detail: Any, path: str = "", default_code: str = "invalid") -> list[dict[str, Any]]:
    """DRF error details (nested dicts of fields, lists by index) as errors with JSON pointers:
    `{"config": {"allowed_origins": {2: ["Not an origin"]}}}` → path `/config/allowed_origins/2`."""
    if isinstance(detail, dict):
        out = []
        for key, value in detail.items():
            sub = path if key in ("detail", "non_field_errors") else f"{path}/{_pointer_part(key)}"
            out.extend(flatten(value, sub, default_code))
        return out
    if isinstance(detail, list):
        # A list of messages for one field, or a ListSerializer's errors by index ({} for valid items).
        if any(isinstance(item, dict) for item in detail):
            out = []
            for index, item in enumerate(detail):
                if item:
                    out.extend(flatten(item, f"{path}/{index}", default_code))
            return out
        out = []
        for item in detail:
            out.extend(flatten(item, path, default_code))
        return out
    code = str(getattr(detail, "code", None) or default_code)
    return [error(CODE_ALIASES.get(code, code), str(detail), path)]


def _service_error_response(exc: Exception) -> Response | None:
    if not isinstance(exc, ServiceError):
        return None
    body: dict[str, Any] = {"errors": exc.as_errors()}
    if isinstance(exc, RevisionConflict):
        body.update(
            current_revision=exc.current_revision, updated_by=exc.updated_by, updated_at=exc.updated_at.isoformat()
        )
    return Response(body, status=exc.status)


def exception_handler(exc: Exception, context: dict[str, Any]):
    service_response = _service_error_response(exc)
    if service_response is not None:
        return service_response
    if isinstance(exc, ApiError):
        return Response({"errors": exc.errors}, status=exc.status)
    if isinstance(exc, RecursionError):
        # In practice only input nested absurdly deep gets here (DRF's JSON parser lets the decoder's
        # RecursionError through, before the view runs): the client's error, not the server's.
        logger.warning("Request refused: input nested too deeply", exc_info=exc)
        return Response(
            {"errors": [error("too_deep", "The request body is nested too deeply")]},
            status=status.HTTP_400_BAD_REQUEST,
        )
    if isinstance(exc, RequestDataTooBig):
        return Response(
            {"errors": [error("too_large", "The request body is too large")]},
            status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
        )
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    data = response.data
    if isinstance(data, dict) and "errors" in data:
        return response
    response.data = {"errors": flatten(data, default_code=getattr(exc, "default_code", "invalid"))}
    return response
