"""DRF exception handler: every user-caused error is data, `{"errors": [{path, node_id, code, message}]}`."""

from __future__ import annotations

from typing import Any

from rest_framework.views import exception_handler as drf_exception_handler


def exception_handler(exc: Exception, context: dict[str, Any]):
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
                errors.append({"path": path, "node_id": None, "code": str(code), "message": str(message)})
    elif isinstance(data, list):
        errors = [{"path": "", "node_id": None, "code": "invalid", "message": str(m)} for m in data]
    response.data = {"errors": errors}
    return response
