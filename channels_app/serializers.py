"""DRF serializers for departments, canned replies, operators and conversation history (shape data only)."""

from __future__ import annotations

from rest_framework import serializers

from channels_app import business_hours
from channels_app.events import operator_display_name
from channels_app.models import CannedReply, Department
from runtime.models import Conversation


class DepartmentSerializer(serializers.ModelSerializer):
    # Bounded like the id column, so an absurd id is a 400 rather than a database overflow.
    operators = serializers.ListField(child=serializers.IntegerField(min_value=1, max_value=2**63 - 1),
                                      required=False, write_only=True, max_length=1000,
                                      help_text="User ids of the department's operators (empty = everyone).")
    is_open = serializers.SerializerMethodField()

    class Meta:
        model = Department
        fields = ["id", "name", "slug", "business_hours", "out_of_hours_message", "assignment", "operators",
                  "is_open", "created_at"]
        read_only_fields = ["id", "created_at", "is_open"]

    def get_is_open(self, obj: Department) -> bool:
        from django.utils import timezone

        try:
            return business_hours.is_open(obj, timezone.now())
        except ValueError:
            return True

    def to_representation(self, instance: Department) -> dict:
        data = super().to_representation(instance)
        data["operators"] = sorted(instance.operators.values_list("pk", flat=True))
        return data

    def validate_business_hours(self, value):
        problems = business_hours.validate(value)
        if problems:
            raise serializers.ValidationError([f"{p['path'] or '/'}: {p['message']}" for p in problems])
        return value or {}

    def validate_slug(self, value: str) -> str:
        workspace = self.context["workspace"]
        taken = Department.objects.filter(workspace=workspace, slug=value)
        if self.instance is not None:
            taken = taken.exclude(pk=self.instance.pk)
        if taken.exists():
            raise serializers.ValidationError("A department with this slug exists.", code="duplicate_slug")
        return value


class CannedReplySerializer(serializers.ModelSerializer):
    class Meta:
        model = CannedReply
        fields = ["id", "title", "shortcut", "text", "created_at"]
        read_only_fields = ["id", "created_at"]

    def validate_shortcut(self, value: str) -> str:
        workspace = self.context["workspace"]
        taken = CannedReply.objects.filter(workspace=workspace, shortcut=value)
        if self.instance is not None:
            taken = taken.exclude(pk=self.instance.pk)
        if taken.exists():
            raise serializers.ValidationError("A canned reply with this shortcut exists.", code="duplicate_shortcut")
        return value


class ConversationListSerializer(serializers.ModelSerializer):
    channel = serializers.SerializerMethodField()
    contact = serializers.SerializerMethodField()
    department = serializers.SerializerMethodField()
    assignee = serializers.SerializerMethodField()

    class Meta:
        model = Conversation
        fields = ["id", "mode", "channel", "contact", "department", "assignee", "ref", "started_at",
                  "queued_at", "assigned_at", "closed_at", "last_message_at", "last_seq", "handoff"]

    def get_channel(self, obj: Conversation) -> dict:
        return {"id": obj.channel_id, "kind": obj.channel.kind, "name": obj.channel.name}

    def get_contact(self, obj: Conversation) -> dict:
        c = obj.contact
        return {"id": c.pk, "external_id": c.external_id, "name": c.name, "phone": c.phone, "email": c.email}

    def get_department(self, obj: Conversation) -> str | None:
        return obj.department.slug if obj.department_id else None

    def get_assignee(self, obj: Conversation) -> dict | None:
        if not obj.assignee_id:
            return None
        return {"id": obj.assignee_id, "name": operator_display_name(obj.assignee)}
