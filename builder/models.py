"""Workspaces, memberships, departments, scenarios and their immutable published versions."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models


class Workspace(models.Model):
    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=64, unique=True)
    # Workspace-wide runtime defaults, e.g. {"operator_keywords": [...], "reopen": "bot" | "queue"}.
    settings = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    ADMIN = "admin", "Admin"
    EDITOR = "editor", "Editor"
    OPERATOR = "operator", "Operator"


class Membership(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.EDITOR)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "workspace"], name="uniq_membership")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.workspace} ({self.role})"

    @property
    def can_edit(self) -> bool:
        return self.role in (Role.ADMIN, Role.EDITOR)

    @property
    def can_manage(self) -> bool:
        return self.role == Role.ADMIN


class Department(models.Model):
    """A team that handoffs go to, with its business hours (builder.business_hours) and operators."""

    class Assignment(models.TextChoices):
        OFF = "off", "Manual claim only"
        ROUND_ROBIN = "round_robin", "Round robin"
        LEAST_BUSY = "least_busy", "Least busy"

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="departments")
    name = models.CharField(max_length=120)
    # Scenario handoff nodes reference departments by slug (portable across installations).
    slug = models.SlugField(max_length=64)
    # {"timezone": "Europe/Moscow", "weekly": {"mon": [["09:00", "18:00"]], ...}, "holidays": ["2026-12-31"]}
    # Empty = always open.
    business_hours = models.JSONField(default=dict, blank=True)
    out_of_hours_message = models.TextField(blank=True, default="")
    assignment = models.CharField(max_length=16, choices=Assignment.choices, default=Assignment.OFF)
    operators = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="departments")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        # Moved here from channels_app (builder/migrations/0002): the table keeps its name and its rows.
        db_table = "channels_app_department"
        constraints = [models.UniqueConstraint(fields=["workspace", "slug"], name="uniq_department_slug")]
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Scenario(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="scenarios")
    name = models.CharField(max_length=200)
    # Stable per-workspace key: cross-scenario `jump` nodes reference it, so it survives export/import.
    slug = models.SlugField(max_length=64)
    description = models.TextField(blank=True, default="")
    draft = models.JSONField()
    # Optimistic concurrency: every save is UPDATE ... WHERE revision = <the revision the client saw>.
    revision = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    published_version = models.ForeignKey(
        "ScenarioVersion", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["workspace", "slug"], name="uniq_scenario_slug")]
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ScenarioVersion(models.Model):
    """An immutable published snapshot. Conversations pin the version they started on."""

    scenario = models.ForeignKey(Scenario, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    document = models.JSONField()
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.CharField(max_length=500, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    # Set when this version was published by a rollback to an older one.
    rolled_back_from = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["scenario", "number"], name="uniq_version_number")]
        ordering = ["-number"]

    def __str__(self) -> str:
        return f"{self.scenario} v{self.number}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None and not kwargs.pop("_allow_update", False):
            raise ValueError("ScenarioVersion is immutable once published")
        super().save(*args, **kwargs)
