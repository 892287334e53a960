"""REST: departments, canned replies, operators' presence, conversation history (list, transcript, export).

Every view starts from the caller's membership of the workspace in the URL (a foreign workspace is a 404);
reads are for every member, writes to departments and canned replies for admins.
"""

from __future__ import annotations

import json

from django.contrib.auth import get_user_model
from django.db import transaction
from django.http import Http404, HttpResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from builder.models import Department, Membership
from builder.permissions import ADMIN, MEMBER, require_role
from builder.serializers import validated
from channels_app import presence, services
from channels_app.models import CannedReply
from channels_app.serializers import (
    CannedReplySerializer,
    ConversationFilterIn,
    ConversationListSerializer,
    DepartmentSerializer,
)
from runtime.errors import ActionError
from runtime.models import Conversation


class WorkspaceMixin:
    """Members read, admins write. `self.membership` / `self.workspace` are set by the shared check
    (builder.permissions.WorkspaceRole) before the view runs."""

    write_role = ADMIN

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "workspace": self.workspace}


class DepartmentMixin(WorkspaceMixin):
    serializer_class = DepartmentSerializer

    def get_queryset(self):
        return Department.objects.filter(workspace=self.workspace).prefetch_related("operators").order_by("name")

    def _save(self, serializer):
        operator_ids = serializer.validated_data.pop("operators", None)  # members only (the serializer checks)
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
    def get(self, request, ws: str):
        return Response(presence.operators(self.workspace.pk))


class OperatorCapacityIn(serializers.Serializer):
    # The range is presence.set_capacity's (its refusal comes back at /capacity too).
    capacity = serializers.IntegerField(min_value=0, max_value=1000, help_text="Max concurrent chats for auto-assignment")


class OperatorDetail(WorkspaceMixin, APIView):
    """PATCH {capacity} (admins; or operators for themselves): max concurrent chats for auto-assignment."""

    method_roles = {"PATCH": MEMBER}  # everyone may set their own; others' needs the admin role (below)

    @extend_schema(request=OperatorCapacityIn, responses={200: OpenApiTypes.OBJECT})
    def patch(self, request, ws: str, user_id: int):
        membership = self.membership
        if not Membership.objects.filter(workspace=membership.workspace, user_id=user_id).exists():
            raise Http404
        if request.user.pk != user_id:
            require_role(membership, ADMIN, "Only workspace admins can change other operators.")
        capacity = validated(OperatorCapacityIn, request.data)["capacity"]
        user = get_user_model().objects.get(pk=user_id)
        try:
            presence.set_capacity(user, membership.workspace_id, capacity)
        except ActionError as exc:
            raise ValidationError({"capacity": [exc.message]}) from None
        row = next(r for r in presence.operators(membership.workspace_id) if r["user_id"] == user_id)
        return Response(row)


class ConversationList(WorkspaceMixin, generics.ListAPIView):
    """History: ?status=&department=&operator=&channel=&since=&until=&contact=&q= (newest activity first)."""

    serializer_class = ConversationListSerializer

    @extend_schema(parameters=[ConversationFilterIn])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        params = validated(ConversationFilterIn, self.request.query_params.dict())
        qs = Conversation.objects.filter(workspace=self.workspace, is_preview=False).select_related(
            "channel", "contact", "department", "assignee")
        if "status" in params:
            qs = qs.filter(mode=params["status"])
        if "department" in params:
            qs = qs.filter(department__slug=params["department"])
        if "operator" in params:
            qs = qs.filter(assignee_id=params["operator"])
        if "channel" in params:
            channel = params["channel"]
            qs = qs.filter(channel_id=int(channel)) if channel.isdigit() else qs.filter(channel__kind=channel)
        if "contact" in params:
            qs = qs.filter(contact_id=params["contact"])
        if "since" in params:
            qs = qs.filter(started_at__gte=params["since"])
        if "until" in params:
            qs = qs.filter(started_at__lt=params["until"])
        if params.get("q", "").strip():
            q = params["q"].strip()
            qs = qs.filter(services.search_filter(q) | services.contact_filter(q))
        return qs.order_by("-last_message_at", "-started_at")


def _conversation(view, conversation_id):
    conversation = (Conversation.objects.filter(workspace=view.workspace, is_preview=False, pk=conversation_id)
                    .select_related("channel", "contact", "department", "assignee").first())
    if conversation is None:
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
    def get(self, request, ws: str, conversation_id):
        return Response(transcript_document(_conversation(self, conversation_id)))


class ConversationExport(WorkspaceMixin, APIView):
    @extend_schema(responses={(200, "application/json"): OpenApiTypes.BINARY},
                   description="The transcript as a JSON file download.")
    def get(self, request, ws: str, conversation_id):
        conversation = _conversation(self, conversation_id)
        body = json.dumps({"format": "botflow/transcript", "version": 1,
                           "exported_at": timezone.now().isoformat(), **transcript_document(conversation)},
                          ensure_ascii=False, indent=2, default=str)
        response = HttpResponse(body, content_type="application/json; charset=utf-8", status=status.HTTP_200_OK)
        response["Content-Disposition"] = f'attachment; filename="conversation-{conversation.pk}.json"'
        return response
