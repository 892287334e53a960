"""DRF serializers for departments, canned replies, operators and conversation history (shape data only)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from rest_framework import serializers

from builder import business_hours
from builder.models import Department, Membership
from channels_app.models import CannedReply
from runtime.models import Conversation
from runtime.realtime.publish import operator_display_name


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

    def validate_operators(self, value: list[int]) -> list[int]:
        members = set(Membership.objects.filter(workspace=self.context["workspace"], user_id__in=value)
                      .values_list("user_id", flat=True))
        wrong = {i: [f"user {u} is not a member of this workspace"] for i, u in enumerate(value) if u not in members}
        if wrong:
            raise serializers.ValidationError(wrong)  # at /operators/<index>
        return value

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


class ConversationFilterIn(serializers.Serializer):
    """The history's query string. Dates: an ISO date (2026-11-21, `until` includes that day) or datetime."""

    status = serializers.ChoiceField(choices=Conversation.Mode.values, required=False)
    department = serializers.CharField(required=False, max_length=100, help_text="A department's slug")
    operator = serializers.IntegerField(min_value=1, max_value=2**63 - 1, required=False, help_text="A user id")
    channel = serializers.CharField(required=False, max_length=64, help_text="A channel id or kind")
    contact = serializers.IntegerField(min_value=1, max_value=2**63 - 1, required=False, help_text="A contact id")
    since = serializers.CharField(required=False)
    until = serializers.CharField(required=False)
    q = serializers.CharField(required=False, max_length=500, help_text="Message text, name, e-mail or phone")

    def to_internal_value(self, data):
        # An empty parameter (?status=) is no filter, as the inbox's form sends them.
        return super().to_internal_value({k: v for k, v in data.items() if str(v).strip()})

    def validate_since(self, value: str) -> dt.datetime:
        return _when(value)

    def validate_until(self, value: str) -> dt.datetime:
        return _when(value, end=True)


def _when(raw: str, *, end: bool = False) -> dt.datetime:
    try:  # well-formed but impossible (2026-13-45) is a ValueError; a mere other format is None
        value, day = parse_datetime(raw), parse_date(raw)
    except ValueError:
        value = day = None
    if value is None:
        if day is None:
            raise serializers.ValidationError("Use an ISO date (2026-11-21) or datetime (2026-11-21T10:00:00Z).")
        value = dt.datetime.combine(day + dt.timedelta(days=1) if end else day, dt.time(0))
    if timezone.is_naive(value):
        value = timezone.make_aware(value, dt.UTC)
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
