"""Scenarios API. Views resolve the workspace from the URL + the caller's membership, then call services."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.exceptions import Throttled, ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from builder import serializers as s
from builder import services, throttle
from builder.models import Membership, Scenario
from builder.permissions import MEMBER, get_scenario, scenarios_for
from builder.scenario_templates import catalogue, check_language, create_from_template
from builder.serializers import validated
from builder.validation import validate, workspace_references


def _scenario_payload(serializer_class, scenarios: list[Scenario], membership: Membership, many: bool = False):
    references = workspace_references(membership.workspace)
    findings = {sc.pk: validate(sc.draft, references=references) for sc in scenarios}
    data = serializer_class(scenarios, many=True, context={"findings": findings}).data
    return data if many else data[0]


class ScenarioMixin:
    """Scenario routes: members read, editors and admins write (the check is builder.permissions.WorkspaceRole)."""

    role_refusal = "Operators cannot change scenarios"
    membership: Membership

    def scoped(self, request: Request, ws: str, scenario_id=None) -> tuple[Membership, Scenario | None]:
        membership = self.membership
        return membership, (get_scenario(membership, scenario_id) if scenario_id is not None else None)


class TokenView(APIView):
    """Exchange username + password for the user's API token (use it as `Authorization: Token <key>`)."""

    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(request=s.TokenRequestSerializer, responses={200: {"type": "object", "properties": {"token": {"type": "string"}}}, 400: s.ErrorsSerializer, 429: s.ErrorsSerializer})
    def post(self, request: Request) -> Response:
        try:
            data = validated(AuthTokenSerializer, request.data, request=request)
        except ValidationError:
            # Locked out (builder.throttle, counted by the auth backend): HTTP 429 with Retry-After.
            username = request.data.get("username") if isinstance(request.data, dict) else None
            wait = throttle.login_locked_for(str(username or ""), throttle.client_ip(request))
            if wait:
                raise Throttled(wait=wait, detail=throttle.login_wait_message(wait)) from None
            raise
        token, _ = Token.objects.get_or_create(user=data["user"])
        return Response({"token": token.key})


class WorkspaceListView(APIView):
    @extend_schema(responses=s.WorkspaceSerializer(many=True))
    def get(self, request: Request) -> Response:
        memberships = Membership.objects.filter(user=request.user).select_related("workspace").order_by("workspace__name")
        return Response(s.WorkspaceSerializer(memberships, many=True).data)


class ScenarioListView(ScenarioMixin, APIView):
    @extend_schema(responses=s.ScenarioListSerializer(many=True))
    def get(self, request: Request, ws: str) -> Response:
        membership, _ = self.scoped(request, ws)
        scenarios = list(scenarios_for(membership).order_by("name"))
        return Response(_scenario_payload(s.ScenarioListSerializer, scenarios, membership, many=True))

    @extend_schema(request=s.ScenarioCreateSerializer, responses={201: s.ScenarioDetailSerializer, 400: s.ErrorsSerializer})
    def post(self, request: Request, ws: str) -> Response:
        membership, _ = self.scoped(request, ws)
        data = validated(s.ScenarioCreateSerializer, request.data)
        scenario = services.create_scenario(membership.workspace, data["name"], user=request.user, slug=data.get("slug") or None, description=data["description"], document=data.get("document"))
        return Response(_scenario_payload(s.ScenarioDetailSerializer, [scenario], membership), status=status.HTTP_201_CREATED)


class ScenarioDetailView(ScenarioMixin, APIView):
    @extend_schema(responses=s.ScenarioDetailSerializer)
    def get(self, request: Request, ws: str, scenario_id) -> Response:
        membership, scenario = self.scoped(request, ws, scenario_id)
        return Response(_scenario_payload(s.ScenarioDetailSerializer, [scenario], membership))

    @extend_schema(request=s.ScenarioUpdateSerializer, responses={200: s.ScenarioDetailSerializer, 400: s.ErrorsSerializer})
    def patch(self, request: Request, ws: str, scenario_id) -> Response:
        membership, scenario = self.scoped(request, ws, scenario_id)
        data = validated(s.ScenarioUpdateSerializer, request.data)
        scenario = services.update_scenario_meta(scenario, user=request.user, **data)
        return Response(_scenario_payload(s.ScenarioDetailSerializer, [scenario], membership))

    @extend_schema(responses={204: None})
    def delete(self, request: Request, ws: str, scenario_id) -> Response:
        _, scenario = self.scoped(request, ws, scenario_id)
        services.delete_scenario(scenario)
        return Response(status=status.HTTP_204_NO_CONTENT)


class DraftView(ScenarioMixin, APIView):
    @extend_schema(
        request=s.DraftSaveSerializer,
        responses={200: s.DraftSavedSerializer, 400: s.ErrorsSerializer, 409: s.RevisionConflictSerializer},
        description="Save the draft if it is still at `revision`. Drafts with findings are saved; findings are returned.",
    )
    def put(self, request: Request, ws: str, scenario_id) -> Response:
        _, scenario = self.scoped(request, ws, scenario_id)
        data = validated(s.DraftSaveSerializer, request.data)
        result = services.save_draft(scenario, data["document"], data["revision"], request.user)
        findings = [f.as_dict() for f in result.findings]
        return Response(
            {
                "revision": result.revision,
                "updated_at": result.updated_at,
                "findings": findings,
                "has_unpublished_changes": services.has_unpublished_changes(scenario),
            }
        )


