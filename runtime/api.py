"""Runtime HTTP API: the editor's draft preview. Thin views: scope to the caller's workspace, call preview.py."""

from __future__ import annotations

import uuid

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from builder.api_errors import ApiError
from builder.permissions import EDITOR, get_scenario
from builder.serializers import ErrorsSerializer, validated
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
REF_MAX = 128
BUTTON_ID_MAX = 64


class PreviewStartIn(serializers.Serializer):
    ref = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False, default="",
                                help_text=f"The start parameter, as a deep link would pass it (first {REF_MAX} characters)")


class PreviewTurnIn(serializers.Serializer):
    # Long texts are not refused here: the pipeline's inbound limit answers them politely, as in production.
    text = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False, default="")
    button_id = serializers.CharField(required=False, allow_blank=True, allow_null=True, default="")


class TestRequestIn(serializers.Serializer):
    # The node's data is checked by http_probe against the http_request node's schema (paths under /node).
    node = serializers.JSONField(help_text="An http_request node's data")
    variables = serializers.JSONField(required=False, default=dict, help_text="Variable values, by name")


class EditorToolView(APIView):
    """Previews and test requests are editing tools: editors and admins only, reads too."""

    read_role = write_role = EDITOR
    role_refusal = "Operators cannot change scenarios"


class PreviewStartView(EditorToolView):
    """POST: start a sandbox conversation on the scenario's current draft."""

    @extend_schema(
        request=PreviewStartIn,
        responses={201: PREVIEW_RESPONSE, 400: ErrorsSerializer},
        summary="Preview the current draft",
    )
    def post(self, request: Request, ws: str, scenario_id: uuid.UUID) -> Response:
        scenario = get_scenario(self.membership, scenario_id)
        data = validated(PreviewStartIn, request.data)
        try:
            turn = preview.start_preview(scenario, user=request.user, ref=data["ref"][:REF_MAX])
        except PreviewError as exc:
            raise ApiError.of(exc.status, exc.errors) from None
        return Response(turn.as_dict(), status=201)


class PreviewConversationView(EditorToolView):
    """POST {text} or {button_id}: the next customer action; GET: the whole transcript."""

    @extend_schema(responses={200: PREVIEW_RESPONSE}, summary="Preview transcript")
    def get(self, request: Request, ws: str, conversation_id: uuid.UUID) -> Response:
        try:
            turn = preview.transcript(self.workspace, conversation_id)
        except PreviewError as exc:
            raise ApiError.of(exc.status, exc.errors) from None
        return Response(turn.as_dict())

    @extend_schema(
        request=PreviewTurnIn,
        responses={200: PREVIEW_RESPONSE, 400: ErrorsSerializer, 409: ErrorsSerializer},
        summary="Send a preview message",
    )
    def post(self, request: Request, ws: str, conversation_id: uuid.UUID) -> Response:
        data = validated(PreviewTurnIn, request.data)
        button_id = (data["button_id"] or "")[:BUTTON_ID_MAX] or None
        try:
            turn = preview.send(self.workspace, conversation_id, text=data["text"], button_id=button_id)
        except PreviewError as exc:
            raise ApiError.of(exc.status, exc.errors) from None
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


class TestRequestView(EditorToolView):
    """POST {node, variables}: perform an http_request node's data once, as the editor's "Test request"."""

    @extend_schema(
        request=TestRequestIn,
        responses={200: TEST_REQUEST_RESPONSE, 400: ErrorsSerializer},
        summary="Try an HTTP request node",
    )
    def post(self, request: Request, ws: str, scenario_id: uuid.UUID) -> Response:
        get_scenario(self.membership, scenario_id)  # scoping only: the node data comes from the unsaved editor
        data = validated(TestRequestIn, request.data)
        try:
            result = http_probe.try_http_node(data["node"], data["variables"])
        except http_probe.ProbeInvalid as exc:
            raise ApiError.of(400, exc.errors) from None
        return Response(result.as_dict())
