"""Draft preview: the editor's preview panel talks to the real pipeline in a sandbox conversation.

A preview runs a snapshot of the scenario's current draft on a hidden per-workspace channel of kind
"preview". Preview conversations are never shown in history or the inbox (`is_preview`), never reach real
operators (a handoff is only described), and are deleted `PREVIEW_TTL_SECONDS` after they started.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from builder.findings import Finding
from builder.models import Scenario, Workspace
from builder.validation import validate
from runtime.connectors.base import InboundMessage
from runtime.engine.loader import ScenarioError, compile_scenario
from runtime.models import Channel, Contact, Conversation, Message
from runtime.pipeline.scenarios import document_hash
from runtime.realtime.publish import serialize_message
from runtime.services import receive


class PreviewError(Exception):
    def __init__(self, status: int, errors: list[dict[str, Any]]) -> None:
        super().__init__(errors[0]["message"] if errors else "preview error")
        self.status = status
        self.errors = errors


@dataclass(frozen=True, slots=True)
class PreviewTurn:
    conversation_id: uuid.UUID
    messages: list[dict[str, Any]]
    node_id: str | None
    mode: str
    variables: dict[str, Any]

    def as_dict(self) -> dict[str, Any]:
        return {"conversation_id": str(self.conversation_id), "messages": self.messages, "node_id": self.node_id,
                "mode": self.mode, "variables": self.variables}


def _error(code: str, message: str, path: str = "", node_id: str | None = None) -> dict[str, Any]:
    return {"path": path, "node_id": node_id, "code": code, "message": message}


def preview_channel(workspace: Workspace) -> Channel:
    channel = Channel.objects.filter(workspace=workspace, kind=Channel.Kind.PREVIEW).order_by("pk").first()
    if channel is None:
        channel = Channel.objects.create(workspace=workspace, kind=Channel.Kind.PREVIEW, name="Editor preview",
                                         config={"hidden": True})
    return channel


def _check_draft(scenario: Scenario) -> None:
    """A draft that the engine cannot run is a 400 with findings; editorial warnings do not block a preview."""
    try:
        compile_scenario(scenario.draft)
    except ScenarioError as exc:
        findings: list[Finding] = [f for f in validate(scenario.draft, scenario.workspace) if f.severity == "error"]
        errors = [{"path": f.path, "node_id": f.node_id, "code": f.code, "message": f.message} for f in findings]
        if not any(e["code"] == exc.code for e in errors):
            errors.append(_error(exc.code, exc.message, node_id=exc.node_id))
        raise PreviewError(400, errors) from None


def _turn(conversation: Conversation, messages: list[Message]) -> PreviewTurn:
    state = conversation.state or {}
    return PreviewTurn(
        conversation_id=conversation.pk,
        messages=[serialize_message(m) for m in messages],
        node_id=state.get("node_id"),
        mode=conversation.mode,
        variables=dict(state.get("variables") or {}),
    )


def start_preview(scenario: Scenario, *, user: Any = None, ref: str = "") -> PreviewTurn:
    """Start a sandbox conversation on the scenario's current draft; returns the bot's first messages."""
    purge_expired()  # opportunistic: previews are short-lived, keep the table small without a scheduler
    _check_draft(scenario)
    document = scenario.draft
    with transaction.atomic():
        channel = preview_channel(scenario.workspace)
        contact = Contact.objects.create(
            workspace=scenario.workspace, channel=channel, external_id=f"preview-{uuid.uuid4().hex}",
            name=(getattr(user, "get_username", lambda: "")() or "Preview")[:200],
        )
        conversation = Conversation.objects.create(
            workspace=scenario.workspace, channel=channel, contact=contact, scenario=scenario, version=None,
            ref=ref[:128], is_preview=True,
            expires_at=timezone.now() + dt.timedelta(seconds=settings.PREVIEW_TTL_SECONDS),
            pipeline={"preview": {"document": document, "hash": document_hash(document)}},
        )
        result = receive(InboundMessage(channel_id=channel.pk, external_id=None,
                                        contact_external_id=contact.external_id, ref=ref or None, is_start=True))
    conversation.refresh_from_db()
    return _turn(conversation, result.messages)


def get_preview(workspace: Workspace, conversation_id: Any) -> Conversation:
    """A live preview conversation of the workspace; anything else (foreign, expired, not a preview) is 404."""
    try:
        conversation_id = uuid.UUID(str(conversation_id))
    except ValueError:
        raise PreviewError(404, [_error("not_found", "No such preview.")]) from None
    conversation = (
        Conversation.objects.filter(pk=conversation_id, workspace=workspace, is_preview=True,
                                    expires_at__gt=timezone.now())
        .select_related("contact")
        .first()
    )
    if conversation is None:
        raise PreviewError(404, [_error("not_found", "No such preview.")])
    return conversation


def send(workspace: Workspace, conversation_id: Any, *, text: str = "", button_id: str | None = None) -> PreviewTurn:
    """The editor's customer says something (text) or presses a button; returns what the bot answered."""
    conversation = get_preview(workspace, conversation_id)
    if not text and not button_id:
        raise PreviewError(400, [_error("required", "Send text or button_id.", "/text")])
    if conversation.mode == Conversation.Mode.CLOSED:
        raise PreviewError(409, [_error("preview_ended", "This preview has ended; start a new one.")])
    result = receive(InboundMessage(channel_id=conversation.channel_id, external_id=None,
                                    contact_external_id=conversation.contact.external_id, text=text,
                                    button_id=button_id))
    conversation.refresh_from_db()
    return _turn(conversation, result.messages)


def transcript(workspace: Workspace, conversation_id: Any) -> PreviewTurn:
    conversation = get_preview(workspace, conversation_id)
    return _turn(conversation, list(conversation.messages.select_related("sender_user").order_by("seq")))


def purge_expired(now: dt.datetime | None = None) -> int:
    """Delete expired preview conversations (messages cascade) and their throwaway contacts."""
    now = now or timezone.now()
    _, deleted = Conversation.objects.filter(is_preview=True, expires_at__lt=now).delete()
    Contact.objects.filter(channel__kind=Channel.Kind.PREVIEW, conversations__isnull=True).delete()
    return deleted.get(Conversation._meta.label, 0)
