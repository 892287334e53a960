"""Export/import endpoints. Thin: parse the request, scope it to the caller's membership, call transfer.py."""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpResponse
from django.http.multipartparser import MultiPartParserError
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from builder import transfer
from builder.api_errors import ApiError
from builder.models import Scenario, Workspace
from builder.permissions import MEMBER
from builder.serializers import ErrorsSerializer, validated
from builder.services import UNSTORABLE_MESSAGES, unstorable_path
from builder.transfer import TransferError


class ExportRequestSerializer(serializers.Serializer):
    # Ids stay text here: an id that is not one of the workspace's scenarios is a 404 at its index, malformed or not.
    scenario_ids = serializers.ListField(child=serializers.CharField(allow_blank=True, max_length=64),
                                         allow_empty=False, help_text="The scenarios to export")


class ImportOptionsSerializer(serializers.Serializer):
    """The import's options, from the query string or the multipart form."""

    dry_run = serializers.BooleanField(required=False, allow_null=True, default=False)
    create_missing = serializers.BooleanField(required=False, allow_null=True, default=False)
    publish = serializers.BooleanField(required=False, allow_null=True, default=False)
    into = serializers.CharField(required=False, allow_blank=True, max_length=64)


def _scenario(workspace: Workspace, raw_id: Any) -> Scenario:
    try:
        scenario_id = uuid.UUID(str(raw_id))
    except ValueError:
        raise NotFound(f"Scenario {raw_id} not found.") from None
    scenario = Scenario.objects.filter(workspace=workspace, pk=scenario_id).first()
    if scenario is None:
        raise NotFound(f"Scenario {raw_id} not found.")
    return scenario


