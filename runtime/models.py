"""Channels, contacts, conversations and messages: what the runtime reads and writes per turn; WhatsApp
message templates and the delivery history of outbound messages; task worker heartbeats."""

from __future__ import annotations

import secrets
import uuid

from django.conf import settings
from django.db import models


def new_public_key() -> str:
    return secrets.token_urlsafe(18)


class Channel(models.Model):
    class Kind(models.TextChoices):
        WEB = "web", "Web widget"
        TELEGRAM = "telegram", "Telegram"
        WHATSAPP = "whatsapp", "WhatsApp Cloud API"
        PREVIEW = "preview", "Editor preview"

    workspace = models.ForeignKey("builder.Workspace", on_delete=models.CASCADE, related_name="channels")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    name = models.CharField(max_length=120)
    # Public identifier: the widget key, or the id in a messenger webhook URL. Not a secret.
    key = models.CharField(max_length=64, unique=True, default=new_public_key)
    scenario = models.ForeignKey(
        "builder.Scenario", null=True, blank=True, on_delete=models.SET_NULL, related_name="channels"
    )
    # Non-secret settings: widget colours/title, allowed origins, WhatsApp phone number id, …
    config = models.JSONField(default=dict, blank=True)
    # Secrets (bot token, app secret, webhook secret), encrypted at rest; never returned by the API.
    secrets_encrypted = models.TextField(blank=True, default="")
    # Auto-responder: {"enabled": bool, "text": str}; repeated at most once an hour per contact.
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.name} ({self.kind})"


class Contact(models.Model):
    workspace = models.ForeignKey("builder.Workspace", on_delete=models.CASCADE, related_name="contacts")
    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="contacts")
    # The customer's id on the channel: Telegram chat id, WhatsApp wa_id, widget visitor id.
    external_id = models.CharField(max_length=128)
    name = models.CharField(max_length=200, blank=True, default="")
    phone = models.CharField(max_length=32, blank=True, default="")
    email = models.CharField(max_length=254, blank=True, default="")
    tags = models.JSONField(default=list, blank=True)
    # Broadcast consent: None = unknown, True = opted in, False = unsubscribed (never broadcast again).
    subscribed = models.BooleanField(null=True, blank=True)
    consent_changed_at = models.DateTimeField(null=True, blank=True)
    # Variables that outlive a conversation (e.g. name, phone collected once).
    attributes = models.JSONField(default=dict, blank=True)
    # WhatsApp 24-hour customer-service window: the last time the customer wrote.
    last_inbound_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["channel", "external_id"], name="uniq_contact_per_channel")
        ]
        indexes = [models.Index(fields=["workspace", "created_at"])]

    def __str__(self) -> str:
        return self.name or self.external_id


