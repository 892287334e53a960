"""Which compiled scenario a conversation runs, and the facts from outside the engine it may read."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils import timezone

from builder import business_hours
from builder.defaults import operator_keywords
from builder.departments import resolve_department
from builder.models import Scenario, ScenarioVersion
from runtime.connectors.window import free_form_allowed
from runtime.engine import ir
from runtime.engine.events import StepContext
from runtime.engine.interpreter import operator_keywords as operator_keywords_for
from runtime.engine.loader import compile_cached

CACHE_SIZE = 256


@dataclass(frozen=True, slots=True)
class Loaded:
    scenario: ir.Scenario
    # Only scenarios that read `business_hours` pay for the department lookup on each step.
    uses_business_hours: bool


_cache: OrderedDict[Any, Loaded] = OrderedDict()
_lock = threading.Lock()


def _remember(key: Any, document: dict[str, Any]) -> Loaded:
    loaded = Loaded(compile_cached(key, document), "business_hours" in json.dumps(document, ensure_ascii=False))
    with _lock:
        _cache[key] = loaded
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return loaded


def _cached(key: Any) -> Loaded | None:
    with _lock:
        hit = _cache.get(key)
        if hit is not None:
            _cache.move_to_end(key)
        return hit


def document_hash(document: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(document, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:16]


def for_version(version_id: int) -> Loaded:
    """A published version, compiled once per process (versions are immutable, so the id is the key)."""
    key = ("version", version_id)
    hit = _cached(key)
    if hit is not None:
        return hit  # no need to load the document at all
    document = ScenarioVersion.objects.values_list("document", flat=True).get(pk=version_id)
    return _remember(key, document)


def for_conversation(conversation: Any) -> Loaded | None:
    """The version the conversation is pinned to, or a preview's draft snapshot; None when there is none.

    Raises runtime.engine.loader.ScenarioError when the document cannot run.
    """
    if conversation.version_id:
        return for_version(conversation.version_id)
    preview = (conversation.pipeline or {}).get("preview")
    if conversation.is_preview and preview and preview.get("document") is not None:
        key = ("preview", str(conversation.pk), preview.get("hash", ""))
        return _cached(key) or _remember(key, preview["document"])
    return None


# WhatsApp's customer-service window: free-form messages only within 24 h of the customer's last message.
SESSION_WINDOW = dt.timedelta(hours=24)
WINDOWED_CHANNELS = frozenset({"whatsapp"})


def step_context(conversation: Any, loaded: Loaded) -> StepContext:
    contact = conversation.contact
    workspace_settings = conversation.workspace.settings if conversation.workspace_id else {}
    return StepContext(
        business_hours=_business_hours(conversation, loaded) if loaded.uses_business_hours else True,
        contact={"name": contact.name, "phone": contact.phone, "email": contact.email},
        operator_keywords=tuple(operator_keywords(workspace_settings)),
        max_transitions=settings.ENGINE_MAX_TRANSITIONS,
        outside_window=outside_window(conversation),
    )


def outside_window(conversation: Any) -> bool:
    """True when the channel may not send free-form messages now (a timer or an operator's return after 24 h)."""
    # One rule for the engine, the pipeline and the connector (runtime/connectors/window.py): exactly 24 h
    # after the customer's last message the window is closed.
    return not free_form_allowed(conversation.channel, conversation.contact, timezone.now())


def keywords_for(conversation: Any, loaded: Loaded) -> tuple[str, ...]:
    """The operator keywords the engine will apply in this conversation."""
    return operator_keywords_for(loaded.scenario, step_context(conversation, loaded))


def button_label(loaded: Loaded, node_id: str | None, button_id: str) -> str:
    """The label of a button the customer pressed at `node_id` (for the transcript), "" if unknown."""
    for button in loaded.scenario.node_buttons.get(node_id or "", ()):
        if button.id == button_id:
            return button.label
    return ""


def _business_hours(conversation: Any, loaded: Loaded) -> bool:
    """Is the scenario's handoff department open now (no department = open)."""
    department = resolve_department(conversation.workspace_id, loaded.scenario.settings.department)
    if department is None:
        return True
    return business_hours.is_open(department, timezone.now())


# --- a channel without a scenario -----------------------------------------------------------------------------
# What the admin chose for a channel that runs no (published) scenario, in its config: `no_scenario_action`
# "queue" (the default: every customer goes straight to the operator queue, reason `no_scenario`) or
# "auto_reply" (answer with `no_scenario_text`, at most once an hour per conversation; "call operator" and
# the operator keywords still reach a person).
NO_SCENARIO_ACTIONS = ("queue", "auto_reply")
NO_SCENARIO_TEXTS = {
    "en": "Thanks for your message! This chat has no automatic assistant yet. Write “operator” to reach a person.",
    "ru": "Спасибо за сообщение! В этом чате пока нет автоматического помощника. Напишите «оператор», "
          "чтобы связаться с человеком.",
}
DEFAULT_NO_SCENARIO_TEXT = f"{NO_SCENARIO_TEXTS['en']}\n\n{NO_SCENARIO_TEXTS['ru']}"
AUTO_REPLY_INTERVAL = dt.timedelta(hours=1)


def no_scenario_behaviour(channel: Any) -> tuple[str, str]:
    """(action, auto-reply text) of a channel for conversations without a scenario."""
    config = channel.config if isinstance(channel.config, dict) else {}
    action = config.get("no_scenario_action")
    if action not in NO_SCENARIO_ACTIONS:
        action = "queue"
    return action, str(config.get("no_scenario_text") or "").strip() or DEFAULT_NO_SCENARIO_TEXT


def adopt_channel_scenario(conversation: Any) -> bool:
    """A conversation that never ran a scenario (its channel had none when it started) takes the one its
    channel runs now, pinned to the published version; False when there is still none."""
    if conversation.version_id or conversation.is_preview or conversation.state:
        return False
    scenario = (Scenario.objects.filter(pk=conversation.channel.scenario_id).exclude(published_version=None)
                .first() if conversation.channel.scenario_id else None)
    if scenario is None:
        return False
    conversation.scenario = scenario
    conversation.version_id = scenario.published_version_id
    return True
