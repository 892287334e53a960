"""Shared pieces of the messenger connectors: parsed webhook results, provider settings, the retrying
HTTP call, and recording an outbound message's delivery outcome."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

import httpx
from django.conf import settings
from django.db import transaction

from runtime.connectors.base import InboundMessage
from runtime.connectors.retry import Outcome, RetryPolicy, call_with_retries
from runtime.connectors.secrets import SecretsUnreadable, get_secrets
from runtime.models import DeliveryEvent, Message
from runtime.realtime.publish import conversation_group, publish_on_commit, serialize_message

log = logging.getLogger("runtime.connectors")


class MalformedPayload(Exception):
    """The webhook body is not what the provider documents; the view answers 400 with this reason."""


class ProviderError(Exception):
    """The provider refused a call (after retries for 429/5xx)."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True, slots=True)
class StatusUpdate:
    """A delivery report for one of our outbound messages (WhatsApp `statuses`)."""

    provider_message_id: str
    status: str  # sent | delivered | read | failed
    error: str = ""
    # Our message id, from the tag we sent with it (WhatsApp's biz_opaque_callback_data), when present.
    message_pk: int | None = None


CALLBACK_PREFIX = "botflow-message:"


def callback_tag(message_pk: int) -> str:
    return f"{CALLBACK_PREFIX}{message_pk}"


def message_pk_of(tag: str) -> int | None:
    number = tag.removeprefix(CALLBACK_PREFIX) if tag.startswith(CALLBACK_PREFIX) else ""
    return int(number) if number.isdigit() else None


@dataclass(slots=True)
class ParsedWebhook:
    messages: list[InboundMessage] = field(default_factory=list)
    statuses: list[StatusUpdate] = field(default_factory=list)
    callback_query_ids: list[str] = field(default_factory=list)  # Telegram: to answer after processing
    template_updates: list[dict[str, Any]] = field(default_factory=list)  # WhatsApp template status changes


def required_secret(channel: Any, name: str, what: str) -> str:
    """A secret a provider call needs; ProviderError, in words, when it cannot be read or is not set."""
    try:
        value = get_secrets(channel).get(name)
    except SecretsUnreadable as exc:
        raise ProviderError(str(exc)) from exc
    if not value:
        raise ProviderError(f"the channel has no {what}")
    return str(value)


def retry_policy() -> RetryPolicy:
    return RetryPolicy(
        max_attempts=int(getattr(settings, "CONNECTOR_RETRY_ATTEMPTS", 4)),
        base_delay=float(getattr(settings, "CONNECTOR_RETRY_BASE_SECONDS", 0.5)),
        max_delay=float(getattr(settings, "CONNECTOR_RETRY_MAX_SECONDS", 30.0)),
    )


def http_timeout() -> float:
    return float(getattr(settings, "CONNECTOR_HTTP_TIMEOUT_SECONDS", 10.0))


def post_json(url: str, payload: dict[str, Any], headers: dict[str, str] | None = None) -> Outcome:
    """POST with retries on 429/5xx/transport errors. The URL may contain a bot token: never log it."""
    policy = retry_policy()

    def do() -> httpx.Response:
        return httpx.post(url, json=payload, headers=headers or {}, timeout=http_timeout())

    return call_with_retries(do, policy)


def get_json(url: str, headers: dict[str, str] | None = None, params: dict[str, Any] | None = None) -> Outcome:
    def do() -> httpx.Response:
        return httpx.get(url, headers=headers or {}, params=params, timeout=http_timeout())

    return call_with_retries(do, retry_policy())


def provider_error_text(response: httpx.Response | None, attempts: list[Any]) -> str:
    """A short operator-facing reason, without secrets (never includes the request URL)."""
    if response is None:
        last = attempts[-1].error if attempts else "no response"
        return f"provider unreachable: {last}"[:500]
    try:
        body = response.json()
    except ValueError:
        body = None
    detail = ""
    if isinstance(body, dict):
        if isinstance(body.get("error"), dict):  # Graph API
            err = body["error"]
            detail = f"{err.get('code', '')} {err.get('message', '')}".strip()
        elif body.get("description"):  # Telegram
            detail = str(body["description"])
    return f"HTTP {response.status_code}: {detail}"[:500] if detail else f"HTTP {response.status_code}"


