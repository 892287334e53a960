"""The web widget session: visitor ids, signed resume tokens, origin checks, replay by seq.

A widget socket is anonymous. On first connect the visitor gets a random visitor id (the contact's external id
on the web channel) and a resume token signed with django.core.signing (SECRET_KEY, its own salt), binding the
channel, the visitor and the conversation. Reconnecting with the token and the last seen seq replays every
message after it from the database, so a dropped connection or a server restart loses nothing.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

from django.conf import settings
from django.core import signing
from django.http.request import validate_host

from builder import throttle
from runtime import live_desk
from runtime.connectors.base import InboundMessage
from runtime.errors import ActionError
from runtime.models import Channel, Conversation, Message
from runtime.realtime.publish import operator_display_name, serialize_message
from runtime.services import receive

TOKEN_SALT = "botflow.widget.session"
# A resume token is valid this long after it was issued (a returning visitor after that starts afresh).
TOKEN_MAX_AGE = getattr(settings, "WIDGET_TOKEN_MAX_AGE", 30 * 24 * 3600)
CLIENT_ID_MAX = 128
BUTTON_ID_MAX = 64
REF_MAX = 128


def new_visitor_id() -> str:
    return "v_" + secrets.token_urlsafe(16)


def dedupe_key(visitor_id: str, client_id: str) -> str:
    """The stored external id of a visitor's message: their client id namespaced by the visitor.

    The client id is the browser's retry key (any value it likes, so two visitors may pick the same one), never
    an identity: a re-sent frame of the same visitor is stored once, another visitor's equal id is a new message.
    Hashed to a fixed length (visitor id + a 128-character client id would not fit the column)."""
    raw = f"{visitor_id}\n{client_id}".encode("utf-8", "surrogatepass")
    return "w:" + hashlib.sha256(raw).hexdigest()[:40]


def widget_channel(key: str) -> Channel | None:
    """The active web channel with this public widget key."""
    return Channel.objects.filter(key=key, kind=Channel.Kind.WEB, is_active=True).first()


def origin_allowed(channel: Channel, origin: str | None, host: str | None = None) -> bool:
    """The page's Origin must be listed in `config["allowed_origins"]` ("*" allows any). Our own pages (the
    demo, a channel's test page) may always connect, with or without a list: see own_origin. A page on one of
    our host names but another port (a dev server on :3000) is another site and needs its own entry."""
    allowed = (channel.config or {}).get("allowed_origins") or []
    if "*" in allowed:
        return True
    if not origin:
        return False
    if own_origin(origin, host):
        return True
    origin = origin.strip().lower().rstrip("/")
    return origin in {str(a).strip().lower().rstrip("/") for a in allowed}


def own_origin(origin: str, host: str | None) -> bool:
    """Is the page served by this installation? Its Origin is the very host:port the socket connected to (the
    Host header), and that host is one of ours (ALLOWED_HOSTS, which also stops a DNS-rebinding page whose Host
    and Origin agree), or the Origin is SITE_URL's. True whatever port `make run` serves on."""
    origin = origin.strip().lower().rstrip("/")
    site = urlparse(settings.SITE_URL)
    if site.scheme and site.netloc and origin == f"{site.scheme}://{site.netloc}".lower():
        return True
    parsed = urlparse(origin)
    if not host or parsed.scheme not in ("http", "https") or not parsed.hostname:
        return False
    default_port = {"http": "80", "https": "443"}[parsed.scheme]
    netloc = parsed.netloc if parsed.port else f"{parsed.netloc}:{default_port}"
    host = host.strip().lower()
    # The Host header omits the default port of the scheme the browser used.
    host_with_port = host if (":" in host.rsplit("]", 1)[-1]) else f"{host}:{default_port}"
    return netloc == host_with_port and validate_host(parsed.hostname, settings.ALLOWED_HOSTS)


def refusal_message(channel: Channel, origin: str | None) -> str:
    """What a site owner reads in the browser console when their page may not embed this widget."""
    if not origin:
        return ("This chat refused a connection without an Origin header: open it from a web page listed in the "
                "channel's allowed origins.")
    return (f"This chat is not allowed on {origin[:200]}. An admin can add {origin[:200]} to the allowed origins "
            f"of the web widget channel “{channel.name}” (Settings → Channels).")


def sign_token(channel_id: int, visitor_id: str, conversation_id: Any) -> str:
    return signing.dumps({"ch": channel_id, "v": visitor_id, "c": str(conversation_id)}, salt=TOKEN_SALT,
                         compress=True)