class ValidateView(ScenarioMixin, APIView):
    method_roles = {"POST": MEMBER}  # validation writes nothing, so operators (read-only) may run it too

    @extend_schema(request=s.ValidateRequestSerializer, responses=s.FindingsSerializer)
    def post(self, request: Request, ws: str, scenario_id) -> Response:
        _, scenario = self.scoped(request, ws, scenario_id)
        data = validated(s.ValidateRequestSerializer, request.data)
        findings = services.validate_scenario(scenario, data.get("document"))
        return Response({"findings": [f.as_dict() for f in findings]})


class PublishView(ScenarioMixin, APIView):
    @extend_schema(request=s.PublishRequestSerializer, responses={201: s.VersionSerializer, 400: s.ErrorsSerializer, 409: s.RevisionConflictSerializer})
    def post(self, request: Request, ws: str, scenario_id) -> Response:
        _, scenario = self.scoped(request, ws, scenario_id)
        data = validated(s.PublishRequestSerializer, request.data)
        version = services.publish(scenario, request.user, data["note"], revision=data.get("revision"))
        return Response(s.VersionSerializer(version).data, status=status.HTTP_201_CREATED)


class VersionListView(ScenarioMixin, APIView):
    @extend_schema(responses=s.VersionSerializer(many=True))
    def get(self, request: Request, ws: str, scenario_id) -> Response:
        _, scenario = self.scoped(request, ws, scenario_id)
        return Response(s.VersionSerializer(services.list_versions(scenario), many=True).data)


class VersionDetailView(ScenarioMixin, APIView):
    @extend_schema(responses=s.VersionDetailSerializer)
    def get(self, request: Request, ws: str, scenario_id, number: int) -> Response:
        _, scenario = self.scoped(request, ws, scenario_id)
        return Response(s.VersionDetailSerializer(services.get_version(scenario, number)).data)


class RollbackView(ScenarioMixin, APIView):
    @extend_schema(request=s.RollbackRequestSerializer, responses={201: s.VersionSerializer, 400: s.ErrorsSerializer})
    def post(self, request: Request, ws: str, scenario_id, number: int) -> Response:
        _, scenario = self.scoped(request, ws, scenario_id)
        data = validated(s.RollbackRequestSerializer, request.data)
        version = services.rollback(scenario, number, request.user, data["note"])
        return Response(s.VersionSerializer(version).data, status=status.HTTP_201_CREATED)


class DiffView(ScenarioMixin, APIView):
    @extend_schema(
        parameters=[OpenApiParameter("a", int, required=True), OpenApiParameter("b", int, required=True)],
        responses={200: s.DiffSerializer, 400: s.ErrorsSerializer},
    )
    def get(self, request: Request, ws: str, scenario_id) -> Response:
        _, scenario = self.scoped(request, ws, scenario_id)
        query = validated(s.DiffQuerySerializer, request.query_params)
        a, b = services.get_version(scenario, query["a"]), services.get_version(scenario, query["b"])
        return Response(services.diff_versions(a, b))


class DuplicateView(ScenarioMixin, APIView):
    @extend_schema(request=s.DuplicateRequestSerializer, responses={201: s.ScenarioDetailSerializer})
    def post(self, request: Request, ws: str, scenario_id) -> Response:
        membership, scenario = self.scoped(request, ws, scenario_id)
        data = validated(s.DuplicateRequestSerializer, request.data)
        copy = services.duplicate_scenario(scenario, user=request.user, name=data.get("name"))
        return Response(_scenario_payload(s.ScenarioDetailSerializer, [copy], membership), status=status.HTTP_201_CREATED)


class TemplateListView(ScenarioMixin, APIView):
    @extend_schema(
        parameters=[OpenApiParameter("lang", str, description="en or ru; default: the workspace's language")],
        responses={200: s.TemplateSerializer(many=True), 400: s.ErrorsSerializer},
        description="Example scenarios to start from, with title and description in `lang`.",
    )
    def get(self, request: Request, ws: str) -> Response:
        membership, _ = self.scoped(request, ws)
        lang = check_language(request.query_params.get("lang"), membership.workspace)
        return Response(s.TemplateSerializer(catalogue(lang), many=True).data)

    @extend_schema(
        request=s.TemplateCreateSerializer,
        responses={201: s.TemplateCreatedSerializer, 400: s.ErrorsSerializer},
        description="Create a draft scenario from a template, the way an import does (free slug, numbered name, "
        "missing departments created); `import` is the import report.",
    )
    def post(self, request: Request, ws: str) -> Response:
        membership, _ = self.scoped(request, ws)
        data = validated(s.TemplateCreateSerializer, request.data)
        lang = check_language(data.get("lang"), membership.workspace)
        scenario, report = create_from_template(
            membership.workspace, data["template"], lang, request.user
        )
        scenario = get_scenario(membership, scenario.pk)
        body = _scenario_payload(s.ScenarioDetailSerializer, [scenario], membership)
        return Response({**body, "import": report}, status=status.HTTP_201_CREATED)
