"""The conversation pipeline: receive inbound → dedupe → lock the conversation → engine.step → persist →
carry out effects → publish on commit.

Every public function here manages its own transaction (and nests as a savepoint inside a caller's), so
async callers should use `database_sync_to_async(receive, thread_sensitive=False)`: the default
thread_sensitive=True would run every turn of the process on one thread and cap its throughput.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from dataclasses import dataclass, field, replace
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from runtime import live_desk
from runtime.connectors import registry
from runtime.connectors.base import DeliveryError, InboundMessage
from runtime.engine.effects import OPERATOR_BUTTON_ID
from runtime.engine.events import ButtonPress, Event, HttpResult, Released, Start, Text, TimerFired
from runtime.engine.loader import ScenarioError
from runtime.engine.texts import text as default_text
from runtime.models import Channel, Contact, Conversation, Message
from runtime.pipeline import jobs, limits, scenarios, sql
from runtime.pipeline.jobs import defer
from runtime.pipeline.turn import Turn, is_operator_keyword
from runtime.realtime import publish as realtime

log = logging.getLogger(__name__)

Mode = Conversation.Mode
MAX_DELIVERY_ATTEMPTS = 6


@dataclass(frozen=True, slots=True)
class ReceiveResult:
    conversation_id: uuid.UUID
    duplicate: bool
    messages: list[Message] = field(default_factory=list)  # created by this call, in seq order


def _locked(queryset: Any) -> Any:
    # `of=("self",)`: lock only the conversation row, not the joined channel/workspace/contact rows.
    return queryset.select_for_update(of=("self",)).select_related("channel", "workspace", "contact")


def lock_conversation(conversation_id: Any) -> Conversation | None:
    """The conversation row, locked until the caller's transaction ends (with channel, workspace, contact)."""
    return _locked(Conversation.objects.filter(pk=conversation_id)).first()


# --- inbound ------------------------------------------------------------------------------------------------


def without_nul(inbound: InboundMessage) -> InboundMessage:
    """PostgreSQL text columns cannot hold NUL (U+0000), and any provider or widget may send one: drop it."""
    changed = {
        name: value.replace("\x00", "")
        for name in ("text", "contact_external_id", "contact_name", "contact_phone", "external_id", "button_id", "ref",
                     "client_id")
        if isinstance(value := getattr(inbound, name), str) and "\x00" in value
    }
    return replace(inbound, **changed) if changed else inbound


def receive(inbound: InboundMessage, *, new_contact: bool = False) -> ReceiveResult:
    """Store one customer action and run the bot on it, exactly once per (channel, external_id).

    `new_contact`: the caller has just made up this contact's external id (a new widget visitor), so there is
    no contact or conversation to look up or lock, and the turn skips those queries."""
    inbound = without_nul(inbound)
    try:
        with transaction.atomic():
            return _receive(inbound, new_contact)
    except IntegrityError:
        # The unique (channel, direction, external_id) constraint: a redelivery, possibly concurrent. The
        # whole turn (contact, conversation, message) was rolled back to the savepoint; nothing was touched.
        # Only the same contact's original counts: an id that names someone else's message is never an answer
        # (the caller would move the customer's socket into that conversation).
        if inbound.external_id:
            original = (
                Message.objects.filter(channel_id=inbound.channel_id, direction=Message.Direction.IN,
                                       external_id=inbound.external_id,
                                       conversation__contact__external_id=inbound.contact_external_id)
                .values_list("conversation_id", flat=True)
                .first()
            )
            if original is not None:
                return ReceiveResult(conversation_id=original, duplicate=True)
        raise


