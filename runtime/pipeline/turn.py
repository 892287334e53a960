"""One turn of a locked conversation: run engine steps, carry out their effects, write everything once.

A `Turn` is created for a conversation row the caller has locked (select_for_update) inside a transaction.
Messages get their seq here, under that lock; they are inserted in bulk and published on commit; background
work (timers, HTTP calls, outbound delivery) is enqueued in the same transaction (see jobs.defer).
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections import deque
from typing import Any

from django.db import models
from django.utils import timezone

from builder.defaults import operator_keywords
from builder.models import Scenario
from runtime import live_desk
from runtime.connectors.registry import needs_delivery
from runtime.connectors.templates import resolve_template_send
from runtime.connectors.window import hold_reason
from runtime.engine import effects as fx
from runtime.engine.events import ButtonPress, Event, Start, Text
from runtime.engine.interpreter import normalise_keyword, step
from runtime.engine.loader import ScenarioError
from runtime.engine.state import State
from runtime.models import Conversation, Message
from runtime.pipeline import jobs, scenarios, sql
from runtime.pipeline.jobs import defer
from runtime.realtime import publish as realtime

log = logging.getLogger(__name__)

# Cross-scenario jumps per turn; a ping-pong between two scenarios stops here with an error and a handoff.
MAX_JUMPS = 10

Mode = Conversation.Mode


class Turn:
    def __init__(self, conversation: Conversation) -> None:
        self.conv = conversation
        self.now = timezone.now()
        self.pending: list[Message] = []
        self.created: list[Message] = []
        self.conv_fields: set[str] = set()
        self.contact_fields: set[str] = set()
        self._deliver = needs_delivery(conversation.channel.kind)
        # append_message() called by other code during this turn (the queue's enqueue) joins this turn. It lives
        # in the instance dict, not as a model attribute: services reads it there and commit() pops it.
        conversation.__dict__["_pipeline_turn"] = self

    # --- messages ---------------------------------------------------------------------------------------

    def add(
        self,
        *,
        direction: str,
        sender: str,
        text: str = "",
        payload: dict[str, Any] | None = None,
        node_id: str = "",
        external_id: str | None = None,
        user: Any = None,
    ) -> Message:
        conv = self.conv
        conv.last_seq += 1
        outbound = direction == Message.Direction.OUT and sender != Message.Sender.CUSTOMER
        message = Message(
            conversation=conv,
            channel_id=conv.channel_id,
            seq=conv.last_seq,
            direction=direction,
            sender=sender,
            sender_user=user,
            text=text,
            payload=payload or {},
            node_id=node_id or "",
            external_id=external_id,
            delivery=Message.Delivery.PENDING if outbound and self._deliver else Message.Delivery.SENT,
        )
        self.pending.append(message)
        conv.last_message_at = self.now
        self.conv_fields.update(("last_seq", "last_message_at"))
        return message

    def flush(self) -> None:
        """Insert buffered messages (one INSERT), publish them on commit, enqueue outbound delivery."""
        if not self.pending:
            return
        batch, self.pending = self.pending, []
        sql.insert(batch)
        for message in batch:
            realtime.message_created(message)
            if message.delivery == Message.Delivery.PENDING:
                defer(jobs.DELIVER_MESSAGE, message.pk)
        self.created.extend(batch)

    def finish(self) -> None:
        self.flush()
        conv = self.conv
        if self.conv_fields:
            sql.update_fields(conv, sorted(self.conv_fields | {"updated_at"}))
        if self.contact_fields:
            sql.update_fields(conv.contact, sorted(self.contact_fields))
        conv.__dict__.pop("_pipeline_turn", None)

    # --- bookkeeping ------------------------------------------------------------------------------------

    @property
    def pipeline(self) -> dict[str, Any]:
        if not isinstance(self.conv.pipeline, dict):
            self.conv.pipeline = {}
        self.conv_fields.add("pipeline")
        return self.conv.pipeline

    def set_state(self, state: State | dict[str, Any]) -> None:
        self.conv.state = state if isinstance(state, dict) else state.to_dict()
        self.conv_fields.add("state")

    def set_mode(self, mode: str) -> None:
        self.conv.mode = mode
        self.conv_fields.add("mode")

    def forget_pending_work(self) -> None:
        """The conversation moved on (handoff, end, restart): late timers and HTTP results become no-ops."""
        pipeline = self.pipeline
        pipeline.pop("timers", None)
        pipeline.pop("requests", None)

    def system_note(self, text: str, payload: dict[str, Any], node_id: str | None = None) -> None:
        """For operators and the transcript, not sent to the customer."""
        self.add(direction=Message.Direction.INTERNAL, sender=Message.Sender.SYSTEM, text=text, payload=payload,
                 node_id=node_id or "")

    # --- running the engine -----------------------------------------------------------------------------

    def run(self, events: list[Event]) -> None:
        queue: deque[Event] = deque(events)
        jumps = 0
        while queue and self.conv.mode == Mode.BOT:
            event = queue.popleft()
            try:
                loaded = scenarios.for_conversation(self.conv)
            except ScenarioError as exc:
                self.fail("scenario_invalid", exc.message, exc.node_id)
                return
            if loaded is None and scenarios.adopt_channel_scenario(self.conv):
                self.conv_fields.update(("scenario", "version"))
                loaded = scenarios.for_conversation(self.conv)
            if loaded is None:
                self.no_scenario(event)  # a handoff ends the loop; an auto-reply reads the next event too
                continue
            state = State.from_dict(self.conv.state)
            result = step(loaded.scenario, state, event, scenarios.step_context(self.conv, loaded))
            self.set_state(result.state)
            for effect in result.effects:
                follow = self.apply(effect)
                if follow is not None:
                    jumps += 1
                    if jumps > MAX_JUMPS:
                        self.fail("jump_limit", f"more than {MAX_JUMPS} scenario jumps in one turn", None)
                        return
                    queue.appendleft(follow)
                    break  # the rest belongs to the scenario we just left

    def apply(self, effect: Any) -> Event | None:
        """Carry out one effect; a JumpScenario returns the Start event to step in the target scenario."""
        if isinstance(effect, fx.SendMessage):
            payload: dict[str, Any] = {}
            if effect.buttons:
                payload["buttons"] = [{"id": b.id, "label": b.label} for b in effect.buttons]
            if effect.media is not None:
                payload["media"] = {"kind": effect.media.kind, "url": effect.media.url, "caption": effect.media.caption}
            text, held = effect.text, ""
            if effect.template is not None:  # a `template` node: a WhatsApp template, its body as text elsewhere

                resolved = resolve_template_send(self.conv.channel, effect.template.name, effect.template.language,
                                                 dict(effect.template.variables))
                text, held = resolved.text, resolved.error
                if resolved.payload is not None:
                    payload["template"] = resolved.payload
            message = self.add(direction=Message.Direction.OUT, sender=Message.Sender.BOT, text=text,
                               payload=payload, node_id=effect.node_id)
            # WhatsApp's 24-hour window (runtime/connectors/window.py): outside it only templates may go out. A
            # free-form message without a drawn `outside_window` fallback is kept as not_sent, with the reason.
            if not held and "template" not in payload:
                held = hold_reason(self.conv.channel, self.conv.contact, self.now)
            if held and message.delivery == Message.Delivery.PENDING:
                message.delivery, message.delivery_error = Message.Delivery.NOT_SENT, held[:500]
        elif isinstance(effect, fx.ScheduleTimer):
            token = uuid.uuid4().hex
            self.pipeline.setdefault("timers", {})[effect.timer_id] = token
            defer(jobs.FIRE_TIMER, str(self.conv.pk), effect.timer_id, token,
                  run_after=self.now + dt.timedelta(seconds=effect.seconds))
        elif isinstance(effect, fx.CancelTimer):
            self.pipeline.get("timers", {}).pop(effect.timer_id, None)
        elif isinstance(effect, fx.CallHttp):
            token = uuid.uuid4().hex
            self.pipeline.setdefault("requests", {})[effect.request_id] = token
            spec = {"method": effect.method, "url": effect.url, "headers": [list(h) for h in effect.headers],
                    "body": effect.body, "timeout_seconds": effect.timeout_seconds}
            defer(jobs.PERFORM_HTTP_REQUEST, str(self.conv.pk), effect.request_id, token, spec)
        elif isinstance(effect, fx.SetTags):
            self.set_tags(effect)
        elif isinstance(effect, fx.UpdateContact):
            self.update_contact(effect)
        elif isinstance(effect, fx.Rating):
            self.rating(effect)
        elif isinstance(effect, fx.Handoff):
            self.handoff(effect)
        elif isinstance(effect, fx.JumpScenario):
            return self.jump(effect)
        elif isinstance(effect, fx.End):
            self.end(effect.node_id)
        elif isinstance(effect, fx.Error):
            self.error(effect.code, effect.message, effect.node_id)
        else:
            log.error("unknown effect %r in conversation %s", effect, self.conv.pk)
        return None

    # --- effects ----------------------------------------------------------------------------------------

    def set_tags(self, effect: fx.SetTags) -> None:
        contact = self.conv.contact
        tags = [t for t in (contact.tags or []) if t not in effect.remove]
        tags += [t for t in effect.add if t not in tags]
        if tags != contact.tags:
            contact.tags = tags
            self.contact_fields.add("tags")
        if effect.consent in ("subscribe", "unsubscribe"):
            contact.subscribed = effect.consent == "subscribe"
            contact.consent_changed_at = self.now
            self.contact_fields.update(("subscribed", "consent_changed_at"))

    def update_contact(self, effect: fx.UpdateContact) -> None:
        contact = self.conv.contact
        for name, value in effect.fields:
            if name in ("name", "phone", "email"):
                field = contact._meta.get_field(name)
                limit = field.max_length if isinstance(field, models.Field) else None
                setattr(contact, name, str(value)[:limit])
                self.contact_fields.add(name)
            else:
                contact.attributes = {**(contact.attributes or {}), name: value}
                self.contact_fields.add("attributes")

    def rating(self, effect: fx.Rating) -> None:
        contact = self.conv.contact
        record = {"score": effect.score, "comment": effect.comment, "conversation_id": str(self.conv.pk),
                  "node_id": effect.node_id, "at": self.now.isoformat()}
        contact.attributes = {**(contact.attributes or {}), "last_rating": record}
        self.contact_fields.add("attributes")
        self.pipeline["rating"] = {"score": effect.score, "comment": effect.comment}
        text = f"Rated {effect.score}/5" + (f": {effect.comment}" if effect.comment else "")
        self.system_note(text, {"rating": effect.score, "comment": effect.comment}, effect.node_id)

    def handoff(self, effect: fx.Handoff) -> None:
        self.flush()  # the bot's messages keep their place before anything the queue appends
        self.forget_pending_work()
        if self.conv.is_preview:
            self.preview_handoff(effect)
            return
        # The engine already sent the handoff node's text as a SendMessage; Handoff.message is the
        # operator's copy, so it is not passed on (it would reach the customer twice).
        live_desk.desk().enqueue(self.conv, department=effect.department, reason=effect.reason,
                                 node_id=effect.node_id, note=effect.note)
        self.flush()

    def preview_handoff(self, effect: fx.Handoff) -> None:
        """A draft preview never reaches real operators: show what would happen instead."""
        department = effect.department or "the default department"
        self.add(direction=Message.Direction.OUT, sender=Message.Sender.SYSTEM,
                 text=f"Preview: the chat would now wait for an operator of {department} (reason: {effect.reason}).",
                 payload={"preview_handoff": True, "department": effect.department, "reason": effect.reason},
                 node_id=effect.node_id or "")
        self.set_mode(Mode.QUEUED)
        self.conv.handoff = {"reason": effect.reason, "node_id": effect.node_id, "note": effect.note,
                             "department": effect.department, "at": self.now.isoformat()}
        self.conv_fields.add("handoff")

    def jump(self, effect: fx.JumpScenario) -> Event | None:
        target = (
            Scenario.objects.filter(workspace_id=self.conv.workspace_id, slug=effect.scenario)
            .select_related("published_version")
            .first()
        )
        if target is None or target.published_version_id is None:
            self.fail("jump_target_unpublished", f"scenario {effect.scenario!r} has no published version", None)
            return None
        old = State.from_dict(self.conv.state)
        self.conv.scenario = target
        self.conv.version = target.published_version
        self.conv_fields.update(("scenario", "version"))
        self.forget_pending_work()
        # The customer is the same person: collected variables travel with them into the target scenario.
        self.set_state(State(variables=dict(old.variables), counter=old.counter))
        return Start(ref=self.conv.ref, channel=self.conv.channel.kind, node_id=effect.node_id)

    def end(self, node_id: str) -> None:
        self.flush()  # the bot's last messages are published before `closed` (on_commit runs in order)
        self.forget_pending_work()
        self.set_mode(Mode.CLOSED)
        self.conv.closed_at = self.now
        self.conv_fields.add("closed_at")
        realtime.publish_conversation(self.conv.pk, "closed", {"reason": "ended", "node_id": node_id})

    def error(self, code: str, message: str, node_id: str | None) -> None:
        log.warning("scenario error %s in conversation %s at node %s: %s", code, self.conv.pk, node_id, message)
        self.system_note(f"Bot error ({code}): {message}", {"error": code}, node_id)

    def fail(self, code: str, message: str, node_id: str | None) -> None:
        """The pipeline cannot continue the bot: record why and hand the customer to people (never trap them)."""
        self.error(code, message, node_id)
        self.handoff(fx.Handoff(reason="error", node_id=node_id))

    def no_scenario(self, event: Event) -> None:
        """No scenario to run: do what the channel's admin chose (pipeline/scenarios.no_scenario_behaviour)."""
        action, text = scenarios.no_scenario_behaviour(self.conv.channel)
        if action == "queue":
            self.handoff(fx.Handoff(reason="no_scenario", node_id=None))
            return
        # auto_reply: the customer who asks for a person still gets one (never trapped).
        if isinstance(event, ButtonPress) and event.button_id == fx.OPERATOR_BUTTON_ID:
            self.handoff(fx.Handoff(reason="button", node_id=None))
            return
        if isinstance(event, Text) and is_operator_keyword(
                event.text, tuple(operator_keywords(self.conv.workspace.settings if self.conv.workspace_id else {}))):
            self.handoff(fx.Handoff(reason="keyword", node_id=None))
            return
        last = self.pipeline.get("auto_reply_at")
        if last and self.now - dt.datetime.fromisoformat(last) < scenarios.AUTO_REPLY_INTERVAL:
            return  # an auto-responder repeats itself at most once an hour
        self.pipeline["auto_reply_at"] = self.now.isoformat()
        self.add(direction=Message.Direction.OUT, sender=Message.Sender.BOT, text=text,
                 payload={"auto_reply": True})


def is_operator_keyword(text: str, keywords: tuple[str, ...]) -> bool:
    """The engine's own rule (whole message, case and punctuation ignored), so both sides agree."""
    return normalise_keyword(text) in {normalise_keyword(k) for k in keywords if k}