def short_reason(status: int | None) -> str:
    """What an API caller is told about a provider's refusal: the status class only. The provider's own
    words (and anything an address it reached answered) go to the log, never into our responses."""
    if status is None:
        return "the provider could not be reached"
    if status in (401, 403):
        return f"the provider did not accept the credentials (HTTP {status})"
    if status == 404:
        return "the provider does not know this account or bot (HTTP 404)"
    if status == 429:
        return "the provider is rate limiting us; try again later (HTTP 429)"
    if status >= 500:
        return f"the provider had an error; try again later (HTTP {status})"
    return f"the provider refused the request (HTTP {status})"


def refusal(outcome: Outcome, action: str) -> ProviderError:
    """A ProviderError for a failed call with a sanitised message; the provider's detail is logged."""
    status = outcome.response.status_code if outcome.response is not None else None
    log.warning("%s failed: %s", action, provider_error_text(outcome.response, outcome.attempts))
    return ProviderError(short_reason(status), status)


def json_answer(outcome: Outcome, action: str) -> Any:
    """The parsed body of a successful call; a body that is not JSON is a refusal, not a crash."""
    try:
        return outcome.response.json() if outcome.response is not None else None
    except ValueError:
        log.warning("%s: the provider answered HTTP %s with a body that is not JSON", action,
                    outcome.response.status_code if outcome.response is not None else None)
        raise ProviderError("the provider answered with something other than JSON") from None


def record_attempts(message: Any, outcome: Outcome, provider_ids: list[str] | None = None) -> None:
    DeliveryEvent.objects.bulk_create(
        [
            DeliveryEvent(
                message=message,
                kind=DeliveryEvent.Kind.ATTEMPT,
                attempt=a.number,
                http_status=a.status,
                error=a.error[:500],
                retry_after=a.retry_after,
                delay=a.delay,
                provider_message_id=(provider_ids or [""])[0] if a is outcome.attempts[-1] and outcome.ok else "",
            )
            for a in outcome.attempts
        ]
    )


def mark_message(message: Any, *, delivery: str, error: str = "", external_id: str | None = None) -> None:
    """Store the delivery outcome on the Message (what operators see) and tell open inboxes."""
    message.delivery = delivery
    message.delivery_error = error[:500]
    fields = ["delivery", "delivery_error"]
    if external_id is not None:
        message.external_id = external_id
        fields.append("external_id")
    message.save(update_fields=fields)
    _publish_delivery(message)


def _publish_delivery(message: Any) -> None:
    """Re-publish the message (same id and seq, new `delivery`) so open inboxes update it in place: the
    `message` frame is the one they already handle."""
    try:
        event = {"type": "conv.message", "message": serialize_message(message)}
        publish_on_commit(conversation_group(message.conversation_id), event)
    except Exception:  # the database holds the status; a lost live update must not fail the webhook
        log.warning("could not publish the delivery update of message %s", message.pk, exc_info=True)


STATUS_ORDER = {"pending": 0, "sent": 1, "delivered": 2, "read": 3}


def apply_status(channel: Any, update: StatusUpdate) -> bool:
    """Move a message forward (sent → delivered → read) or to failed. Webhooks arrive out of order and
    repeatedly; a status never moves backwards. Returns True when the message changed."""
    with transaction.atomic():
        message = (
            Message.objects.select_for_update()
            .filter(channel=channel, direction=Message.Direction.OUT, external_id=update.provider_message_id)
            .first()
        )
        if message is None and update.message_pk is not None:
            # Sent, but we never heard the answer (the worker died: `unknown`, or is still waiting: `sending`):
            # the provider's report settles it and gives the message its provider id.
            message = (
                Message.objects.select_for_update()
                .filter(channel=channel, direction=Message.Direction.OUT, pk=update.message_pk,
                        delivery__in=(Message.Delivery.UNKNOWN, Message.Delivery.SENDING))
                .first()
            )
            if message is not None:
                message.external_id = update.provider_message_id[:128]
                message.save(update_fields=["external_id"])
        if message is None:
            return False
        DeliveryEvent.objects.create(
            message=message,
            kind=DeliveryEvent.Kind.STATUS,
            status=update.status,
            error=update.error[:500],
            provider_message_id=update.provider_message_id,
        )
        current = message.delivery
        if update.status == "failed":
            if current in ("failed", "read"):
                return False
            mark_message(message, delivery="failed", error=update.error or "failed (reported by the provider)")
            return True
        if update.status not in STATUS_ORDER or current in ("failed", "not_sent"):
            return False
        if STATUS_ORDER[update.status] <= STATUS_ORDER.get(current, 0):
            return False
        mark_message(message, delivery=update.status, error="")
        return True