def _receive(inbound: InboundMessage, new_contact: bool = False) -> ReceiveResult:
    # The common case, a message in an open conversation, costs one query to find and lock it (with its
    # channel, workspace and contact); only a contact's first message or one after a close takes the long way.
    conversation = None if new_contact else sql.open_conversation(inbound.channel_id, inbound.contact_external_id)
    if conversation is not None:
        contact = conversation.contact
        _fill_contact(contact, inbound)
    elif new_contact:
        channel = Channel.objects.select_related("workspace", "scenario").get(pk=inbound.channel_id)
        contact = Contact.objects.create(channel=channel, external_id=inbound.contact_external_id,
                                         **_new_contact_fields(channel, inbound))
        conversation = _new_conversation(channel, contact, inbound)
    else:
        channel = Channel.objects.select_related("workspace").get(pk=inbound.channel_id)
        contact = _contact(channel, inbound)
        conversation = _open_conversation(channel, contact, inbound)
        # One Contact instance for the turn: `last_inbound_at` (the WhatsApp 24-hour window) is set on
        # `contact` below and saved by turn.finish() through conversation.contact.
        conversation.contact = contact
    turn = Turn(conversation)
    has_content = bool(inbound.text or inbound.button_id or inbound.media)
    if has_content:
        node_id = (conversation.state or {}).get("node_id") or ""
        payload: dict[str, Any] = {}
        text = inbound.text
        if inbound.button_id:
            payload["button_id"] = inbound.button_id
            text = text or _pressed_label(conversation, node_id, inbound.button_id)
        if inbound.media:
            payload["media"] = inbound.media
        if inbound.client_id:
            payload["client_id"] = inbound.client_id
        # Inserted with the bot's replies in one statement at the end of the turn. A redelivery meets the
        # dedupe constraint there and the whole turn rolls back (see receive): it has written nothing else,
        # since every effect of a turn is a row in this transaction or an event sent after it commits.
        turn.add(direction=Message.Direction.IN, sender=Message.Sender.CUSTOMER, text=text, payload=payload,
                 external_id=inbound.external_id, node_id=node_id)
    if has_content or inbound.is_start:
        contact.last_inbound_at = turn.now
        turn.contact_fields.add("last_inbound_at")
    if conversation.mode == Mode.QUEUED and inbound.button_id == OPERATOR_BUTTON_ID:
        _already_queued(turn)
    if conversation.mode == Mode.BOT:
        verdict = limits.check(turn.pipeline, inbound.text) if has_content else limits.Verdict(True)
        if verdict.reply:
            turn.add(direction=Message.Direction.OUT, sender=Message.Sender.SYSTEM, text=verdict.reply,
                     payload={"limit": True})
        if verdict.run_engine:
            turn.run(_events_for(turn, inbound))
    # queued / live: the message is stored and published to the conversation's sockets; operators answer.
    turn.finish()
    return ReceiveResult(conversation_id=conversation.pk, duplicate=False, messages=turn.created)


def _loaded_or_none(conversation: Conversation) -> Any:
    try:
        return scenarios.for_conversation(conversation)
    except ScenarioError:
        return None


def _pressed_label(conversation: Conversation, node_id: str, button_id: str) -> str:
    """What the transcript shows for a button press: the button's label, never its internal id."""
    loaded = _loaded_or_none(conversation)
    label = (scenarios.button_label(loaded, node_id, button_id) if loaded else "")
    if not label and button_id == OPERATOR_BUTTON_ID:
        # The widget's always-visible "call operator" button, pressed at any point (also while queued).
        label = (loaded.scenario.settings.operator_label if loaded
                 else default_text(_language(conversation, loaded), "operator_label"))
    if not label and loaded is not None:
        # A button of an earlier message (pressed after the bot moved on).
        label = next((b.label for buttons in loaded.scenario.node_buttons.values() for b in buttons
                      if b.id == button_id), "")
    return label or button_id


def _language(conversation: Conversation, loaded: Any) -> str:
    if loaded is not None:
        return loaded.scenario.settings.language
    return str((conversation.workspace.settings or {}).get("language") or "en")


def _already_queued(turn: Turn) -> None:
    """"Call operator" pressed again while waiting: answer with the place in the queue, not a second handoff."""
    conversation = turn.conv
    position = live_desk.desk().queue_position(conversation)
    language = _language(conversation, _loaded_or_none(conversation))
    turn.add(direction=Message.Direction.OUT, sender=Message.Sender.SYSTEM,
             text=default_text(language, "already_queued").format(position=position),
             payload={"event": "queue_position", "position": position})


def _contact(channel: Channel, inbound: InboundMessage) -> Contact:
    contact, created = Contact.objects.get_or_create(
        channel=channel,
        external_id=inbound.contact_external_id,
        defaults=_new_contact_fields(channel, inbound),
    )
    if not created:
        _fill_contact(contact, inbound)
    return contact


