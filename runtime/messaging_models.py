"""Messenger-side records: WhatsApp message templates and the delivery history of outbound messages.

Imported at the end of runtime/models.py so Django registers them in the `runtime` app.
"""

from __future__ import annotations

from django.db import models

__all__ = ["DeliveryEvent", "MessageTemplate"]


class MessageTemplate(models.Model):
    """A WhatsApp template of one channel (phone number / business account), mirrored from the provider."""

    class Category(models.TextChoices):
        MARKETING = "marketing", "Marketing"
        UTILITY = "utility", "Utility"
        AUTHENTICATION = "authentication", "Authentication"

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SUBMITTED = "submitted", "Submitted"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"

    channel = models.ForeignKey("runtime.Channel", on_delete=models.CASCADE, related_name="templates")
    name = models.CharField(max_length=512)  # provider rule: lowercase letters, digits and underscores
    language = models.CharField(max_length=16)  # e.g. en_US, ru
    category = models.CharField(max_length=16, choices=Category.choices, default=Category.UTILITY)
    # The body text with numbered placeholders {{1}}, {{2}}, …
    body = models.TextField()
    # [{"type": "QUICK_REPLY", "text": "Yes"}, {"type": "URL", "text": "Track", "url": "…"}]
    buttons = models.JSONField(default=list, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    provider_id = models.CharField(max_length=64, blank=True, default="")
    rejected_reason = models.CharField(max_length=500, blank=True, default="")
    synced_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["channel", "name", "language"], name="uniq_template_per_channel")
        ]
        ordering = ["name", "language"]

    def __str__(self) -> str:
        return f"{self.name} [{self.language}] ({self.status})"


class DeliveryEvent(models.Model):
    """One step in an outbound message's delivery: a send attempt (with its HTTP status and the wait that
    followed) or a status report from the provider (sent / delivered / read / failed)."""

    class Kind(models.TextChoices):
        ATTEMPT = "attempt", "Send attempt"
        STATUS = "status", "Status webhook"
        WINDOW = "window", "Blocked by the 24-hour window"

    message = models.ForeignKey("runtime.Message", on_delete=models.CASCADE, related_name="delivery_events")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    attempt = models.PositiveSmallIntegerField(null=True, blank=True)
    http_status = models.PositiveSmallIntegerField(null=True, blank=True)
    status = models.CharField(max_length=10, blank=True, default="")
    error = models.CharField(max_length=500, blank=True, default="")
    retry_after = models.FloatField(null=True, blank=True)  # the provider's hint, seconds
    delay = models.FloatField(null=True, blank=True)  # what we waited before the next attempt
    provider_message_id = models.CharField(max_length=128, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["message", "created_at"], name="delivery_msg_idx")]

    def __str__(self) -> str:
        return f"{self.kind} {self.status or self.http_status} for message {self.message_id}"
