"""Telegram Bot API connector.

Inbound: the webhook carries `X-Telegram-Bot-Api-Secret-Token` (set by us through setWebhook), checked in
constant time; each Update becomes at most one InboundMessage with external_id "tg:<update_id>", so a
redelivered update is processed once. `/start PARAM` is a start with ref PARAM. Callback queries (inline
keyboard presses) are answered so the button stops spinning.

Outbound: sendMessage with an inline keyboard (one button per row, callback_data = button id), sendPhoto /
sendDocument for media; per-chat (~1/s) and global (~30/s) rate limits, retries honouring retry_after.
"""

from __future__ import annotations

import hmac
import logging
import re
from typing import Any

from django.conf import settings

from runtime.connectors.base import DeliveryError, InboundMessage
from runtime.connectors.common import (
    MalformedPayload,
    ParsedWebhook,
    ProviderError,
    json_answer,
    post_json,
    provider_error_text,
    record_attempts,
    refusal,
    required_secret,
)
from runtime.connectors.retry import RateLimiter, is_retryable
from runtime.connectors.secrets import get_secrets

log = logging.getLogger("runtime.connectors.telegram")

TEXT_LIMIT = 4096  # sendMessage text, characters after entity parsing
CAPTION_LIMIT = 1024  # sendPhoto / sendDocument caption
CALLBACK_DATA_LIMIT = 64  # bytes
BUTTON_TEXT_LIMIT = 64  # characters we allow on an inline button (longer labels are cut with "…")
SECRET_HEADER = "HTTP_X_TELEGRAM_BOT_API_SECRET_TOKEN"

_limiter: RateLimiter | None = None
_TOKEN_IN_URL = re.compile(r"/bot\d+:[A-Za-z0-9_-]+/")