def _new_contact_fields(channel: Channel, inbound: InboundMessage) -> dict[str, Any]:
    return {"workspace_id": channel.workspace_id, "name": inbound.contact_name[:200],
            "phone": inbound.contact_phone[:32]}


def _fill_contact(contact: Contact, inbound: InboundMessage) -> None:
    """A messenger tells us the customer's name or phone: fill what the contact does not have yet."""
    fields = []
    if inbound.contact_name and not contact.name:
        contact.name = inbound.contact_name[:200]
        fields.append("name")
    if inbound.contact_phone and not contact.phone:
        contact.phone = inbound.contact_phone[:32]
        fields.append("phone")
    if fields:
        contact.save(update_fields=fields)


def _open_conversation(channel: Channel, contact: Contact, inbound: InboundMessage) -> Conversation:
    """The contact's open conversation, locked; created (or reopened) when there is none."""
    open_ones = Conversation.objects.filter(contact=contact).exclude(mode=Mode.CLOSED).order_by("-started_at")
    conversation = _locked(open_ones).first()
    if conversation is not None:
        return conversation
    # Serialise creation per contact: two first messages at once must not open two conversations.
    Contact.objects.select_for_update().filter(pk=contact.pk).first()
    conversation = _locked(open_ones).first()
    if conversation is not None:
        return conversation
    workspace = channel.workspace
    if (workspace.settings or {}).get("reopen", "bot") == "queue" and channel.kind != Channel.Kind.PREVIEW:
        last = _locked(Conversation.objects.filter(contact=contact, mode=Mode.CLOSED).order_by("-started_at")).first()
        if last is not None:
            department = last.department.slug if last.department_id else None
            live_desk.desk().enqueue(last, department=department, reason="reopened", node_id=None)
            return last
    return _new_conversation(channel, contact, inbound)


def _new_conversation(channel: Channel, contact: Contact, inbound: InboundMessage) -> Conversation:
    scenario = channel.scenario
    conversation = Conversation.objects.create(
        workspace=channel.workspace,
        channel=channel,
        contact=contact,
        scenario=scenario,
        # Version pinning: the conversation runs the version published when it started, to its end.
        version_id=scenario.published_version_id if scenario is not None else None,
        ref=(inbound.ref or "")[:128],
        is_preview=channel.kind == Channel.Kind.PREVIEW,
        expires_at=(timezone.now() + dt.timedelta(seconds=settings.PREVIEW_TTL_SECONDS)
                    if channel.kind == Channel.Kind.PREVIEW else None),
    )
    return conversation


def _events_for(turn: Turn, inbound: InboundMessage) -> list[Event]:
    conversation = turn.conv
    kind = conversation.channel.kind
    if not conversation.state:
        # Not started: any first action starts the scenario. A first *typed* message is not an answer to a
        # question the customer never saw, unless it asks for a person ("operator"), which must work from
        # the very first message too.
        events: list[Event] = [Start(ref=conversation.ref, channel=kind)]
        if scenarios.adopt_channel_scenario(conversation):  # the channel got a scenario since this chat began
            turn.conv_fields.update(("scenario", "version"))
        if not conversation.version_id and not conversation.is_preview and not inbound.is_start:
            # No scenario at all: the channel's no-scenario rule (Turn.no_scenario) sees what the customer did.
            if inbound.button_id:
                events.append(ButtonPress(button_id=inbound.button_id, label=inbound.text))
            elif inbound.text:
                events.append(Text(inbound.text))
        elif inbound.text and not inbound.is_start and not inbound.button_id:
            try:
                loaded = scenarios.for_conversation(conversation)
            except ScenarioError:  # reported by Turn.run
                loaded = None
            if loaded is not None and is_operator_keyword(inbound.text, scenarios.keywords_for(conversation, loaded)):
                events.append(Text(inbound.text))
        return events
    if inbound.is_start:
        # A visible restart (Telegram "/start PARAM") starts over; a silent one (widget reconnect) is a no-op.
        if not inbound.text:
            return []
        if inbound.ref:
            conversation.ref = inbound.ref[:128]
            turn.conv_fields.add("ref")
        turn.forget_pending_work()
        turn.set_state({})
        return [Start(ref=conversation.ref, channel=kind)]
    if inbound.button_id:
        return [ButtonPress(button_id=inbound.button_id, label=inbound.text)]
    if inbound.text:
        return [Text(inbound.text)]
    if inbound.media:
        return [Text(str(inbound.media.get("caption") or ""))]
    return []


