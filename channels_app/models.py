"""The live-agent side: operator presence, open inbox sockets, assignment history, canned replies.

Departments (with business hours) are workspace configuration: builder.models.Department.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class OperatorStatus(models.Model):
    class Presence(models.TextChoices):
        ONLINE = "online", "Online"
        AWAY = "away", "Away"
        OFFLINE = "offline", "Offline"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="operator_statuses")
    workspace = models.ForeignKey("builder.Workspace", on_delete=models.CASCADE, related_name="operator_statuses")
    presence = models.CharField(max_length=8, choices=Presence.choices, default=Presence.OFFLINE)
    capacity = models.PositiveSmallIntegerField(default=5)
    # Count of open inbox sockets across all processes; presence falls to offline when it reaches 0.
    open_sockets = models.PositiveIntegerField(default=0)
    last_assigned_at = models.DateTimeField(null=True, blank=True)
    last_seen_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "workspace"], name="uniq_operator_status")]

    def __str__(self) -> str:
        return f"{self.user} {self.presence}"


class InboxSocket(models.Model):
    """One open inbox socket, held by the server process `process` (channels_app.presence).

    The process renews `seen_at` for its rows while it runs; a crashed process stops renewing, and the sweep
    (run by every task worker) deletes its expired rows and takes the count in `OperatorStatus.open_sockets` down
    with them, so an operator whose only server died goes offline instead of staying "online" forever.
    """

    status = models.ForeignKey(OperatorStatus, on_delete=models.CASCADE, related_name="sockets")
    process = models.CharField(max_length=64, db_index=True)
    opened_at = models.DateTimeField(auto_now_add=True)
    seen_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"{self.status_id}@{self.process}"


class AssignmentEvent(models.Model):
    """History of who had a conversation and why: claims, auto-assignments, transfers, resolves, returns."""

    class Kind(models.TextChoices):
        QUEUED = "queued", "Queued"
        CLAIMED = "claimed", "Claimed"
        AUTO_ASSIGNED = "auto_assigned", "Auto-assigned"
        TRANSFERRED = "transferred", "Transferred"
        RESOLVED = "resolved", "Resolved"
        RETURNED_TO_BOT = "returned_to_bot", "Returned to bot"
        REOPENED = "reopened", "Reopened"

    conversation = models.ForeignKey("runtime.Conversation", on_delete=models.CASCADE, related_name="assignments")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    operator = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    department = models.ForeignKey("builder.Department", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    note = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]
        indexes = [models.Index(fields=["conversation", "created_at"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.conversation_id}"


class CannedReply(models.Model):
    workspace = models.ForeignKey("builder.Workspace", on_delete=models.CASCADE, related_name="canned_replies")
    title = models.CharField(max_length=120)
    shortcut = models.SlugField(max_length=32)
    text = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["workspace", "shortcut"], name="uniq_canned_shortcut")]
        ordering = ["shortcut"]

    def __str__(self) -> str:
        return f"/{self.shortcut}"
