"""REST: departments, canned replies, operators' presence, conversation history (list, transcript, export).

Every view starts from the caller's membership of the workspace in the URL (a foreign workspace is a 404);
reads are for every member, writes to departments and canned replies for admins.
"""

from __future__ import annotations

import datetime as dt
import json

from django.contrib.auth import get_user_model
from django.db import transaction
from django.http import HttpResponse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import generics, serializers, status
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from builder.models import Membership
from builder.permissions import get_membership
from channels_app import presence, services
from channels_app.errors import ActionError
from channels_app.models import CannedReply, Department
from channels_app.serializers import CannedReplySerializer, ConversationListSerializer, DepartmentSerializer
from runtime.models import Conversation


class WorkspaceMixin:
    """`self.membership` for the workspace in the URL; unsafe methods need the admin role."""

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        self.membership = get_membership(request.user, kwargs["workspace"])
        self.workspace = self.membership.workspace
        if request.method not in ("GET", "HEAD", "OPTIONS") and not self.membership.can_manage:
            raise PermissionDenied("Only workspace admins can change this.")

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "workspace": self.workspace}


class DepartmentMixin(WorkspaceMixin):
    serializer_class = DepartmentSerializer

    def get_queryset(self):
        return Department.objects.filter(workspace=self.workspace).prefetch_related("operators").order_by("name")

    def _save(self, serializer):
        operator_ids = serializer.validated_data.pop("operators", None)
        if operator_ids is not None:
            members = set(Membership.objects.filter(workspace=self.workspace, user_id__in=operator_ids)
                          .values_list("user_id", flat=True))
            unknown = sorted(set(operator_ids) - members)
            if unknown:
                raise ValidationError({"operators": [f"user {u} is not a member of this workspace" for u in unknown]})
        with transaction.atomic():
            department = serializer.save(workspace=self.workspace)
            if operator_ids is not None:
                department.operators.set(get_user_model().objects.filter(pk__in=operator_ids))
        return department

    perform_create = _save
    perform_update = _save


class DepartmentList(DepartmentMixin, generics.ListCreateAPIView):
    pagination_class = None


class DepartmentDetail(DepartmentMixin, generics.RetrieveUpdateDestroyAPIView):
    pass


class CannedReplyMixin(WorkspaceMixin):
    serializer_class = CannedReplySerializer

    def get_queryset(self):
        return CannedReply.objects.filter(workspace=self.workspace).order_by("shortcut")

    def perform_create(self, serializer):
        serializer.save(workspace=self.workspace)


class CannedReplyList(CannedReplyMixin, generics.ListCreateAPIView):
    pagination_class = None


class CannedReplyDetail(CannedReplyMixin, generics.RetrieveUpdateDestroyAPIView):
    pass


class OperatorList(WorkspaceMixin, APIView):
    @extend_schema(responses={200: OpenApiTypes.OBJECT}, description="Presence, capacity and load of inbox members.")
    def get(self, request, workspace: str):
        return Response(presence.operators(self.workspace.pk))


class OperatorDetail(APIView):
    """PATCH {capacity} (admins; or operators for themselves): max concurrent chats for auto-assignment."""

    @extend_schema(request=inline_serializer("OperatorCapacity", {"capacity": serializers.IntegerField()}),
                   responses={200: OpenApiTypes.OBJECT})
    def patch(self, request, workspace: str, user_id: int):
        membership = get_membership(request.user, workspace)
        if not Membership.objects.filter(workspace=membership.workspace, user_id=user_id).exists():
            from django.http import Http404

            raise Http404
        if not membership.can_manage and request.user.pk != user_id:
            raise PermissionDenied("Only workspace admins can change other operators.")
        if not isinstance(request.data, dict):
            raise ValidationError({"capacity": ["Send a JSON object: {\"capacity\": N}."]})
        capacity = request.data.get("capacity")
        user = get_user_model().objects.get(pk=user_id)
        try:
            presence.set_capacity(user, membership.workspace_id, capacity)
        except ActionError as exc:
            raise ValidationError({"capacity": [exc.message]}) from None
        row = next(r for r in presence.operators(membership.workspace_id) if r["user_id"] == user_id)
        return Response(row)