def read_token(channel: Channel, token: str) -> tuple[str, str]:
    """(visitor_id, conversation_id) from a resume token, or ActionError token_expired / token_invalid."""
    try:
        data = signing.loads(token, salt=TOKEN_SALT, max_age=TOKEN_MAX_AGE)
    except signing.SignatureExpired:
        raise ActionError("token_expired", "The session has expired; start a new chat.") from None
    except signing.BadSignature:
        raise ActionError("token_invalid", "The session token is not valid.") from None
    if not isinstance(data, dict) or data.get("ch") != channel.pk or not data.get("v") or not data.get("c"):
        raise ActionError("token_invalid", "The session token is not valid.")
    exists = Conversation.objects.filter(pk=data["c"], channel_id=channel.pk,
                                         contact__external_id=data["v"]).exists()
    if not exists:
        raise ActionError("token_invalid", "The session token is not valid.")
    return data["v"], data["c"]


def _receive(inbound: InboundMessage, new_contact: bool = False) -> Any:
    return receive(inbound, new_contact=new_contact)


def _clean_ref(ref: Any) -> str:
    ref = ref if isinstance(ref, str) else ""
    return ref[:REF_MAX]


@dataclass(frozen=True, slots=True)
class Handshake:
    """What a connecting widget socket learns in one database call, before it is accepted."""

    channel: Channel | None  # None: refuse the handshake (unknown key, inactive channel, Origin not allowed)
    # Refused for good (Origin not allowed, unknown or inactive key): accept, tell the site owner why in an
    # `error` frame with this code and message, close 4403. Closing before accept reaches a browser as a bare
    # 403 that the widget cannot tell from a network error, so it kept reconnecting.
    refused: str | None = None
    refused_code: str = "origin_not_allowed"
    visitor_id: str | None = None  # a resumed session (from the token)
    conversation_id: str | None = None
    error: ActionError | None = None  # a token that cannot be resumed: told after accept, then closed


NEW_CONVERSATION_WINDOW = 60
MESSAGE_WINDOW = 60


def handshake(key: str, origin: str | None, token: str | None, host: str | None = None,
              client_ip: str | None = None) -> Handshake:
    channel = widget_channel(key)
    if channel is None:
        return Handshake(channel=None, refused_code="unknown_widget", refused=(
            "No active chat widget has this key: check data-key in the snippet (Settings → Channels), or the "
            "channel was turned off or deleted."))
    if not origin_allowed(channel, origin, host):
        return Handshake(channel=None, refused=refusal_message(channel, origin))
    if not token:
        # This socket would start a new conversation: at most so many per client address and minute, counted
        # across processes (builder.throttle), so opening and closing sockets cannot flood the database.
        if throttle.over_limit("widget-new", client_ip or "unknown",
                               settings.WIDGET_NEW_CONVERSATIONS_PER_IP_PER_MINUTE, NEW_CONVERSATION_WINDOW):
            return Handshake(channel=channel, error=ActionError(
                "rate_limited", "Too many new chats from your network. Please wait a minute and try again."))
        return Handshake(channel=channel)
    try:
        visitor_id, conversation_id = read_token(channel, token)
    except ActionError as exc:
        return Handshake(channel=channel, error=exc)
    return Handshake(channel=channel, visitor_id=visitor_id, conversation_id=conversation_id)


def start_conversation(channel: Channel, ref: str = "") -> tuple[str, str]:
    """A new visitor: contact + conversation through the pipeline (the bot says its first words).
    Returns (visitor_id, conversation_id)."""
    visitor_id = new_visitor_id()  # 128 random bits: a contact nobody else can know yet
    try:
        result = _receive(InboundMessage(channel_id=channel.pk, external_id=None, contact_external_id=visitor_id,
                                         ref=_clean_ref(ref) or None, is_start=True), new_contact=True)
    except Channel.DoesNotExist:  # deleted while this socket was connecting
        raise ActionError("unavailable", "This chat is not available right now.") from None
    return visitor_id, str(result.conversation_id)


def start_session(channel: Channel, ref: str = "") -> dict[str, Any]:
    """A new visitor's `session` frame (start_conversation + session_info)."""
    visitor_id, conversation_id = start_conversation(channel, ref)
    return session_info(channel, visitor_id, conversation_id)


def opening_frames(channel: Channel, visitor_id: str, conversation_id: Any, last_seq: int) -> list[dict[str, Any]]:
    """Everything a socket sends once it has joined the conversation's group, read in one database call: the
    `session` frame, the replay after `last_seq`, and the `queue` frame when the customer is waiting.

    Only a conversation of this visitor on this channel: anything else is `forbidden` (the caller leaves the
    group it joined), so no code path can hand a socket someone else's transcript."""
    conversation = (Conversation.objects.select_related("assignee", "department")
                    .filter(pk=conversation_id, channel_id=channel.pk, contact__external_id=visitor_id).first())
    if conversation is None:
        raise ActionError("forbidden", "This conversation belongs to another visitor.")
    frames = [session_info(channel, visitor_id, conversation_id, conversation),
              *messages_after(conversation_id, last_seq)]
    if conversation.mode == Conversation.Mode.QUEUED:
        frames.append({"type": "queue", **live_desk.desk().queue_frame(conversation)})
    return frames


