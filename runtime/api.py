"""Runtime HTTP API: the editor's draft preview. Thin views: scope to the caller's workspace, call preview.py."""

from __future__ import annotations

import uuid
from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from builder.models import Membership
from builder.permissions import check_can_edit, get_membership, get_scenario
from runtime import http_probe, preview
from runtime.preview import PreviewError

PREVIEW_RESPONSE = {
    "type": "object",
    "properties": {
        "conversation_id": {"type": "string", "format": "uuid"},
        "messages": {"type": "array", "items": {"type": "object"}},
        "node_id": {"type": "string", "nullable": True},
        "mode": {"type": "string", "enum": ["bot", "queued", "live", "closed"]},
        "variables": {"type": "object"},
    },
}


def _editor(request: Request, ws: str) -> Membership:
    """Previews are an editing tool: editors and admins of the workspace; a foreign workspace is a 404."""
    membership = get_membership(request.user, ws)
    check_can_edit(membership)
    return membership


def _failed(exc: PreviewError) -> Response:
    return Response({"errors": exc.errors}, status=exc.status)


def _str(data: Any, key: str, limit: int) -> str:
    value = data.get(key) if isinstance(data, dict) else None
    return value[:limit] if isinstance(value, str) else ""


def _null_character(data: Any, *keys: str) -> Response | None:
    """A 400 for text holding U+0000, which PostgreSQL cannot store (the insert would fail with a 500)."""
    for key in keys:
        if "\x00" in _str(data, key, 100_000):
            return Response({"errors": [{"path": f"/{key}", "node_id": None, "code": "null_character",
                                         "message": "Text must not contain the NUL character (U+0000)."}]},
                            status=400)
    return None


class PreviewStartView(APIView):
    """POST: start a sandbox conversation on the scenario's current draft."""

    @extend_schema(
        request={"application/json": {"type": "object", "properties": {"ref": {"type": "string"}}}},
        responses={201: PREVIEW_RESPONSE, 400: OpenApiTypes.OBJECT},
        summary="Preview the current draft",
    )
    def post(self, request: Request, ws: str, scenario_id: uuid.UUID) -> Response:
        membership = _editor(request, ws)
        scenario = get_scenario(membership, scenario_id)
        refused = _null_character(request.data, "ref")
        if refused is not None:
            return refused
        try:
            turn = preview.start_preview(scenario, user=request.user, ref=_str(request.data, "ref", 128))
        except PreviewError as exc:
            return _failed(exc)
        return Response(turn.as_dict(), status=201)


class PreviewConversationView(APIView):
    """POST {text} or {button_id}: the next customer action; GET: the whole transcript."""

    @extend_schema(responses={200: PREVIEW_RESPONSE}, summary="Preview transcript")
    def get(self, request: Request, ws: str, conversation_id: uuid.UUID) -> Response:
        membership = _editor(request, ws)
        try:
            turn = preview.transcript(membership.workspace, conversation_id)
        except PreviewError as exc:
            return _failed(exc)
        return Response(turn.as_dict())

    @extend_schema(
        request={"application/json": {"type": "object", "properties": {"text": {"type": "string"},
                                                                       "button_id": {"type": "string"}}}},
        responses={200: PREVIEW_RESPONSE, 400: OpenApiTypes.OBJECT, 409: OpenApiTypes.OBJECT},
        summary="Send a preview message",
    )
    def post(self, request: Request, ws: str, conversation_id: uuid.UUID) -> Response:
        membership = _editor(request, ws)
        refused = _null_character(request.data, "text", "button_id")
        if refused is not None:
            return refused
        # Longer texts are not cut here: the pipeline's inbound limit answers them politely, as in production.
        text = _str(request.data, "text", 100_000)
        button_id = _str(request.data, "button_id", 64) or None
        try:
            turn = preview.send(membership.workspace, conversation_id, text=text, button_id=button_id)
        except PreviewError as exc:
            return _failed(exc)
        return Response(turn.as_dict())


TEST_REQUEST_RESPONSE = {
    "type": "object",
    "properties": {
        "request": {"type": "object"},
        "status": {"type": "integer", "nullable": True},
        "error": {"type": "string", "nullable": True},
        "body": {"nullable": True},
        "mapped": {"type": "object"},
        "port": {"type": "string", "enum": ["ok", "error"]},
    },
}


class TestRequestView(APIView):
    """POST {node, variables}: perform an http_request node's data once, as the editor's "Test request"."""

    @extend_schema(
        request={"application/json": {"type": "object", "properties": {"node": {"type": "object"},
                                                                       "variables": {"type": "object"}}}},
        responses={200: TEST_REQUEST_RESPONSE, 400: OpenApiTypes.OBJECT},
        summary="Try an HTTP request node",
    )
    def post(self, request: Request, ws: str, scenario_id: uuid.UUID) -> Response:
        membership = _editor(request, ws)
        get_scenario(membership, scenario_id)  # scoping only: the node data comes from the unsaved editor
        data = request.data if isinstance(request.data, dict) else {}
        try:
            result = http_probe.try_http_node(data.get("node"), data.get("variables", {}))
        except http_probe.ProbeInvalid as exc:
            return Response({"errors": exc.errors}, status=400)
        return Response(result.as_dict())