class RedactBotToken(logging.Filter):
    """httpx logs every request URL at INFO, and Bot API URLs carry the token: mask it."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and record.args:
            record.args = tuple(
                _TOKEN_IN_URL.sub("/bot<redacted>/", str(a)) if "/bot" in str(a) else a for a in record.args
            )
        if isinstance(record.msg, str) and "/bot" in record.msg:
            record.msg = _TOKEN_IN_URL.sub("/bot<redacted>/", record.msg)
        return True


if not any(isinstance(f, RedactBotToken) for f in logging.getLogger("httpx").filters):
    logging.getLogger("httpx").addFilter(RedactBotToken())


def limiter() -> RateLimiter:
    global _limiter
    if _limiter is None:
        _limiter = RateLimiter(
            global_rate=int(getattr(settings, "TELEGRAM_GLOBAL_RATE_PER_SECOND", 30)),
            per_key_interval=float(getattr(settings, "TELEGRAM_PER_CHAT_INTERVAL_SECONDS", 1.0)),
        )
    return _limiter


def truncate(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _name(user: dict[str, Any]) -> str:
    parts = [str(user.get("first_name") or ""), str(user.get("last_name") or "")]
    return " ".join(p for p in parts if p).strip() or str(user.get("username") or "")


def _chat_id(obj: Any) -> str:
    if not isinstance(obj, dict) or not isinstance(obj.get("id"), int):
        raise MalformedPayload("chat.id missing or not an integer")
    return str(obj["id"])


class TelegramConnector:
    kind = "telegram"

    # --- configuration ---------------------------------------------------------------------------
    def api_base(self, channel: Any) -> str:
        # A deployment setting only: a value stored in an old channel's config is ignored (it made the bot
        # token travel to an address the tenant chose).
        return str(getattr(settings, "TELEGRAM_API_BASE", "https://api.telegram.org")).rstrip("/")

    def method_url(self, channel: Any, method: str) -> str:
        token = required_secret(channel, "bot_token", "bot token")
        return f"{self.api_base(channel)}/bot{token}/{method}"

    # --- inbound ---------------------------------------------------------------------------------
    def verify(self, channel: Any, meta: dict[str, Any]) -> bool:
        expected = get_secrets(channel).get("webhook_secret", "")
        given = meta.get(SECRET_HEADER, "")
        if not expected or not isinstance(given, str):
            return False
        return hmac.compare_digest(given.encode(), expected.encode())

    def parse(self, channel: Any, data: Any) -> ParsedWebhook:
        if not isinstance(data, dict):
            raise MalformedPayload("the body is not a JSON object")
        update_id = data.get("update_id")
        if not isinstance(update_id, int) or isinstance(update_id, bool):
            raise MalformedPayload("update_id missing or not an integer")
        external_id = f"tg:{update_id}"
        parsed = ParsedWebhook()
        if "message" in data:
            inbound = self._parse_message(channel, external_id, data["message"])
            if inbound is not None:
                parsed.messages.append(inbound)
        elif "callback_query" in data:
            query = data["callback_query"]
            if not isinstance(query, dict) or not isinstance(query.get("id"), str):
                raise MalformedPayload("callback_query.id missing")
            parsed.callback_query_ids.append(query["id"])
            inbound = self._parse_callback(channel, external_id, query)
            if inbound is not None:
                parsed.messages.append(inbound)
        # Other update kinds (edited_message, my_chat_member, …) are acknowledged and ignored.
        return parsed

    def _parse_message(self, channel: Any, external_id: str, message: Any) -> InboundMessage | None:
        if not isinstance(message, dict):
            raise MalformedPayload("message is not an object")
        chat_id = _chat_id(message.get("chat"))
        user = message.get("from") if isinstance(message.get("from"), dict) else {}
        common = {
            "channel_id": channel.pk,
            "external_id": external_id,
            "contact_external_id": chat_id,
            "contact_name": _name(user) or _name(message.get("chat") or {}),
        }
        text = message.get("text")
        if isinstance(text, str):
            command, _, param = text.strip().partition(" ")
            if command.split("@", 1)[0] == "/start":  # "/start PARAM", also "/start@shop_bot PARAM" in groups
                return InboundMessage(**common, is_start=True, ref=param.strip()[:128] or None)
            return InboundMessage(**common, text=text)
        caption = str(message.get("caption") or "")
        photos = message.get("photo")
        if isinstance(photos, list) and photos:
            largest = max(
                (p for p in photos if isinstance(p, dict)), key=lambda p: p.get("file_size") or p.get("width") or 0
            )
            media = {"kind": "image", "url": "", "caption": caption, "file_id": str(largest.get("file_id", ""))}
            return InboundMessage(**common, text=caption, media=media)
        document = message.get("document")
        if isinstance(document, dict):
            media = {
                "kind": "file",
                "url": "",
                "caption": caption,
                "file_id": str(document.get("file_id", "")),
                "file_name": str(document.get("file_name", "")),
                "mime_type": str(document.get("mime_type", "")),
            }
            return InboundMessage(**common, text=caption, media=media)
        for kind, key in (("video", "video"), ("audio", "voice"), ("audio", "audio")):
            item = message.get(key)
            if isinstance(item, dict):
                media = {"kind": kind, "url": "", "caption": caption, "file_id": str(item.get("file_id", ""))}
                return InboundMessage(**common, text=caption, media=media)
        log.info("telegram: ignoring unsupported message kind in %s", external_id)
        return None

    def _parse_callback(self, channel: Any, external_id: str, query: dict[str, Any]) -> InboundMessage | None:
        button_id = query.get("data")
        message = query.get("message") if isinstance(query.get("message"), dict) else None
        user = query.get("from") if isinstance(query.get("from"), dict) else {}
        if not isinstance(button_id, str) or not button_id:
            return None  # a game or inline-mode button: nothing for the scenario
        if message is not None:
            chat_id = _chat_id(message.get("chat"))
        elif isinstance(user.get("id"), int):
            chat_id = str(user["id"])
        else:
            raise MalformedPayload("callback_query has neither message.chat nor from.id")
        label = ""
        markup = (message or {}).get("reply_markup") or {}
        for row in markup.get("inline_keyboard") or []:
            for button in row if isinstance(row, list) else []:
                if isinstance(button, dict) and button.get("callback_data") == button_id:
                    label = str(button.get("text", ""))
        return InboundMessage(
            channel_id=channel.pk,
            external_id=external_id,
            contact_external_id=chat_id,
            contact_name=_name(user),
            button_id=button_id,
            text=label,
        )

    def answer_callback_query(self, channel: Any, callback_query_id: str) -> bool:
        """Stop the button's spinner. Best effort: a failure here must not fail the webhook."""
        try:
            outcome = post_json(
                self.method_url(channel, "answerCallbackQuery"), {"callback_query_id": callback_query_id}
            )
        except ProviderError:
            return False
        if not outcome.ok:
            log.warning("telegram: answerCallbackQuery failed: %s", provider_error_text(outcome.response, outcome.attempts))
        return outcome.ok

    # --- outbound --------------------------------------------------------------------------------
    def render(self, chat_id: str, message: Any) -> list[tuple[str, dict[str, Any]]]:
        """The Bot API calls for one of our messages: [(method, payload)]."""
        payload = message.payload or {}
        text = message.text or ""
        template = payload.get("template")
        if isinstance(template, dict) and not text:
            text = str(template.get("text") or template.get("name") or "")
        markup = self.keyboard(payload.get("buttons") or [])
        calls: list[tuple[str, dict[str, Any]]] = []
        media = payload.get("media") if isinstance(payload.get("media"), dict) else None
        if media and media.get("url"):
            method, field = ("sendPhoto", "photo") if media.get("kind") == "image" else ("sendDocument", "document")
            caption = str(media.get("caption") or "") or text
            body: dict[str, Any] = {"chat_id": chat_id, field: media["url"]}
            if len(caption) <= CAPTION_LIMIT and (caption == text or not text):
                # The text fits as the caption: one message, keyboard attached to it.
                if caption:
                    body["caption"] = caption
                if markup:
                    body["reply_markup"] = markup
                return [(method, body)]
            if media.get("caption"):
                body["caption"] = truncate(str(media["caption"]), CAPTION_LIMIT)
            calls.append((method, body))
        if text or markup:
            for start in range(0, max(len(text), 1), TEXT_LIMIT):
                calls.append(("sendMessage", {"chat_id": chat_id, "text": text[start : start + TEXT_LIMIT] or "…"}))
            if markup:
                calls[-1][1]["reply_markup"] = markup  # the keyboard goes under the last part
        return calls

    def keyboard(self, buttons: list[dict[str, Any]]) -> dict[str, Any] | None:
        rows = []
        for button in buttons:
            if not isinstance(button, dict):
                continue
            data = str(button.get("id", ""))
            if not data or len(data.encode()) > CALLBACK_DATA_LIMIT:
                log.warning("telegram: skipping a button whose id does not fit callback_data (1-64 bytes)")
                continue
            rows.append([{"text": truncate(str(button.get("label") or data), BUTTON_TEXT_LIMIT), "callback_data": data}])
        return {"inline_keyboard": rows} if rows else None

    def send(self, channel: Any, message: Any) -> str | None:
        """Deliver one outbound Message (the registry's Connector protocol): returns the provider id of the
        last part sent; raises DeliveryError (retry=True for 429/5xx/network after our own retries)."""
        chat_id = message.conversation.contact.external_id
        provider_id: str | None = None
        for method, body in self.render(chat_id, message):
            limiter().wait(chat_id)
            try:
                url = self.method_url(channel, method)
            except ProviderError as exc:
                raise DeliveryError(str(exc), retry=False) from exc
            outcome = post_json(url, body)
            result = outcome.response.json() if outcome.ok else {}
            message_id = (result.get("result") or {}).get("message_id") if isinstance(result, dict) else None
            part_id = f"tg:{chat_id}:{message_id}" if message_id is not None else ""
            record_attempts(message, outcome, [part_id])
            if not outcome.ok or not isinstance(result, dict) or not result.get("ok", False):
                status = outcome.response.status_code if outcome.response is not None else None
                raise DeliveryError(provider_error_text(outcome.response, outcome.attempts), retry=is_retryable(status))
            provider_id = part_id
        # Telegram has no delivery receipts for bots: "sent" (set by the pipeline) is final.
        return provider_id

    # --- webhook management ----------------------------------------------------------------------
    def set_webhook(self, channel: Any, url: str) -> None:
        secret = get_secrets(channel).get("webhook_secret", "")
        body = {
            "url": url,
            "secret_token": secret,
            "allowed_updates": ["message", "callback_query"],
            "drop_pending_updates": False,
        }
        outcome = post_json(self.method_url(channel, "setWebhook"), body)
        if not outcome.ok:
            raise refusal(outcome, "telegram setWebhook")

    def get_me(self, channel: Any) -> dict[str, Any]:
        outcome = post_json(self.method_url(channel, "getMe"), {})
        if not outcome.ok:
            raise refusal(outcome, "telegram getMe")
        answer = json_answer(outcome, "telegram getMe")
        return (answer.get("result") if isinstance(answer, dict) else None) or {}
