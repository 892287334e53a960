"""Messenger webhook endpoints: look up the channel, verify, parse, hand each message to the pipeline.

Thin on purpose; the rules live in the connectors. Answers: unknown channel 404, bad secret/signature 403
(nothing stored), malformed body 400 with a reason, otherwise 200 (a replay is acknowledged and the
pipeline's dedupe makes it a no-op).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from runtime.connectors.common import MalformedPayload, ParsedWebhook, apply_status
from runtime.connectors.secrets import SecretsUnreadable
from runtime.connectors.telegram import TelegramConnector
from runtime.connectors.templates import apply_status_update
from runtime.connectors.whatsapp import WhatsAppConnector
from runtime.models import Channel
from runtime.services import receive

log = logging.getLogger("runtime.connectors.webhooks")


def _error(status: int, code: str, message: str) -> JsonResponse:
    return JsonResponse({"errors": [{"path": "", "node_id": None, "code": code, "message": message}]}, status=status)


def _channel(kind: str, key: str) -> Channel | None:
    return Channel.objects.filter(kind=kind, key=key, is_active=True).first()


def _decode(request: HttpRequest) -> Any:
    try:
        return json.loads(request.body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise MalformedPayload(f"the body is not valid JSON ({type(exc).__name__})") from None
    except RecursionError:  # absurdly deep nesting: no provider sends it, so it is malformed, not a 500
        raise MalformedPayload("the body is nested too deeply") from None


def _verified_parse(channel: Channel, request: HttpRequest, connector: Any, verify: Callable[[], bool],
                    mismatch: str, refusal: HttpResponse) -> ParsedWebhook | HttpResponse:
    """Check the sender's proof (`verify`: the secret header, the body's signature), then parse the body: the
    parsed webhook, or the response that refuses it. Secrets that cannot be decrypted fail the check."""
    try:
        verified = verify()
    except SecretsUnreadable:
        log.error("%s webhook: secrets of channel %s cannot be decrypted", channel.kind, channel.pk)
        verified = False
    if not verified:
        log.warning("%s webhook: %s for channel %s", channel.kind, mismatch, channel.pk)
        return refusal
    try:
        return connector.parse(channel, _decode(request))
    except MalformedPayload as exc:
        log.warning("%s webhook: malformed payload for channel %s: %s", channel.kind, channel.pk, exc)
        return _error(400, "malformed_payload", str(exc))


def process(channel: Channel, parsed: ParsedWebhook, stored: list[str] | None = None) -> dict[str, int]:
    """Hand inbound messages to the pipeline and apply status reports. Used by both webhooks.

    `stored`, when given, collects the external ids of messages this call stored (a redelivered copy is not).
    """
    counts = {"messages": 0, "statuses": 0, "templates": 0}
    for inbound in parsed.messages:
        result = receive(inbound)
        if stored is not None and not result.duplicate:
            stored.append(inbound.external_id)
        counts["messages"] += 1
    for status in parsed.statuses:
        counts["statuses"] += int(apply_status(channel, status))
    for update in parsed.template_updates:
        counts["templates"] += apply_status_update(channel, update)
    return counts


@csrf_exempt
@require_http_methods(["POST"])
def telegram_webhook(request: HttpRequest, key: str) -> HttpResponse:
    channel = _channel(Channel.Kind.TELEGRAM, key)
    if channel is None:
        return _error(404, "channel_not_found", "No active Telegram channel with this id.")
    connector = TelegramConnector()
    parsed = _verified_parse(
        channel, request, connector, lambda: connector.verify(channel, request.META), "secret token mismatch",
        _error(403, "bad_secret", "The secret token header is missing or wrong."),
    )
    if isinstance(parsed, HttpResponse):
        return parsed
    stored: list[str] = []
    counts = process(channel, parsed, stored)
    # Answer a press once: Telegram redelivers an update until it gets a 200, and each copy carries the same
    # query id. A press the scenario does not see (a game button) is not stored, so it is always answered.
    if stored or not parsed.messages:
        for query_id in parsed.callback_query_ids:
            connector.answer_callback_query(channel, query_id)
    return JsonResponse({"ok": True, **counts})


@csrf_exempt
@require_http_methods(["GET", "POST"])
def whatsapp_webhook(request: HttpRequest, key: str) -> HttpResponse:
    channel = _channel(Channel.Kind.WHATSAPP, key)
    if channel is None:
        return _error(404, "channel_not_found", "No active WhatsApp channel with this id.")
    connector = WhatsAppConnector()
    if request.method == "GET":
        try:
            challenge = connector.verify_handshake(channel, request.GET)
        except SecretsUnreadable:
            challenge = None
        if challenge is None:
            log.warning("whatsapp webhook: verification handshake refused for channel %s", channel.pk)
            return _error(403, "bad_verify_token", "hub.mode must be subscribe and hub.verify_token must match.")
        return HttpResponse(challenge, content_type="text/plain")
    parsed = _verified_parse(
        channel, request, connector, lambda: connector.verify(channel, request.META, request.body),
        "X-Hub-Signature-256 mismatch", _error(403, "bad_signature", "X-Hub-Signature-256 is missing or does not match the body."),
    )
    if isinstance(parsed, HttpResponse):
        return parsed
    return JsonResponse({"ok": True, **process(channel, parsed)})
