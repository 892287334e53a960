"""The one edge check for text that cannot be stored: lone UTF-16 surrogates.

JSON may spell a character as `\\ud800` without its pair. Python decodes that into a str holding a lone
surrogate, which neither UTF-8 nor PostgreSQL can hold: it used to fail deep inside a view (HTTP 500) or a
websocket action (`internal_error`). `find_bad_text` is the one check, run at each edge where JSON enters:

* every HTTP request body that is JSON (`refuse_bad_body`, run by the site's security middleware before any
  view: API, import, webhooks),
* uploaded bundle files (builder/transfer.py, multipart bodies are not JSON),
* websocket frames (channels_app/consumers.py FrameConsumer.receive: an `error` frame `bad_text`).

The answer names where, as a JSON pointer: `{"errors": [{"path": "/name", "code": "bad_text", …}]}`.
"""

from __future__ import annotations

import json
import re
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, JsonResponse

_SURROGATE = re.compile("[\ud800-\udfff]")
MESSAGE = "Text must be valid Unicode: a lone surrogate (like \\ud800) is not a character."


def _token(key: str) -> str:
    """A JSON pointer token (RFC 6901), with any surrogate in a key shown as U+FFFD so the answer renders."""
    return _SURROGATE.sub("\ufffd", key).replace("~", "~0").replace("/", "~1")


def find_bad_text(value: Any, base: str = "") -> str | None:
    """The JSON pointer of the first string (or object key) holding a lone surrogate, or None.

    Iterative, so a document nested as deep as the JSON decoder allows cannot overflow the stack.
    """
    stack: list[tuple[Any, str]] = [(value, base)]
    while stack:
        item, path = stack.pop()
        if isinstance(item, str):
            if _SURROGATE.search(item):
                return path
        elif isinstance(item, dict):
            for key, child in reversed(list(item.items())):
                child_path = f"{path}/{_token(str(key))}"
                if isinstance(key, str) and _SURROGATE.search(key):
                    return child_path
                stack.append((child, child_path))
        elif isinstance(item, list | tuple):
            stack.extend((child, f"{path}/{index}") for index, child in reversed(list(enumerate(item))))
    return None


# Cheap pre-check on raw bytes: only a body holding an escape in D800-DFFF is decoded here.
_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")
_FORM_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded")


def bad_text_response(path: str) -> JsonResponse:
    return JsonResponse({"errors": [{"path": path, "node_id": None, "code": "bad_text", "message": MESSAGE}]},
                        status=400)


def refuse_bad_body(request: HttpRequest) -> JsonResponse | None:
    """A 400 naming the field when a JSON request body holds a lone surrogate, else None. Run before any view
    by the site's security middleware (channels_app/security_headers.py).

    Form bodies are skipped: Django decodes them with U+FFFD replacement, so no surrogate can come through.
    """
    if request.method not in ("POST", "PUT", "PATCH") or request.content_type.startswith(_FORM_TYPES):
        return None
    try:
        raw = request.body
    except RequestDataTooBig:
        return None  # the view answers 413 as before
    if not _ESCAPE.search(raw):
        return None
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError):
        return None  # not JSON (or absurdly deep): the view's own parsing answers
    path = find_bad_text(data)
    return bad_text_response(path) if path is not None else None