# --- messages written by other parts (queue, inbox) ----------------------------------------------------------


def append_message(
    conversation: Conversation,
    *,
    sender: str,
    text: str,
    payload: dict[str, Any] | None = None,
    direction: str,
    user: Any = None,
    node_id: str = "",
) -> Message:
    """Store one message (operator reply, note, system message) on a conversation the caller has LOCKED.

    Assigns the next seq, publishes on commit and, for messenger channels, enqueues outbound delivery.
    Called during a pipeline turn (e.g. by the queue's enqueue) it joins that turn's seq order.
    """
    turn: Turn | None = conversation.__dict__.get("_pipeline_turn")
    if turn is not None:
        message = turn.add(direction=direction, sender=sender, text=text, payload=payload, node_id=node_id, user=user)
        turn.flush()
        return message
    turn = Turn(conversation)
    message = turn.add(direction=direction, sender=sender, text=text, payload=payload, node_id=node_id, user=user)
    turn.finish()
    return message


def release_to_bot(conversation_id: Any, node_id: str | None, user: Any = None) -> list[Message]:
    """An operator returns the customer to the bot at `node_id` (None = the scenario's start).

    Mode goes back to bot and the engine steps `Released`; returns the messages the bot sent. The caller
    (channels_app.queue.return_to_bot) checks permissions and records the assignment event.
    """
    with transaction.atomic():
        conversation = lock_conversation(conversation_id)
        if conversation is None:
            return []
        turn = Turn(conversation)
        turn.set_mode(Mode.BOT)
        conversation.assignee = None
        conversation.assigned_at = None
        conversation.queued_at = None
        conversation.closed_at = None
        turn.conv_fields.update(("assignee", "assigned_at", "queued_at", "closed_at"))
        if conversation.state:
            event: Event = Released(node_id=node_id)
        else:
            event = Start(ref=conversation.ref, channel=conversation.channel.kind, node_id=node_id)
        turn.run([event])
        turn.finish()
        return turn.created


# --- background work -----------------------------------------------------------------------------------------


def fire_timer(conversation_id: Any, timer_id: str, token: str | None = None) -> bool:
    """A timer came due. Steps TimerFired only if that timer is still pending; otherwise a no-op (False)."""
    with transaction.atomic():
        conversation = lock_conversation(conversation_id)
        if conversation is None or conversation.mode != Mode.BOT:
            return False
        timers = (conversation.pipeline or {}).get("timers") or {}
        if timer_id not in timers or (token is not None and timers[timer_id] != token):
            return False
        turn = Turn(conversation)
        turn.pipeline["timers"].pop(timer_id)
        turn.run([TimerFired(timer_id=timer_id)])
        turn.finish()
        return True


def apply_http_result(conversation_id: Any, request_id: str, token: str | None, result: dict[str, Any]) -> bool:
    """Feed a finished HTTP node request back through the locked step; a stale result is a no-op (False)."""
    with transaction.atomic():
        conversation = lock_conversation(conversation_id)
        if conversation is None or conversation.mode != Mode.BOT:
            return False
        requests = (conversation.pipeline or {}).get("requests") or {}
        if request_id not in requests or (token is not None and requests[request_id] != token):
            return False
        turn = Turn(conversation)
        turn.pipeline["requests"].pop(request_id)
        turn.run([HttpResult(request_id=request_id, status=result.get("status"), body=result.get("body"),
                             error=result.get("error"))])
        turn.finish()
        return True