def _download(bundle: dict[str, Any], filename: str) -> HttpResponse:
    response = HttpResponse(
        transfer.dumps_bundle(bundle).encode("utf-8"), content_type="application/json; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


class ScenarioExportView(APIView):
    """GET: one scenario's draft as an export bundle (a file download)."""

    @extend_schema(responses={(200, "application/json"): OpenApiTypes.OBJECT, 404: ErrorsSerializer},
                   summary="Export one scenario")
    def get(self, request: Request, ws: str, scenario_id: uuid.UUID) -> HttpResponse:
        workspace = self.workspace
        scenario = _scenario(workspace, scenario_id)
        bundle = transfer.export_bundle([scenario], installation=settings.SITE_URL, workspace=workspace)
        return _download(bundle, transfer.bundle_filename([scenario], workspace))


class ExportView(APIView):
    """POST {"scenario_ids": [...]}: several scenarios as one bundle (a file download)."""

    method_roles = {"POST": MEMBER}  # a read, posted only because the id list can be long

    @extend_schema(
        request=ExportRequestSerializer,
        responses={(200, "application/json"): OpenApiTypes.OBJECT, 400: ErrorsSerializer, 404: ErrorsSerializer},
        summary="Export several scenarios",
    )
    def post(self, request: Request, ws: str) -> HttpResponse:
        workspace = self.workspace
        scenarios = []
        for index, raw_id in enumerate(validated(ExportRequestSerializer, request.data)["scenario_ids"]):
            try:
                scenarios.append(_scenario(workspace, raw_id))
            except NotFound:
                raise ApiError(404, "not_found", f"Scenario {raw_id} not found.", f"/scenario_ids/{index}") from None
        scenarios = list({s.pk: s for s in scenarios}.values())
        bundle = transfer.export_bundle(scenarios, installation=settings.SITE_URL, workspace=workspace)
        return _download(bundle, transfer.bundle_filename(scenarios, workspace))


def _refuse_unstorable(bundle: transfer.Bundle) -> None:
    """Refuse what the database cannot store (U+0000, absurd nesting) here, so a dry run reports it too."""
    for index, entry in enumerate(bundle.scenarios):
        fields = {"slug": entry.slug, "name": entry.name, "description": entry.description, "document": entry.document}
        problem = unstorable_path(fields, f"/scenarios/{index}")
        if problem is not None:
            break
    else:
        problem = unstorable_path(bundle.requires, "/requires")
    if problem is not None:
        code, where = problem
        raise TransferError([transfer.make_error(code, UNSTORABLE_MESSAGES[code], where)])


def _is_multipart(request: Request) -> bool:
    return (request.content_type or "").startswith("multipart/form-data")


@extend_schema(
    parameters=[
        OpenApiParameter("dry_run", bool, description="Only report what would happen"),
        OpenApiParameter(
            "into", OpenApiTypes.UUID, description="Replace this scenario's draft (keeps its id)"
        ),
        OpenApiParameter(
            "create_missing", bool, description="Create missing departments / workspace settings"
        ),
        OpenApiParameter("publish", bool, description="Publish each imported scenario"),
    ],
    request={
        "multipart/form-data": {
            "type": "object",
            "properties": {"file": {"type": "string", "format": "binary"}},
        },
        "application/json": OpenApiTypes.OBJECT,
    },
    responses={200: OpenApiTypes.OBJECT, 201: OpenApiTypes.OBJECT, 400: ErrorsSerializer, 403: ErrorsSerializer,
               404: ErrorsSerializer, 409: ErrorsSerializer, 413: ErrorsSerializer},
    summary="Import a bundle (or dry-run it)",
)
class ImportView(APIView):
    """POST a bundle as a multipart `file` or as the raw JSON body. Editors and admins only."""

    role_refusal = "Operators cannot change scenarios"

    def post(self, request: Request, ws: str) -> Response:
        workspace = self.workspace
        max_bytes = settings.IMPORT_MAX_BYTES
        try:
            form = self._form(request, max_bytes)
            raw = self._read_body(request, max_bytes)
        except TransferError as exc:
            raise ApiError.of(exc.status, exc.as_dicts()) from None
        options = {name: request.query_params.get(name, form.get(name))
                   for name in ImportOptionsSerializer().fields}
        flags = validated(ImportOptionsSerializer, {k: v.strip() for k, v in options.items() if v is not None})
        dry_run, create_missing, publish = (bool(flags.get(name)) for name in ("dry_run", "create_missing", "publish"))
        into_id = flags.get("into")
        into = _scenario(workspace, into_id) if into_id else None
        try:
            bundle = transfer.parse_bundle(raw, max_bytes=max_bytes, max_nodes=settings.IMPORT_MAX_NODES)
            _refuse_unstorable(bundle)
            plan = transfer.plan_import(bundle, workspace, into=into, create_missing=create_missing)
            if dry_run:
                return Response({"dry_run": True, **plan.as_dict()}, status=status.HTTP_200_OK)
            scenarios = transfer.apply_import(plan, request.user, publish=publish)
        except TransferError as exc:
            raise ApiError.of(exc.status, exc.as_dicts()) from None
        body = {
            "dry_run": False,
            **plan.as_dict(),
            "imported": [
                {
                    "source_slug": item.source_slug,
                    "source_id": item.source_id,
                    "id": str(s.pk),
                    "slug": s.slug,
                    "name": s.name,
                    "revision": s.revision,
                    "published_version": getattr(s.published_version, "number", None),
                }
                for item, s in zip(plan.scenarios, scenarios, strict=True)
            ],
        }
        created = any(p.action == "create" for p in plan.scenarios)
        return Response(body, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    @staticmethod
    def _form(request: Request, max_bytes: int) -> Any:
        """The multipart form fields (parsed here so a broken upload is a 400/413, not a 500)."""
        if not _is_multipart(request):
            return {}
        try:
            return request._request.POST
        except RequestDataTooBig:
            raise TransferError(
                [
                    transfer.make_error(
                        "too_large", f"the upload is larger than the limit of {max_bytes} bytes"
                    )
                ]
            ) from None
        except MultiPartParserError as exc:
            raise TransferError(
                [transfer.make_error("upload_invalid", f"the upload is not valid: {exc}")]
            ) from None

    @staticmethod
    def _read_body(request: Request, max_bytes: int) -> bytes:
        too_large = TransferError(
            [transfer.make_error("too_large", f"the bundle is larger than the limit of {max_bytes} bytes")]
        )
        if _is_multipart(request):
            upload = request._request.FILES.get("file")
            if upload is None:
                raise TransferError(
                    [transfer.make_error("required", "upload the bundle as the `file` field", "/file")]
                )
            if upload.size is not None and upload.size > max_bytes:
                raise TransferError(
                    [
                        transfer.make_error(
                            "too_large", f"the bundle is {upload.size} bytes; the limit is {max_bytes} bytes"
                        )
                    ]
                )
            return upload.read(max_bytes + 1)
        try:
            return request._request.body
        except RequestDataTooBig:
            raise too_large from None