def _parse_when(name: str, raw: str, *, end: bool = False) -> dt.datetime:
    value = parse_datetime(raw)
    if value is None:
        day = parse_date(raw)
        if day is None:
            raise ValidationError({name: ["Use an ISO date (2026-11-21) or datetime (2026-11-21T10:00:00Z)."]})
        value = dt.datetime.combine(day + dt.timedelta(days=1) if end else day, dt.time(0))
    if timezone.is_naive(value):
        value = timezone.make_aware(value, dt.UTC)
    return value


class ConversationList(WorkspaceMixin, generics.ListAPIView):
    """History: ?status=&department=&operator=&channel=&since=&until=&contact=&q= (newest activity first)."""

    serializer_class = ConversationListSerializer

    def get_queryset(self):
        params = self.request.query_params
        qs = Conversation.objects.filter(workspace=self.workspace, is_preview=False).select_related(
            "channel", "contact", "department", "assignee")
        if params.get("status"):
            if params["status"] not in Conversation.Mode.values:
                raise ValidationError({"status": [f"One of {', '.join(Conversation.Mode.values)}."]})
            qs = qs.filter(mode=params["status"])
        if params.get("department"):
            qs = qs.filter(department__slug=params["department"])
        if params.get("operator"):
            if not params["operator"].isdigit():
                raise ValidationError({"operator": ["A user id."]})
            qs = qs.filter(assignee_id=int(params["operator"]))
        if params.get("channel"):
            channel = params["channel"]
            qs = qs.filter(channel_id=int(channel)) if channel.isdigit() else qs.filter(channel__kind=channel)
        if params.get("contact"):
            if not params["contact"].isdigit():
                raise ValidationError({"contact": ["A contact id."]})
            qs = qs.filter(contact_id=int(params["contact"]))
        if params.get("since"):
            qs = qs.filter(started_at__gte=_parse_when("since", params["since"]))
        if params.get("until"):
            qs = qs.filter(started_at__lt=_parse_when("until", params["until"], end=True))
        if params.get("q", "").strip():
            q = params["q"].strip()
            qs = qs.filter(services.search_filter(q) | services.contact_filter(q))
        return qs.order_by("-last_message_at", "-started_at")


def _conversation(view, conversation_id):
    conversation = (Conversation.objects.filter(workspace=view.workspace, is_preview=False, pk=conversation_id)
                    .select_related("channel", "contact", "department", "assignee").first())
    if conversation is None:
        from django.http import Http404

        raise Http404
    return conversation


def transcript_document(conversation: Conversation) -> dict:
    return {
        "conversation": ConversationListSerializer(conversation).data,
        "variables": (conversation.state or {}).get("variables", {}) if isinstance(conversation.state, dict) else {},
        "messages": services.transcript(conversation),
    }


class ConversationDetail(WorkspaceMixin, APIView):
    @extend_schema(responses={200: OpenApiTypes.OBJECT}, description="The conversation, variables and transcript.")
    def get(self, request, workspace: str, conversation_id):
        return Response(transcript_document(_conversation(self, conversation_id)))


class ConversationExport(WorkspaceMixin, APIView):
    @extend_schema(responses={(200, "application/json"): OpenApiTypes.BINARY},
                   description="The transcript as a JSON file download.")
    def get(self, request, workspace: str, conversation_id):
        conversation = _conversation(self, conversation_id)
        body = json.dumps({"format": "botflow/transcript", "version": 1,
                           "exported_at": timezone.now().isoformat(), **transcript_document(conversation)},
                          ensure_ascii=False, indent=2, default=str)
        response = HttpResponse(body, content_type="application/json; charset=utf-8", status=status.HTTP_200_OK)
        response["Content-Disposition"] = f'attachment; filename="conversation-{conversation.pk}.json"'
        return response