def session_info(channel: Channel, visitor_id: str, conversation_id: Any,
                 conversation: Conversation | None = None) -> dict[str, Any]:
    """The `session` frame: a fresh token (sliding expiry) and the conversation's current state."""
    if conversation is None:
        conversation = Conversation.objects.select_related("assignee").get(pk=conversation_id)

    config = channel.config or {}
    return {
        "type": "session",
        "token": sign_token(channel.pk, visitor_id, conversation.pk),
        "conversation_id": str(conversation.pk),
        "visitor_id": visitor_id,
        "last_seq": conversation.last_seq,
        "mode": conversation.mode,
        "operator": operator_display_name(conversation.assignee) if conversation.mode == "live" else None,
        "widget": {k: config[k] for k in ("title", "color", "greeting") if k in config},
    }


def widget_message(message: dict[str, Any]) -> dict[str, Any] | None:
    """A serialized message as the customer sees it; None for private notes (never sent to customers)."""
    if message.get("direction") == Message.Direction.INTERNAL:
        return None
    payload = message.get("payload") or {}
    return {
        "type": "message",
        "seq": message["seq"],
        "sender": message["sender"],
        "text": message["text"],
        "buttons": payload.get("buttons") or [],
        "media": payload.get("media"),
        "client_id": message.get("client_id") if message.get("direction") == Message.Direction.IN else None,
        "operator": message.get("operator_name") if message["sender"] == Message.Sender.OPERATOR else None,
        "created_at": message.get("created_at"),
        # A system event the server words in English ("X joined the chat"): the widget words it in the visitor's
        # language from the event and the operator's display name.
        **({"event": payload["event"], "event_operator": payload.get("operator")}
           if message["sender"] == Message.Sender.SYSTEM and payload.get("event") else {}),
    }


def messages_after(conversation_id: Any, last_seq: int) -> list[dict[str, Any]]:
    """Replay: every customer-visible message after `last_seq`, from the database."""
    out = []
    rows = (Message.objects.filter(conversation_id=conversation_id, seq__gt=last_seq)
            .exclude(direction=Message.Direction.INTERNAL).select_related("sender_user").order_by("seq"))
    for message in rows:
        frame = widget_message(serialize_message(message))
        if frame is not None:
            out.append(frame)
    return out


def customer_input(channel_id: int, visitor_id: str, *, client_id: Any, text: Any = None,
                   button_id: Any = None) -> str:
    """A customer's message or button press, through the pipeline (dedupe on client_id).

    Returns the id of the conversation it landed in: a new one when the customer writes after the previous
    conversation was closed and the workspace reopens into the bot."""
    if client_id is not None and (not isinstance(client_id, str) or not 0 < len(client_id) <= CLIENT_ID_MAX):
        raise ActionError("invalid", f"client_id must be a string of 1..{CLIENT_ID_MAX} characters")
    # A visitor's budget, shared by all their sockets and kept across reconnects (the socket's own token bucket
    # starts afresh with every connection): beyond it nothing is stored and the frame gets an error.
    if throttle.over_limit("widget-messages", f"{channel_id}:{visitor_id}", settings.WIDGET_MESSAGES_PER_MINUTE,
                           MESSAGE_WINDOW):
        raise ActionError("rate_limited", "You are sending messages too quickly. Please wait a moment.")
    ids = {"channel_id": channel_id, "contact_external_id": visitor_id, "client_id": client_id,
           "external_id": dedupe_key(visitor_id, client_id) if client_id is not None else None}
    if button_id is not None:
        if not isinstance(button_id, str) or not 0 < len(button_id) <= BUTTON_ID_MAX:
            raise ActionError("invalid", "button_id must be a short string")
        inbound = InboundMessage(**ids, button_id=button_id)
    else:
        if not isinstance(text, str) or not text.strip():
            raise ActionError("invalid", "text must be a non-empty string")
        inbound = InboundMessage(**ids, text=text)
    return str(_receive(inbound).conversation_id)


def create_web_channel(workspace: Any, *, name: str = "Website", scenario: Any = None,
                       allowed_origins: list[str] | tuple[str, ...] = (), **config: Any) -> Channel:
    """A web widget channel; its public key goes into the embed snippet."""
    return Channel.objects.create(workspace=workspace, kind=Channel.Kind.WEB, name=name, scenario=scenario,
                                  config={"allowed_origins": list(allowed_origins), **config})