class Conversation(models.Model):
    class Mode(models.TextChoices):
        BOT = "bot", "Bot"
        QUEUED = "queued", "Queued"
        LIVE = "live", "Live (operator)"
        CLOSED = "closed", "Closed"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    workspace = models.ForeignKey("builder.Workspace", on_delete=models.CASCADE, related_name="conversations")
    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="conversations")
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="conversations")
    scenario = models.ForeignKey(
        "builder.Scenario", null=True, blank=True, on_delete=models.SET_NULL, related_name="conversations"
    )
    # Version pinning: a conversation runs the version it started on. Null for draft previews.
    version = models.ForeignKey(
        # RESTRICT: a version with conversations can't be deleted alone, but goes with its workspace.
        "builder.ScenarioVersion", null=True, blank=True, on_delete=models.RESTRICT, related_name="conversations"
    )
    mode = models.CharField(max_length=8, choices=Mode.choices, default=Mode.BOT)
    # The engine's serialised state (current node, variables, counters, pending timers/requests).
    state = models.JSONField(default=dict, blank=True)
    # Highest seq assigned to a message of this conversation; bumped inside the row lock.
    last_seq = models.PositiveIntegerField(default=0)
    ref = models.CharField(max_length=128, blank=True, default="")
    # Handoff and queue.
    department = models.ForeignKey(
        "builder.Department", null=True, blank=True, on_delete=models.SET_NULL, related_name="conversations"
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="assigned_chats"
    )
    queued_at = models.DateTimeField(null=True, blank=True)
    assigned_at = models.DateTimeField(null=True, blank=True)
    # {"reason": "button"|"keyword"|"node"|"error", "node_id": ..., "note": ..., "at": ...}
    handoff = models.JSONField(default=dict, blank=True)
    # Pipeline bookkeeping, not the engine's: pending timer / HTTP request tokens (a fired timer or a late
    # HTTP result whose token is gone is a no-op), the inbound rate window, a preview's draft snapshot.
    pipeline = models.JSONField(default=dict, blank=True)
    is_preview = models.BooleanField(default=False)
    expires_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    last_message_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            # The inbox queue: oldest waiting first, per department.
            models.Index(fields=["workspace", "mode", "department", "queued_at"], name="conv_queue_idx"),
            models.Index(fields=["assignee", "mode"], name="conv_assignee_idx"),
            models.Index(fields=["workspace", "-last_message_at"], name="conv_history_idx"),
            models.Index(fields=["contact", "-started_at"], name="conv_contact_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.channel.kind}:{self.contact_id} ({self.mode})"


class Message(models.Model):
    class Direction(models.TextChoices):
        IN = "in", "Inbound"
        OUT = "out", "Outbound"
        INTERNAL = "internal", "Internal"

    class Sender(models.TextChoices):
        CUSTOMER = "customer", "Customer"
        BOT = "bot", "Bot"
        OPERATOR = "operator", "Operator"
        SYSTEM = "system", "System"

    class Delivery(models.TextChoices):
        PENDING = "pending", "Pending"
        # Claimed by a worker, request on its way to the provider (runtime.services.deliver).
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        DELIVERED = "delivered", "Delivered"
        READ = "read", "Read"
        FAILED = "failed", "Failed"
        NOT_SENT = "not_sent", "Not sent"
        # The worker died between "sending" and the provider's answer: it may or may not have gone out.
        UNKNOWN = "unknown", "Delivery unknown"

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="messages")
    # Denormalised for the inbound dedupe constraint (channel, external_id).
    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="+")
    seq = models.PositiveIntegerField()
    direction = models.CharField(max_length=8, choices=Direction.choices)
    sender = models.CharField(max_length=8, choices=Sender.choices)
    sender_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Provider message id (inbound: for dedupe; outbound: to match status webhooks) or widget client id.
    # Null (not "") when absent, so the partial unique constraint ignores it.
    external_id = models.CharField(max_length=128, null=True, blank=True)  # noqa: DJ001
    text = models.TextField(blank=True, default="")
    # Structured content: {"buttons": [{"id","label"}], "media": {...}, "button_id": ..., "note": true, ...}
    payload = models.JSONField(default=dict, blank=True)
    # The scenario node that produced (outbound) or answered (inbound) this message.
    node_id = models.CharField(max_length=64, blank=True, default="")
    delivery = models.CharField(max_length=10, choices=Delivery.choices, default=Delivery.SENT)
    delivery_error = models.CharField(max_length=500, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["conversation", "seq"], name="uniq_message_seq"),
            models.UniqueConstraint(
                fields=["channel", "direction", "external_id"],
                condition=models.Q(external_id__isnull=False),
                name="uniq_message_external_id",
            ),
        ]
        indexes = [models.Index(fields=["conversation", "seq"], name="msg_conv_seq_idx")]
        ordering = ["conversation", "seq"]

    def __str__(self) -> str:
        return f"#{self.seq} {self.sender}: {self.text[:40]}"


class WorkerHeartbeat(models.Model):
    """A live task worker (`manage.py db_worker`): renewed while the process runs, so a task it left RUNNING
    can be re-queued by any other worker once `seen_at` is older than the lease (runtime.pipeline.leases)."""

    worker_id = models.CharField(max_length=64, primary_key=True)
    queues = models.CharField(max_length=200, blank=True, default="")
    host = models.CharField(max_length=255, blank=True, default="")
    pid = models.PositiveIntegerField(default=0)
    started_at = models.DateTimeField(auto_now_add=True)
    seen_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"{self.worker_id} ({self.queues})"


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
