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
from rest_framework import status
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from builder import transfer
from builder.models import Membership, Scenario, Workspace
from builder.permissions import check_can_edit, get_membership
from builder.services import UNSTORABLE_MESSAGES, unstorable_path
from builder.transfer import TransferError

TRUE = {"1", "true", "yes", "on"}
FALSE = {"0", "false", "no", "off", ""}


def _errors(status_code: int, *errors: dict[str, Any]) -> Response:
    return Response({"errors": list(errors)}, status=status_code)


def _err(code: str, message: str, path: str = "") -> dict[str, Any]:
    return {"path": path, "node_id": None, "code": code, "message": message}


def membership_for(request: Request, ws: str) -> Membership:
    """The caller's membership of workspace `ws` (slug); anything else is a 404 that reveals nothing."""
    return get_membership(request.user, ws)


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

    @extend_schema(responses={(200, "application/json"): OpenApiTypes.OBJECT}, summary="Export one scenario")
    def get(self, request: Request, ws: str, scenario_id: uuid.UUID) -> HttpResponse:
        workspace = membership_for(request, ws).workspace
        scenario = _scenario(workspace, scenario_id)
        bundle = transfer.export_bundle([scenario], installation=settings.SITE_URL, workspace=workspace)
        return _download(bundle, transfer.bundle_filename([scenario], workspace))


class ExportView(APIView):
    """POST {"scenario_ids": [...]}: several scenarios as one bundle (a file download)."""

    @extend_schema(
        request={
            "application/json": {
                "type": "object",
                "properties": {
                    "scenario_ids": {"type": "array", "items": {"type": "string", "format": "uuid"}}
                },
            }
        },
        responses={(200, "application/json"): OpenApiTypes.OBJECT},
        summary="Export several scenarios",
    )
    def post(self, request: Request, ws: str) -> HttpResponse:
        workspace = membership_for(request, ws).workspace
        ids = request.data.get("scenario_ids") if isinstance(request.data, dict) else None
        if not isinstance(ids, list) or not ids:
            return _errors(
                400, _err("required", "`scenario_ids` must be a non-empty list of ids", "/scenario_ids")
            )
        scenarios = []
        for index, raw_id in enumerate(ids):
            try:
                scenarios.append(_scenario(workspace, raw_id))
            except NotFound:
                return _errors(
                    404, _err("not_found", f"Scenario {raw_id} not found.", f"/scenario_ids/{index}")
                )
        scenarios = list({s.pk: s for s in scenarios}.values())
        bundle = transfer.export_bundle(scenarios, installation=settings.SITE_URL, workspace=workspace)
        return _download(bundle, transfer.bundle_filename(scenarios, workspace))


def _flag(request: Request, form: Any, name: str) -> bool:
    raw = request.query_params.get(name, form.get(name))
    if raw is None:
        return False
    value = raw.strip().lower()
    if value in TRUE:
        return True
    if value in FALSE:
        return False
    raise _BadParam(name, f"`{name}` must be true or false, got {raw!r}")


class _BadParam(Exception):
    def __init__(self, name: str, message: str):
        self.name, self.message = name, message


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
    responses={200: OpenApiTypes.OBJECT, 201: OpenApiTypes.OBJECT},
    summary="Import a bundle (or dry-run it)",
)
class ImportView(APIView):
    """POST a bundle as a multipart `file` or as the raw JSON body. Editors and admins only."""

    def post(self, request: Request, ws: str) -> Response:
        membership = membership_for(request, ws)
        check_can_edit(membership)
        workspace = membership.workspace
        max_bytes = settings.IMPORT_MAX_BYTES
        try:
            form = self._form(request, max_bytes)
            raw = self._read_body(request, max_bytes)
        except TransferError as exc:
            return _errors(exc.status, *exc.as_dicts())
        try:
            dry_run = _flag(request, form, "dry_run")
            create_missing = _flag(request, form, "create_missing")
            publish = _flag(request, form, "publish")
        except _BadParam as exc:
            return _errors(400, _err("invalid", exc.message, f"/{exc.name}"))
        into_id = request.query_params.get("into", form.get("into"))
        into = _scenario(workspace, into_id) if into_id else None
        try:
            bundle = transfer.parse_bundle(raw, max_bytes=max_bytes, max_nodes=settings.IMPORT_MAX_NODES)
            _refuse_unstorable(bundle)
            plan = transfer.plan_import(bundle, workspace, into=into, create_missing=create_missing)
            if dry_run:
                return Response({"dry_run": True, **plan.as_dict()}, status=status.HTTP_200_OK)
            scenarios = transfer.apply_import(plan, request.user, publish=publish)
        except TransferError as exc:
            return _errors(exc.status, *exc.as_dicts())
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
