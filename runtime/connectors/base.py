"""What every connector produces and consumes; the pipeline knows nothing else about channels."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True, slots=True)
class InboundMessage:
    """One customer action on a channel, normalised.

    `external_id` is the provider's message/update id and makes redelivery idempotent: (channel, external_id) is
    processed once. A provider's id is unique on its channel; a key a client chooses (the widget's client id)
    is not, so the widget stores it namespaced by the visitor (runtime.widget.dedupe_key) and passes the
    client's own value in `client_id`, kept on the message only to echo it back.
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
    client_id: str | None = None  # the widget's retry key as the browser sent it (echoed in message frames)
    extra: dict[str, Any] = field(default_factory=dict)


class DeliveryError(Exception):
    """Raised by `Connector.send` when a message could not be sent.

    `retry=True` (network error, 429, 5xx) makes the pipeline retry with backoff; `retry=False`
    (bad token, blocked by the user, outside the WhatsApp window) marks the message failed at once.
    """

    def __init__(self, message: str, *, retry: bool = True) -> None:
        super().__init__(message)
        self.retry = retry


class Connector(Protocol):
    """What `runtime.connectors.registry` holds per channel kind."""

    def send(self, channel: Any, message: Any) -> str | None:
        """Send an outbound `Message` on `channel`; return the provider's message id (or None).

        Raise `DeliveryError` on failure.
        """
        ...
