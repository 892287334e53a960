"""DRF exception handler: every user-caused error is data, `{"errors": [{path, node_id, code, message}]}`."""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import RequestDataTooBig
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

logger = logging.getLogger(__name__)


def error(code: str, message: str, path: str = "", node_id: str | None = None) -> dict[str, Any]:
    return {"path": path, "node_id": node_id, "code": code, "message": message}


def _service_error_response(exc: Exception) -> Response | None:
    # Imported lazily: services import models, and this module is loaded with the settings.
    from builder.services import RevisionConflict, ServiceError

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
    errors = []
    if isinstance(data, dict):
        for field, value in data.items():
            messages = value if isinstance(value, list) else [value]
            for message in messages:
                code = getattr(message, "code", None) or getattr(exc, "default_code", "invalid")
                path = "" if field in ("detail", "non_field_errors") else f"/{field}"
                if isinstance(message, dict):  # nested serializer errors: flatten one level
                    for sub, sub_messages in message.items():
                        for sub_message in sub_messages if isinstance(sub_messages, list) else [sub_messages]:
                            sub_code = getattr(sub_message, "code", None) or "invalid"
                            errors.append(error(str(sub_code), str(sub_message), f"{path}/{sub}"))
                    continue
                errors.append(error(str(code), str(message), path))
    elif isinstance(data, list):
        errors = [error("invalid", str(m)) for m in data]
    response.data = {"errors": errors}
    return response
