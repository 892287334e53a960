"""What every connector produces and consumes; the pipeline knows nothing else about channels."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class InboundMessage:
    """One customer action on a channel, normalised.

    `external_id` is the provider's message/update id (or the widget's client message id) and makes
    redelivery idempotent: (channel, external_id) is processed once.
    """

    channel_id: int
    external_id: str | None
    contact_external_id: str  # Telegram chat id, WhatsApp wa_id, widget visitor id
    text: str = ""
    button_id: str | None = None
    media: dict[str, Any] | None = None  # {"kind", "url", "caption"}
    ref: str | None = None  # start-link source (?ref=…, /start PARAM)
    contact_name: str = ""
    contact_phone: str = ""
    is_start: bool = False  # the customer opened the chat (widget connect, /start) without saying anything else
    extra: dict[str, Any] = field(default_factory=dict)
