"""WhatsApp Cloud API connector.

Inbound: GET handshake (hub.mode=subscribe, hub.verify_token, hub.challenge); POST bodies are signed with
`X-Hub-Signature-256: sha256=<HMAC-SHA256(raw body, app secret)>`, compared in constant time. Messages are
deduplicated by their wamid; `statuses` move our outbound messages to sent / delivered / read / failed.

Outbound: text, reply buttons (≤ 3, title ≤ 20 chars), list messages for 4-10 choices (row title ≤ 24),
media by link, template messages. Free-form content is never sent outside the 24-hour window.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
from typing import Any

from django.conf import settings
from django.utils import timezone

from runtime.connectors import templates
from runtime.connectors.base import DeliveryError, InboundMessage
from runtime.connectors.common import (
    MalformedPayload,
    ParsedWebhook,
    ProviderError,
    StatusUpdate,
    callback_tag,
    get_json,
    json_answer,
    mark_message,
    message_pk_of,
    post_json,
    provider_error_text,
    record_attempts,
    refusal,
    required_secret,
)
from runtime.connectors.retry import is_retryable
from runtime.connectors.secrets import get_secrets
from runtime.connectors.window import check_outbound, not_sent_reason

log = logging.getLogger("runtime.connectors.whatsapp")

TEXT_LIMIT = 4096
BODY_LIMIT = 1024  # interactive body text
CAPTION_LIMIT = 1024
MAX_REPLY_BUTTONS = 3
BUTTON_TITLE_LIMIT = 20
BUTTON_ID_LIMIT = 256
MAX_LIST_ROWS = 10
ROW_TITLE_LIMIT = 24
ROW_DESCRIPTION_LIMIT = 72
LIST_BUTTON_LABEL = "Choose"
SIGNATURE_HEADER = "HTTP_X_HUB_SIGNATURE_256"
OPERATOR_BUTTON_ID = "__operator__"
API_VERSION_RE = re.compile(r"v\d{1,3}\.\d{1,3}")

MEDIA_KINDS = {"image": "image", "document": "file", "video": "video", "audio": "audio", "sticker": "image"}
OUR_MEDIA_TYPES = {"image": "image", "file": "document", "video": "video", "audio": "audio"}


def truncate(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


class WhatsAppConnector:
    kind = "whatsapp"

    # --- configuration ---------------------------------------------------------------------------
    def api_base(self, channel: Any) -> str:
        # The host is a deployment setting only: a value stored in an old channel's config is ignored (it
        # sent the access token to an address the tenant chose). The version is checked when it is set.
        base = getattr(settings, "WHATSAPP_API_BASE", "https://graph.facebook.com")
        version = str((channel.config or {}).get("api_version") or "")
        if not API_VERSION_RE.fullmatch(version):
            version = getattr(settings, "WHATSAPP_API_VERSION", "v21.0")
        return f"{str(base).rstrip('/')}/{version}"

    def headers(self, channel: Any) -> dict[str, str]:
        token = required_secret(channel, "access_token", "access token")
        return {"Authorization": f"Bearer {token}"}

    # --- inbound ---------------------------------------------------------------------------------
    def verify_handshake(self, channel: Any, params: Any) -> str | None:
        """The challenge to echo back when the subscription request is ours, else None."""
        expected = get_secrets(channel).get("verify_token", "")
        token = params.get("hub.verify_token", "")
        if params.get("hub.mode") != "subscribe" or not expected or not isinstance(token, str):
            return None
        if not hmac.compare_digest(token.encode(), expected.encode()):
            return None
        return str(params.get("hub.challenge", ""))

    def verify(self, channel: Any, meta: dict[str, Any], raw_body: bytes) -> bool:
        app_secret = get_secrets(channel).get("app_secret", "")
        header = meta.get(SIGNATURE_HEADER, "")
        if not app_secret or not isinstance(header, str) or not header.startswith("sha256="):
            return False
        expected = "sha256=" + hmac.new(app_secret.encode(), raw_body, hashlib.sha256).hexdigest()
        return hmac.compare_digest(header.encode(), expected.encode())

    def parse(self, channel: Any, data: Any) -> ParsedWebhook:
        if not isinstance(data, dict) or data.get("object") != "whatsapp_business_account":
            raise MalformedPayload('expected {"object": "whatsapp_business_account", "entry": [...]}')
        entries = data.get("entry")
        if not isinstance(entries, list):
            raise MalformedPayload("entry is not a list")
        parsed = ParsedWebhook()
        our_number = str((channel.config or {}).get("phone_number_id") or "")
        for entry in entries:
            if not isinstance(entry, dict) or not isinstance(entry.get("changes"), list):
                raise MalformedPayload("entry[].changes is not a list")
            for change in entry["changes"]:
                if not isinstance(change, dict) or not isinstance(change.get("value"), dict):
                    raise MalformedPayload("entry[].changes[].value is not an object")
                value = change["value"]
                if change.get("field") == "message_template_status_update":
                    parsed.template_updates.append(value)
                    continue
                if change.get("field") != "messages":
                    continue
                number = str((value.get("metadata") or {}).get("phone_number_id") or "")
                if our_number and number and number != our_number:
                    log.warning("whatsapp: change for another phone number id ignored on channel %s", channel.pk)
                    continue
                names = {
                    str(c.get("wa_id")): str((c.get("profile") or {}).get("name") or "")
                    for c in value.get("contacts") or []
                    if isinstance(c, dict)
                }
                for message in value.get("messages") or []:
                    inbound = self._parse_message(channel, message, names)
                    if inbound is not None:
                        parsed.messages.append(inbound)
                for status in value.get("statuses") or []:
                    parsed.statuses.append(self._parse_status(status))
        return parsed

    def _parse_message(self, channel: Any, message: Any, names: dict[str, str]) -> InboundMessage | None:
        if not isinstance(message, dict) or not message.get("id") or not message.get("from"):
            raise MalformedPayload("messages[] needs id and from")
        wa_id = str(message["from"])
        kind = message.get("type")
        common = {
            "channel_id": channel.pk,
            "external_id": str(message["id"]),
            "contact_external_id": wa_id,
            "contact_name": names.get(wa_id, ""),
            "contact_phone": f"+{wa_id}" if wa_id.isdigit() else "",
        }
        referral = message.get("referral") if isinstance(message.get("referral"), dict) else None
        ref = str(referral.get("source_id") or referral.get("ref") or "") if referral else ""
        if kind == "text":
            body = str((message.get("text") or {}).get("body") or "")
            # A wa.me link can only prefill text: "/start PARAM" marks a start with a ref, as on Telegram.
            if body == "/start" or body.startswith("/start "):
                return InboundMessage(**common, is_start=True, ref=body[len("/start") :].strip() or ref or None)
            return InboundMessage(**common, text=body, ref=ref or None)
        if kind == "interactive":
            interactive = message.get("interactive") or {}
            reply = interactive.get("button_reply") or interactive.get("list_reply")
            if not isinstance(reply, dict) or not reply.get("id"):
                raise MalformedPayload("interactive message without button_reply/list_reply id")
            return InboundMessage(**common, button_id=str(reply["id"]), text=str(reply.get("title") or ""))
        if kind == "button":  # a quick-reply button of a template message
            button = message.get("button") or {}
            return InboundMessage(
                **common, text=str(button.get("text") or ""), button_id=str(button.get("payload") or "") or None
            )
        if kind in MEDIA_KINDS:
            item = message.get(kind) or {}
            caption = str(item.get("caption") or "")
            media = {
                "kind": MEDIA_KINDS[kind],
                "url": "",
                "caption": caption,
                "media_id": str(item.get("id") or ""),
                "mime_type": str(item.get("mime_type") or ""),
            }
            if item.get("filename"):
                media["file_name"] = str(item["filename"])
            return InboundMessage(**common, text=caption, media=media)
        log.info("whatsapp: ignoring unsupported message type %r", kind)
        return None

    def _parse_status(self, status: Any) -> StatusUpdate:
        if not isinstance(status, dict) or not status.get("id") or not status.get("status"):
            raise MalformedPayload("statuses[] needs id and status")
        error = ""
        errors = status.get("errors")
        if isinstance(errors, list) and errors and isinstance(errors[0], dict):
            first = errors[0]
            details = (first.get("error_data") or {}).get("details") or first.get("message") or first.get("title")
            error = f"{first.get('code', '')} {details or ''}".strip()
        tag = status.get("biz_opaque_callback_data")
        return StatusUpdate(provider_message_id=str(status["id"]), status=str(status["status"]), error=error,
                            message_pk=message_pk_of(tag) if isinstance(tag, str) else None)

    # --- outbound --------------------------------------------------------------------------------
    def render(self, to: str, message: Any) -> list[dict[str, Any]]:
        """The Cloud API request bodies for one of our messages (usually one)."""
        payload = message.payload or {}
        base = {"messaging_product": "whatsapp", "recipient_type": "individual", "to": to}
        template = payload.get("template")
        if isinstance(template, dict) and template.get("name"):
            body: dict[str, Any] = {"name": template["name"], "language": {"code": template.get("language") or "en"}}
            params = template.get("params") or []
            if params:
                body["components"] = [
                    {"type": "body", "parameters": [{"type": "text", "text": str(p)} for p in params]}
                ]
            return [{**base, "type": "template", "template": body}]
        text = message.text or ""
        buttons = [b for b in payload.get("buttons") or [] if isinstance(b, dict) and b.get("id")]
        media = payload.get("media") if isinstance(payload.get("media"), dict) else None
        requests: list[dict[str, Any]] = []
        if media and media.get("url"):
            kind = OUR_MEDIA_TYPES.get(str(media.get("kind")), "document")
            item: dict[str, Any] = {"link": media["url"]}
            caption = str(media.get("caption") or "") or (text if not buttons else "")
            if caption and kind != "audio":
                item["caption"] = truncate(caption, CAPTION_LIMIT)
            requests.append({**base, "type": kind, kind: item})
            if caption == text and not buttons:
                return requests
        if buttons:
            requests.append({**base, "type": "interactive", "interactive": self.interactive(text, buttons)})
        elif text:
            requests.append({**base, "type": "text", "text": {"body": truncate(text, TEXT_LIMIT), "preview_url": False}})
        return requests

    def interactive(self, text: str, buttons: list[dict[str, Any]]) -> dict[str, Any]:
        body = {"text": truncate(text or "…", BODY_LIMIT)}
        if len(buttons) <= MAX_REPLY_BUTTONS:
            return {
                "type": "button",
                "body": body,
                "action": {
                    "buttons": [
                        {
                            "type": "reply",
                            "reply": {
                                "id": str(b["id"])[:BUTTON_ID_LIMIT],
                                "title": truncate(str(b.get("label") or b["id"]), BUTTON_TITLE_LIMIT),
                            },
                        }
                        for b in buttons
                    ]
                },
            }
        # More than 3 choices: a list message. It holds at most 10 rows; the operator escape is never
        # the one dropped.
        if len(buttons) > MAX_LIST_ROWS:
            operator = [b for b in buttons if b["id"] == OPERATOR_BUTTON_ID]
            others = [b for b in buttons if b["id"] != OPERATOR_BUTTON_ID]
            log.warning("whatsapp: %d choices do not fit a list message; keeping %d", len(buttons), MAX_LIST_ROWS)
            buttons = others[: MAX_LIST_ROWS - len(operator)] + operator
        rows = []
        for b in buttons:
            label = str(b.get("label") or b["id"])
            row = {"id": str(b["id"])[:200], "title": truncate(label, ROW_TITLE_LIMIT)}
            if len(label) > ROW_TITLE_LIMIT:
                row["description"] = truncate(label, ROW_DESCRIPTION_LIMIT)
            rows.append(row)
        return {
            "type": "list",
            "body": body,
            "action": {"button": LIST_BUTTON_LABEL, "sections": [{"title": truncate("Options", 24), "rows": rows}]},
        }

    def send(self, channel: Any, message: Any) -> str | None:
        """Deliver one outbound Message (the registry's Connector protocol): returns the wamid status webhooks
        will refer to; raises DeliveryError (retry=True for 429/5xx/network after our own retries)."""
        contact = message.conversation.contact
        is_template = isinstance((message.payload or {}).get("template"), dict)
        decision = check_outbound(channel, contact, timezone.now(), is_template=is_template)
        if not decision.allowed:
            # Defence in depth: the pipeline holds such messages back, but a retry may run after the window
            # closed. Recorded as not_sent (not failed): nothing went wrong, the rules forbid it.
            reason = not_sent_reason(decision)
            mark_message(message, delivery="not_sent", error=reason)
            raise DeliveryError(reason, retry=False)
        number = str((channel.config or {}).get("phone_number_id") or "")
        try:
            if not number:
                raise ProviderError("the channel has no phone_number_id")
            headers = self.headers(channel)
        except ProviderError as exc:
            raise DeliveryError(str(exc), retry=False) from exc
        wamid: str | None = None
        for body in self.render(contact.external_id, message):
            # The Cloud API has no idempotency key; this tag comes back in the status webhooks, so a message whose
            # send outcome became unknown (its worker died) is resolved by the first status that names it.
            body = {**body, "biz_opaque_callback_data": callback_tag(message.pk)}
            outcome = post_json(f"{self.api_base(channel)}/{number}/messages", body, headers)
            result = outcome.response.json() if outcome.ok else {}
            part = str(((result.get("messages") or [{}])[0]).get("id") or "") if isinstance(result, dict) else ""
            record_attempts(message, outcome, [part])
            if not outcome.ok or not part:
                status = outcome.response.status_code if outcome.response is not None else None
                raise DeliveryError(provider_error_text(outcome.response, outcome.attempts), retry=is_retryable(status))
            wamid = part
        # Status webhooks refer to the wamid; the last request carries the message's main content.
        return wamid

    # --- templates -------------------------------------------------------------------------------
    def list_templates(self, channel: Any) -> list[dict[str, Any]]:
        account = str((channel.config or {}).get("waba_id") or "")
        if not account:
            raise ProviderError("the channel has no waba_id (WhatsApp Business Account id)")
        url = f"{self.api_base(channel)}/{account}/message_templates"
        params: dict[str, Any] | None = {"limit": 100, "fields": "id,name,language,status,category,components"}
        items: list[dict[str, Any]] = []
        for _page in range(100):  # a hard stop against a provider that loops its cursors
            outcome = get_json(url, self.headers(channel), params)
            if not outcome.ok:
                raise refusal(outcome, "whatsapp template list")
            data = json_answer(outcome, "whatsapp template list")
            if not isinstance(data, dict):
                raise ProviderError("the provider's template list is not a JSON object")
            items.extend(x for x in data.get("data") or [] if isinstance(x, dict))
            after = ((data.get("paging") or {}).get("cursors") or {}).get("after")
            if not after or not (data.get("paging") or {}).get("next"):
                break
            params = {**(params or {}), "after": after}
        return items

    def submit_template(self, channel: Any, template: Any) -> dict[str, Any]:
        """Create the template at the provider for review; returns {"id", "status", "category"}."""
        account = str((channel.config or {}).get("waba_id") or "")
        if not account:
            raise ProviderError("the channel has no waba_id (WhatsApp Business Account id)")
        components: list[dict[str, Any]] = [{"type": "BODY", "text": template.body}]
        if template.buttons:
            components.append({"type": "BUTTONS", "buttons": template.buttons})
        body = {
            "name": template.name,
            "language": template.language,
            "category": template.category.upper(),
            "components": components,
        }
        outcome = post_json(f"{self.api_base(channel)}/{account}/message_templates", body, self.headers(channel))
        if not outcome.ok:
            raise refusal(outcome, "whatsapp template submit")
        answer = json_answer(outcome, "whatsapp template submit")
        return answer if isinstance(answer, dict) else {}


def sync_templates(channel: Any) -> templates.SyncResult:
    """Pull the channel's templates from the WhatsApp Business Management API (all pages)."""
    connector = WhatsAppConnector()
    created = updated = 0
    for item in connector.list_templates(channel):
        if not isinstance(item, dict) or not item.get("name"):
            continue
        if templates.upsert_from_provider(channel, item):
            created += 1
        else:
            updated += 1
    return templates.SyncResult(created=created, updated=updated, total=created + updated)
