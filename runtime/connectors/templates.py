"""WhatsApp template messages: placeholders, rendering, validation of scenario `template` nodes, and
keeping the local copy in sync with the provider's template API."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from builder.findings import Finding
from runtime.models import MessageTemplate

log = logging.getLogger(__name__)

PLACEHOLDER_RE = re.compile(r"\{\{\s*(\d+)\s*\}\}")

# Provider status → ours. PAUSED/DISABLED templates cannot be sent, so they count as rejected here.
PROVIDER_STATUS = {
    "APPROVED": "approved",
    "PENDING": "submitted",
    "IN_APPEAL": "submitted",
    "PENDING_DELETION": "rejected",
    "REJECTED": "rejected",
    "DISABLED": "rejected",
    "PAUSED": "rejected",
    "DELETED": "rejected",
}


def placeholders(body: str) -> list[str]:
    """The numbered placeholders of a body, in numeric order, without duplicates: ["1", "2"]."""
    return sorted({m.group(1) for m in PLACEHOLDER_RE.finditer(body)}, key=int)


def render_body(body: str, params: list[str]) -> str:
    """The body as the customer sees it, for the transcript: {{n}} → params[n-1]."""

    def sub(match: re.Match[str]) -> str:
        index = int(match.group(1)) - 1
        return params[index] if 0 <= index < len(params) else ""

    return PLACEHOLDER_RE.sub(sub, body)


def serialize_template(template: Any) -> dict[str, Any]:
    return {
        "id": template.pk,
        "name": template.name,
        "language": template.language,
        "category": template.category,
        "body": template.body,
        "placeholders": placeholders(template.body),
        "buttons": template.buttons,
        "status": template.status,
        "rejected_reason": template.rejected_reason,
    }


def approved_templates(channel: Any) -> list[dict[str, Any]]:
    rows = MessageTemplate.objects.filter(channel=channel, status=MessageTemplate.Status.APPROVED)
    return [serialize_template(t) for t in rows.order_by("name", "language")]


def find_approved(channel: Any, name: str, language: str) -> Any | None:
    return MessageTemplate.objects.filter(
        channel=channel, name=name, language=language, status=MessageTemplate.Status.APPROVED
    ).first()


def template_payload(name: str, language: str, params: list[str]) -> dict[str, Any]:
    """What a template send stores in Message.payload["template"] (read by the WhatsApp connector)."""
    return {"name": name, "language": language, "params": [str(p) for p in params]}


def params_from_mapping(body: str, variables: dict[str, str]) -> list[str]:
    """Ordered parameter list for the provider from an already rendered {"1": "...", "2": "..."} map."""
    return [str(variables.get(key, "")) for key in placeholders(body)]


# --- Scenario validation -------------------------------------------------------------------------


def check_template_nodes(workspace: Any, document: dict[str, Any]) -> list[Finding]:
    """Findings for `template` nodes: the template must be approved on one of the workspace's WhatsApp
    channels, and every placeholder of its body must be mapped to a value."""
    findings: list[Finding] = []
    nodes = document.get("nodes") if isinstance(document, dict) else None
    if not isinstance(nodes, list):
        return findings
    for index, node in enumerate(nodes):
        if not isinstance(node, dict) or node.get("type") != "template":
            continue
        node_id = node.get("id")
        data = node.get("data") if isinstance(node.get("data"), dict) else {}
        name, language = str(data.get("template", "")), str(data.get("language", ""))
        mapping = data.get("variables") if isinstance(data.get("variables"), dict) else {}
        base = f"/nodes/{index}/data"
        template = (
            MessageTemplate.objects.filter(
                channel__workspace=workspace,
                channel__kind="whatsapp",
                name=name,
                language=language,
                status=MessageTemplate.Status.APPROVED,
            )
            .order_by("id")
            .first()
        )
        if template is None:
            findings.append(
                Finding(
                    code="template_not_approved",
                    message=f"Template {name!r} ({language}) is not approved on any WhatsApp channel of this "
                    "workspace; sync templates or pick an approved one.",
                    path=f"{base}/template",
                    node_id=node_id,
                )
            )
            continue
        for key in placeholders(template.body):
            value = mapping.get(key)
            if not isinstance(value, str) or not value.strip():
                findings.append(
                    Finding(
                        code="template_unmapped",
                        message=f"Placeholder {{{{{key}}}}} of template {name!r} has no value.",
                        path=f"{base}/variables/{key}",
                        node_id=node_id,
                    )
                )
    return findings


# --- Provider sync -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SyncResult:
    created: int
    updated: int
    total: int


def _component(components: list[dict[str, Any]], kind: str) -> dict[str, Any]:
    for component in components:
        if isinstance(component, dict) and str(component.get("type", "")).upper() == kind:
            return component
    return {}


def upsert_from_provider(channel: Any, item: dict[str, Any]) -> bool:
    """Store one template from the provider's list; returns True when it was created."""
    components = item.get("components") if isinstance(item.get("components"), list) else []
    body = str(_component(components, "BODY").get("text", ""))
    buttons = _component(components, "BUTTONS").get("buttons") or []
    category = str(item.get("category", "UTILITY")).lower()
    if category not in MessageTemplate.Category.values:
        category = MessageTemplate.Category.UTILITY
    status = PROVIDER_STATUS.get(str(item.get("status", "")).upper(), MessageTemplate.Status.SUBMITTED)
    _, created = MessageTemplate.objects.update_or_create(
        channel=channel,
        name=str(item["name"]),
        language=str(item.get("language", "")),
        defaults={
            "category": category,
            "body": body,
            "buttons": buttons if isinstance(buttons, list) else [],
            "status": status,
            "provider_id": str(item.get("id", "")),
            "rejected_reason": str(item.get("rejected_reason", "") or "")[:500] if status == "rejected" else "",
            "synced_at": timezone.now(),
        },
    )
    return created