def deliver(message_id: int, attempt: int = 1) -> str:
    """Send one outbound message through its channel's connector; retry with backoff on transient errors.

    Exactly once on our side, also when a worker dies mid-send and its task runs again (runtime.pipeline.leases):
    pending → sending (committed before the provider is called) → sent | failed, or back to pending for a retry.
    A run that finds `sending` comes after a run that died between handing the message to the provider and its
    answer, so the outcome is unknown (Telegram and WhatsApp offer no idempotency key to ask again safely):
    DELIVERY_RESEND_UNKNOWN decides — by default the message becomes `unknown` for operators, never sent twice.
    """
    message = Message.objects.select_related("channel").filter(pk=message_id).first()
    if message is None:
        return "skipped"
    if message.delivery == Message.Delivery.SENDING:
        if not settings.DELIVERY_RESEND_UNKNOWN:
            return _delivery_unknown(message)
        log.warning("message %s: outcome of an interrupted send unknown; sending again (DELIVERY_RESEND_UNKNOWN)",
                    message_id)
        claimed = 1  # already ours: the worker that set `sending` is dead
    elif message.delivery == Message.Delivery.PENDING:
        claimed = Message.objects.filter(pk=message.pk, delivery=Message.Delivery.PENDING).update(
            delivery=Message.Delivery.SENDING)
    else:
        return "skipped"
    if not claimed:
        return "skipped"  # another run took it
    message.delivery = Message.Delivery.SENDING
    try:
        connector = registry.get(message.channel.kind)
        provider_id = connector.send(message.channel, message)
    except registry.UnknownConnector as exc:
        return _delivery_failed(message, str(exc))
    except DeliveryError as exc:
        if exc.retry and attempt < MAX_DELIVERY_ATTEMPTS:
            return _retry(jobs.DELIVER_MESSAGE, message, attempt, str(exc))
        return _delivery_failed(message, str(exc))
    except Exception as exc:  # a connector bug or a network error it did not classify: transient
        log.exception("delivery of message %s failed", message_id)
        if attempt < MAX_DELIVERY_ATTEMPTS:
            return _retry(jobs.DELIVER_MESSAGE, message, attempt, repr(exc))
        return _delivery_failed(message, repr(exc))
    update: dict[str, Any] = {"delivery": Message.Delivery.SENT, "delivery_error": ""}
    if provider_id:
        update["external_id"] = str(provider_id)[:128]
    sent = Message.objects.filter(pk=message.pk, delivery=Message.Delivery.SENDING).update(**update)
    # A run that took this worker for dead may have marked it `unknown` meanwhile: the provider's answer wins.
    if not sent and Message.objects.filter(pk=message.pk, delivery=Message.Delivery.UNKNOWN).update(**update):
        _publish_update(message)
    return "sent"


# A send that has not reached a definite outcome yet.
_IN_FLIGHT = (Message.Delivery.SENDING, Message.Delivery.UNKNOWN)
UNKNOWN_OUTCOME = ("The server stopped while this message was being sent: the messenger may or may not have "
                   "delivered it. It was not sent again.")


def _delivery_unknown(message: Message) -> str:
    changed = Message.objects.filter(pk=message.pk, delivery=Message.Delivery.SENDING).update(
        delivery=Message.Delivery.UNKNOWN, delivery_error=UNKNOWN_OUTCOME)
    if changed:
        log.warning("message %s: delivery outcome unknown (its worker died mid-send); not resent", message.pk)
        _publish_update(message)
    return "unknown"


def _publish_update(message: Message) -> None:
    # Operators see the new delivery state live: the inbox updates the message in place (same id and seq).

    message.refresh_from_db()
    realtime.message_created(message)


def _retry(task: str, message: Message, attempt: int, error: str) -> str:
    delay = min(5 * 2 ** (attempt - 1), 600)  # 5 s, 10 s, 20 s, … capped at 10 minutes
    with transaction.atomic():
        # Not sent (the provider answered with an error): back to pending, so the retry may send it.
        Message.objects.filter(pk=message.pk, delivery__in=_IN_FLIGHT).update(
            delivery=Message.Delivery.PENDING, delivery_error=error[:500])
        defer(task, message.pk, attempt + 1, run_after=timezone.now() + dt.timedelta(seconds=delay))
    return "retrying"


def _delivery_failed(message: Message, error: str) -> str:
    changed = Message.objects.filter(pk=message.pk, delivery__in=(Message.Delivery.PENDING, *_IN_FLIGHT)).update(
        delivery=Message.Delivery.FAILED, delivery_error=error[:500])
    if changed:
        _publish_update(message)
    return "failed"