def apply_status_update(channel: Any, value: dict[str, Any]) -> int:
    """A `message_template_status_update` webhook: {event, message_template_id, message_template_name,
    message_template_language, reason}. Returns the number of templates changed."""
    status = PROVIDER_STATUS.get(str(value.get("event", "")).upper())
    if status is None:
        return 0
    rows = MessageTemplate.objects.filter(channel=channel)
    if value.get("message_template_id"):
        rows = rows.filter(provider_id=str(value["message_template_id"]))
    else:
        rows = rows.filter(
            name=str(value.get("message_template_name", "")), language=str(value.get("message_template_language", ""))
        )
    reason = str(value.get("reason") or "")
    return rows.update(
        status=status,
        rejected_reason=(reason[:500] if status == "rejected" and reason.upper() != "NONE" else ""),
        synced_at=timezone.now(),
        updated_at=timezone.now(),
    )


# --- Scenario `template` nodes: what the pipeline stores and sends -----------------------------------


@dataclass(frozen=True, slots=True)
class TemplateSend:
    text: str  # the body as the customer sees it (the transcript)
    payload: dict[str, Any] | None  # Message.payload["template"] for WhatsApp, None elsewhere
    error: str = ""  # set when it cannot be sent: stored as not_sent with this reason


def resolve_template_send(channel: Any, name: str, language: str, variables: dict[str, str]) -> TemplateSend:
    """A `template` node's message on `channel`, with its numbered variables already rendered.

    WhatsApp sends the approved template of this channel (allowed outside the 24-hour window); other
    channels have no templates, so they get the body as plain text: one scenario runs on every channel.
    """
    if channel.kind == "whatsapp":
        template = find_approved(channel, name, language)
    else:
        template = (
            MessageTemplate.objects.filter(
                channel__workspace_id=channel.workspace_id, channel__kind="whatsapp", name=name,
                language=language, status=MessageTemplate.Status.APPROVED,
            )
            .order_by("id")
            .first()
        )
    if template is None:
        return TemplateSend(
            text=f"[template {name} ({language})]", payload=None,
            error=f"template_not_approved: template {name!r} ({language}) is not approved on this channel",
        )
    params = params_from_mapping(template.body, variables)
    text = render_body(template.body, params)
    if channel.kind != "whatsapp":
        return TemplateSend(text=text, payload=None)
    return TemplateSend(text=text, payload=template_payload(template.name, template.language, params))
