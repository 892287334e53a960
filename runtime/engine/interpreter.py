"""The scenario interpreter: `step(scenario, state, event, ctx) -> StepResult(state, effects)`.

Model
-----
A conversation is a `State` (where it is, what it waits for, its variables) plus a compiled
`ir.Scenario`. Each incoming `Event` runs one `step`: the engine walks nodes from the current position
until it reaches a node that waits (for the customer, a timer, an HTTP result or an operator) and returns
the new state and a tuple of effects. It performs no I/O and never mutates the state it was given: the
pipeline persists the returned state and carries out the effects in order.

Walking: entering a node runs its *enter* handler (one per node type, `_ENTER`), which emits effects and
returns the next node id, or None when the conversation now waits. A customer's answer at a waiting node
runs its *input* handler (`_INPUT`). Moving on from a waiting node cancels its pending timer.

Decisions a marketer can rely on
--------------------------------
- The operator escape is applied by the runtime: every interactive step (buttons, ask, rating) shows the
  `__operator__` button (unless `settings.operator_button.enabled` is false), and at any point except while
  an operator already has the conversation, pressing it or typing a keyword (the whole message, case and
  punctuation ignored; `settings.operator_button.keywords`, else the workspace's `ctx.operator_keywords`,
  else `texts.DEFAULT_OPERATOR_KEYWORDS`) emits `Handoff(reason="button" | "keyword")`. Typed keywords work
  even when the button is disabled. One exception: a keyword that is also the label of a button (or choice)
  drawn on the current step picks that button, because what the marketer drew wins.
- Buttons: a press, the label typed (case/space-insensitive) or its number (1-based) picks a button.
  Anything else re-prompts with `settings.fallback_text`; from the second miss on, the re-prompt says how to
  reach a person and puts the operator button first.
- Ask: `retries` is the number of re-asks. After `retries + 1` failed answers the `invalid` port is taken;
  if it is not drawn, the customer is handed to an operator (`Handoff(reason="error")`) rather than being
  re-asked forever. A `timeout` is scheduled only when `timeout_seconds` is set *and* the port is drawn;
  each re-prompt restarts it.
- An unconnected port ends the conversation there (`End`), as an `end` node would (drafts in preview).
- `http_request` without a drawn `error` port: a failed call hands off with reason "error".
- `end`: the conversation is finished (`waiting="ended"`). A later message restarts the scenario from its
  start, keeping variables (the pipeline may instead open a new conversation with a fresh State).
- While an operator has the conversation (`waiting="handoff"`) customer events produce nothing;
  `Released(node_id)` resumes at that node (or the start).
- `Start` always (re)starts at `node_id` or the start, keeping variables (the pipeline passes a fresh State
  for a new conversation, and the target scenario's Start after a `JumpScenario`).
- Stale `TimerFired` / `HttpResult` (ids that are not pending) are no-ops with no effects.
- More than `ctx.max_transitions` node entries in one step: `Error("transition_limit")` + a handoff.
- Assigning `contact_name` / `contact_phone` / `contact_email` emits `UpdateContact`.
- Set-variable: a template value is coerced to the declared variable type; a failing expression leaves the
  variable unchanged.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from . import ir
from .effects import (
    OPERATOR_BUTTON_ID,
    Button,
    CallHttp,
    CancelTimer,
    Effect,
    End,
    Error,
    Handoff,
    JumpScenario,
    Media,
    Rating,
    ScheduleTimer,
    SendMessage,
    SetTags,
    TemplateRef,
    UpdateContact,
)
from .events import (
    ButtonPress,
    Event,
    HttpResult,
    OutsideWindow,
    Released,
    Start,
    StepContext,
    Text,
    TimerFired,
)
from .expressions import ExpressionError, evaluate, evaluate_bool
from .state import ENDED, HANDOFF, HTTP, IDLE, INPUT, JUMP, TIMER, State
from .templating import header_escape, is_web_url, json_string_escape, render, render_url, to_text
from .texts import DEFAULT_OPERATOR_KEYWORDS
from .texts import text as default_text
from .validation import normalise_choice, validate

CONTACT_VARIABLES = {"contact_name": "name", "contact_phone": "phone", "contact_email": "email"}
SKIP_BUTTON_ID = "rating-skip"
_SKIP_COMMENT = {"", "-", "–", "—"}  # a lone dash skips the optional rating comment
_DEFAULT_CTX = StepContext()
_NON_WORD = re.compile(r"[\W_]+")


@dataclass(frozen=True, slots=True)
class StepResult:
    state: State
    effects: tuple[Effect, ...]


class _Run:
    """One step's working set: the scenario, the (copied) state and the effects emitted so far."""

    __slots__ = ("ctx", "hops", "out", "sc", "st")

    def __init__(self, sc: ir.Scenario, st: State, ctx: StepContext) -> None:
        self.sc, self.st, self.ctx = sc, st, ctx
        self.out: list[Effect] = []
        self.hops = 0


def step(scenario: ir.Scenario, state: State, event: Event, ctx: StepContext | None = None) -> StepResult:
    """Apply one event. Never raises: an unexpected failure becomes `Error("internal_error")` + a handoff."""
    run = _Run(scenario, state.copy(), ctx or _DEFAULT_CTX)
    try:
        _refresh_builtins(run)
        handler = _EVENTS.get(type(event))
        if handler is not None:
            handler(run, event)
    except Exception as exc:  # a conversation must never crash the pipeline
        run.out.append(Error("internal_error", f"{type(exc).__name__}: {exc}", run.st.node_id))
        _handoff(run, "error", run.st.node_id)
    return StepResult(run.st, tuple(run.out))


# --- variables ----------------------------------------------------------------------------------------


def _refresh_builtins(run: _Run) -> None:
    v, ctx = run.st.variables, run.ctx
    if v.get("business_hours") is not ctx.business_hours:
        v["business_hours"] = ctx.business_hours
    if ctx.contact:
        for key in ("name", "phone", "email"):
            value = ctx.contact.get(key)
            if value:
                v["contact_" + key] = value


def _init_variables(run: _Run) -> None:
    v = run.st.variables
    for var in run.sc.variables.values():
        if var.name not in v:
            v[var.name] = var.default
    for name in ir.BUILTIN_VARIABLES:
        v.setdefault(name, None if name in ("http_status", "rating", "business_hours") else "")


def _assign(run: _Run, name: str, value: Any) -> None:
    run.st.variables[name] = value
    field = CONTACT_VARIABLES.get(name)
    if field is None and value not in (None, ""):  # the scenario's variables naming the person (settings.contact_fields)
        field = next((f for variable, f in run.sc.settings.contact_fields if variable == name), None)
    if field is not None:
        run.out.append(UpdateContact(((field, to_text(value)),)))


def _coerce(run: _Run, name: str, value: str) -> Any:
    """A rendered template value, converted to the declared type of `name` when it reads as one."""
    var = run.sc.variables.get(name)
    if var is None or var.type == "string":
        return value
    text = value.strip()
    if var.type == "number":
        try:
            number = float(text.replace(",", "."))
        except ValueError:
            return value
        return int(number) if number.is_integer() and abs(number) < 2**53 else number
    if var.type == "boolean":
        low = text.casefold()
        if low in ("true", "yes", "1", "on"):
            return True
        if low in ("false", "no", "0", "off", ""):
            return False
        return value
    try:
        return json.loads(text)
    except ValueError:
        return value


# --- the operator escape ------------------------------------------------------------------------------


def normalise_keyword(text: str) -> str:
    """Whole-message comparison key: case-folded, punctuation and symbols dropped, spaces collapsed."""
    return _NON_WORD.sub(" ", text.casefold()).strip()


@lru_cache(maxsize=1024)
def _keyword_set(keywords: tuple[str, ...]) -> frozenset[str]:
    return frozenset(k for k in (normalise_keyword(w) for w in keywords) if k)


def operator_keywords(scenario: ir.Scenario, ctx: StepContext) -> tuple[str, ...]:
    if scenario.settings.operator_keywords is not None:
        return scenario.settings.operator_keywords
    return tuple(ctx.operator_keywords) or DEFAULT_OPERATOR_KEYWORDS


def _is_keyword(run: _Run, text: str) -> bool:
    if len(text) > 200:
        return False
    return normalise_keyword(text) in _keyword_set(operator_keywords(run.sc, run.ctx))


def _handoff(run: _Run, reason: str, node_id: str | None, department: str | None = None,
             message: str = "", note: str = "") -> None:
    st = run.st
    _cancel_pending(run)
    st.waiting, st.stage = HANDOFF, ""
    run.out.append(Handoff(reason, node_id, department or run.sc.settings.department, message, note))


def _cancel_pending(run: _Run) -> None:
    st = run.st
    if st.timer_id is not None:
        run.out.append(CancelTimer(st.timer_id))
        st.timer_id = None
    st.request_id = None


# --- event handlers ------------------------------------------------------------------------------------


def _on_start(run: _Run, ev: Start) -> None:
    v = run.st.variables
    if ev.ref or "ref" not in v:
        v["ref"] = ev.ref
    v["channel"] = ev.channel
    target = ev.node_id or run.sc.start
    if target not in run.sc.nodes:
        run.out.append(Error("node_missing", f"node {target!r} does not exist; starting from the start", target))
        target = run.sc.start
    _restart(run, target)


def _restart(run: _Run, target: str) -> None:
    _init_variables(run)
    _run_from(run, target)


def _on_text(run: _Run, ev: Text) -> None:
    st = run.st
    if st.waiting == HANDOFF:
        return
    text = ev.text if isinstance(ev.text, str) else str(ev.text)
    st.variables["last_input"] = text
    if _is_keyword(run, text) and not _is_drawn_option(run, text):
        _handoff(run, "keyword", st.node_id)
        return
    _on_answer(run, text, None)


def _is_drawn_option(run: _Run, text: str) -> bool:
    """A keyword that is also the label of a drawn button (or choice) here picks that option: what was drawn wins."""
    if run.st.waiting != INPUT:
        return False
    node = run.sc.nodes.get(run.st.node_id or "")
    if isinstance(node, ir.ButtonsNode):
        labels: tuple[str, ...] = tuple(b.label for b in node.buttons)
    elif isinstance(node, ir.AskNode):
        labels = node.choices
    else:
        return False
    key = normalise_keyword(text)
    return any(normalise_keyword(label) == key for label in labels)


def _on_button(run: _Run, ev: ButtonPress) -> None:
    if run.st.waiting == HANDOFF:
        return
    if ev.button_id == OPERATOR_BUTTON_ID:
        _handoff(run, "button", run.st.node_id)
        return
    if ev.label:
        run.st.variables["last_input"] = ev.label
    _on_answer(run, ev.label or "", ev.button_id)


def _on_answer(run: _Run, text: str, button_id: str | None) -> None:
    st = run.st
    if st.waiting == INPUT:
        node = run.sc.nodes.get(st.node_id or "")
        handler = _INPUT.get(type(node))
        if handler is not None:
            handler(run, node, text, button_id)
            return
        run.out.append(Error("node_missing", f"node {st.node_id!r} does not exist; starting over", st.node_id))
        _restart(run, run.sc.start)
    elif st.waiting in (IDLE, ENDED):
        _restart(run, run.sc.start)
    # timer / http / jump: the bot is busy; the text is kept in last_input only


def _on_timer(run: _Run, ev: TimerFired) -> None:
    st = run.st
    if st.timer_id is None or ev.timer_id != st.timer_id:
        return  # stale: the conversation moved on
    st.timer_id = None
    node = run.sc.nodes.get(st.node_id or "")
    if node is None:
        return
    if st.waiting == TIMER:
        _go(run, node, "next")
    elif st.waiting == INPUT and isinstance(node, ir.AskNode):
        _go(run, node, "timeout")


def _on_http(run: _Run, ev: HttpResult) -> None:
    st = run.st
    if st.waiting != HTTP or st.request_id is None or ev.request_id != st.request_id:
        return
    st.request_id = None
    node = run.sc.nodes.get(st.node_id or "")
    if not isinstance(node, ir.HttpRequestNode):
        return
    st.variables["http_status"] = ev.status
    ok = ev.error is None and ev.status is not None and 200 <= ev.status < 300
    if ok:
        for m in node.response_mapping:
            _assign(run, m.variable, json_path(ev.body, m.steps))
        _go(run, node, "ok")
    elif run.sc.target(node.id, "error") is not None:
        _go(run, node, "error")
    else:
        run.out.append(Error("http_failed", f"HTTP request failed ({ev.error or ev.status})", node.id))
        _handoff(run, "error", node.id)


def _on_released(run: _Run, ev: Released) -> None:
    target = ev.node_id if ev.node_id is not None and ev.node_id in run.sc.nodes else run.sc.start
    run.st.waiting = IDLE
    _restart(run, target)


def _on_outside_window(run: _Run, ev: OutsideWindow) -> None:
    target = run.sc.target(ev.node_id, ir.OUTSIDE_WINDOW_PORT)
    if target is not None and run.st.waiting != HANDOFF:
        _run_from(run, target)


_EVENTS: dict[type, Callable[[_Run, Any], None]] = {
    Start: _on_start,
    Text: _on_text,
    ButtonPress: _on_button,
    TimerFired: _on_timer,
    HttpResult: _on_http,
    Released: _on_released,
    OutsideWindow: _on_outside_window,
}


# --- walking -------------------------------------------------------------------------------------------


def _go(run: _Run, node: ir.Node, port: str) -> None:
    """Leave `node` through `port` and walk on."""
    target = _follow(run, node, port)
    if target is not None:
        _run_from(run, target)


def _follow(run: _Run, node: ir.Node, port: str) -> str | None:
    exits = run.sc.exits.get(node.id)
    target = exits.get(port) if exits else None
    if target is None:  # nothing drawn: the conversation ends here
        _cancel_pending(run)
        run.st.waiting, run.st.node_id = ENDED, node.id
        run.out.append(End(node.id))
    return target


def _run_from(run: _Run, node_id: str | None) -> None:
    st, nodes, limit = run.st, run.sc.nodes, run.ctx.max_transitions
    _cancel_pending(run)
    while node_id is not None:
        run.hops += 1
        if run.hops > limit:
            run.out.append(Error(
                "transition_limit",
                f"more than {limit} steps without waiting for the customer (a loop?)",
                node_id,
            ))
            _handoff(run, "error", node_id)
            return
        node = nodes[node_id]
        st.node_id, st.waiting, st.stage, st.attempts, st.misses = node_id, IDLE, "", 0, 0
        node_id = _ENTER[type(node)](run, node)


def _send(run: _Run, node: ir.Node, text: str, buttons: tuple[Button, ...] = (), media: Media | None = None) -> None:
    exits = run.sc.exits.get(node.id)
    port = ir.OUTSIDE_WINDOW_PORT if exits and ir.OUTSIDE_WINDOW_PORT in exits else None
    run.out.append(SendMessage(text, node.id, buttons, media, port))


def _outside_window(run: _Run, node: ir.Node) -> str | None:
    """The outside_window target when the channel cannot send free-form content now and the port is drawn."""
    return run.sc.target(node.id, ir.OUTSIDE_WINDOW_PORT) if run.ctx.outside_window else None


# --- enter handlers: one per node type --------------------------------------------------------------


def _enter_message(run: _Run, node: ir.MessageNode) -> str | None:
    alt = _outside_window(run, node)
    if alt is not None:
        return alt
    v = run.st.variables
    media = None
    if node.media is not None:
        url = render_url(node.media.url, v).strip()
        # Validation flags a literal non-http(s) URL; a variable can still render one: never send it.
        if is_web_url(url):
            media = Media(node.media.kind, url, render(node.media.caption, v))
    _send(run, node, render(node.text, v), media=media)
    return _follow(run, node, "next")


def _enter_buttons(run: _Run, node: ir.ButtonsNode) -> str | None:
    alt = _outside_window(run, node)
    if alt is not None:
        return alt
    _send(run, node, render(node.text, run.st.variables), run.sc.node_buttons[node.id])
    run.st.waiting = INPUT
    return None


def _enter_ask(run: _Run, node: ir.AskNode) -> str | None:
    _send(run, node, render(node.prompt, run.st.variables), run.sc.node_buttons[node.id])
    run.st.waiting = INPUT
    _schedule_ask_timeout(run, node)
    return None


def _schedule_ask_timeout(run: _Run, node: ir.AskNode) -> None:
    if node.timeout_seconds and run.sc.target(node.id, "timeout") is not None:
        st = run.st
        if st.timer_id is not None:
            run.out.append(CancelTimer(st.timer_id))
        st.timer_id = st.next_id("t")
        run.out.append(ScheduleTimer(st.timer_id, node.timeout_seconds, node.id))


def _enter_condition(run: _Run, node: ir.ConditionNode) -> str | None:
    v = run.st.variables
    for rule in node.rules:
        if evaluate_bool(rule.expression, v):
            return _follow(run, node, rule.id)
    return _follow(run, node, "else")


def _enter_set_variable(run: _Run, node: ir.SetVariableNode) -> str | None:
    v = run.st.variables
    for a in node.assignments:
        if a.expression is not None:
            try:
                value = evaluate(a.expression, v)
            except ExpressionError:
                continue
        else:
            value = _coerce(run, a.variable, render(a.value or "", v))
        _assign(run, a.variable, value)
    return _follow(run, node, "next")


def _enter_http_request(run: _Run, node: ir.HttpRequestNode) -> str | None:
    st, v = run.st, run.st.variables
    st.request_id = st.next_id("h")
    st.waiting = HTTP
    headers = tuple((name, header_escape(render(value, v))) for name, value in node.headers)
    body = render(node.body, v, json_string_escape) if node.body is not None else None
    run.out.append(CallHttp(st.request_id, node.method, render_url(node.url, v), headers, body,
                            float(node.timeout_seconds), node.id))
    return None


def _enter_wait(run: _Run, node: ir.WaitNode) -> str | None:
    st = run.st
    st.timer_id = st.next_id("t")
    st.waiting = TIMER
    run.out.append(ScheduleTimer(st.timer_id, node.seconds, node.id))
    return None


def _enter_jump(run: _Run, node: ir.JumpNode) -> str | None:
    if node.scenario is not None:
        run.st.waiting = JUMP
        run.out.append(JumpScenario(node.scenario, node.node))
        return None
    return node.node


def _enter_handoff(run: _Run, node: ir.HandoffNode) -> str | None:
    v = run.st.variables
    message = render(node.message, v)
    if message:
        _send(run, node, message)
    _handoff(run, "node", node.id, node.department, message, render(node.note, v))
    return None


def _enter_rating(run: _Run, node: ir.RatingNode) -> str | None:
    _send(run, node, render(node.prompt, run.st.variables), run.sc.node_buttons[node.id])
    run.st.waiting, run.st.stage = INPUT, "score"
    return None


def _enter_tag(run: _Run, node: ir.TagNode) -> str | None:
    run.out.append(SetTags(node.add, node.remove, node.consent))
    return _follow(run, node, "next")


def _enter_end(run: _Run, node: ir.EndNode) -> str | None:
    text = render(node.text, run.st.variables)
    if text:
        _send(run, node, text)
    run.st.waiting = ENDED
    run.out.append(End(node.id))
    return None


def _enter_template(run: _Run, node: ir.TemplateNode) -> str | None:
    # The pipeline resolves the approved template (WhatsApp) or sends its body as text (other channels).
    v = run.st.variables
    ref = TemplateRef(node.template, node.language, tuple((key, render(value, v)) for key, value in node.variables))
    run.out.append(SendMessage("", node.id, template=ref))
    return _follow(run, node, "next")


_ENTER: dict[type, Callable[[_Run, Any], str | None]] = {
    ir.MessageNode: _enter_message,
    ir.ButtonsNode: _enter_buttons,
    ir.AskNode: _enter_ask,
    ir.ConditionNode: _enter_condition,
    ir.SetVariableNode: _enter_set_variable,
    ir.HttpRequestNode: _enter_http_request,
    ir.WaitNode: _enter_wait,
    ir.JumpNode: _enter_jump,
    ir.HandoffNode: _enter_handoff,
    ir.RatingNode: _enter_rating,
    ir.TagNode: _enter_tag,
    ir.EndNode: _enter_end,
    ir.TemplateNode: _enter_template,
}


# --- input handlers: the customer's answer at an interactive node -----------------------------------


def _reprompt(run: _Run, node: ir.Node, text: str, buttons: tuple[Button, ...]) -> None:
    """Say `text` again with the node's buttons; from the second miss on, point at the operator."""
    st, settings = run.st, run.sc.settings
    st.misses += 1
    if st.misses >= 2:
        lang = settings.language
        if settings.operator_enabled:
            offer = default_text(lang, "operator_offer").format(label=settings.operator_label)
            operator = tuple(b for b in buttons if b.id == OPERATOR_BUTTON_ID)
            buttons = operator + tuple(b for b in buttons if b.id != OPERATOR_BUTTON_ID)
        else:
            keywords = operator_keywords(run.sc, run.ctx)
            offer = default_text(lang, "operator_offer_keyword").format(keyword=keywords[0]) if keywords else ""
        text = f"{text}\n{offer}" if offer else text
    _send(run, node, text, buttons)


def _input_buttons(run: _Run, node: ir.ButtonsNode, text: str, button_id: str | None) -> None:
    chosen = None
    for b in node.buttons:
        if b.id == button_id:
            chosen = b
            break
    if chosen is None:
        key = normalise_choice(text)
        if key:
            for i, b in enumerate(node.buttons, 1):
                if normalise_choice(b.label) == key or key == str(i):
                    chosen = b
                    break
    if chosen is None and text:  # "Support!" or "support." still picks "Support"
        key = normalise_keyword(text)
        chosen = next((b for b in node.buttons if key and normalise_keyword(b.label) == key), None)
    if chosen is None:
        _reprompt(run, node, run.sc.settings.fallback_text, run.sc.node_buttons[node.id])
        return
    run.st.variables["last_input"] = chosen.label
    if node.variable:
        _assign(run, node.variable, chosen.label)
    _go(run, node, chosen.id)


def _input_ask(run: _Run, node: ir.AskNode, text: str, button_id: str | None) -> None:
    st = run.st
    if button_id and button_id.startswith("choice-") and node.kind == "choice":
        index = button_id[len("choice-"):]
        if index.isdigit() and 1 <= int(index) <= len(node.choices):
            text = node.choices[int(index) - 1]
    ok, value = validate(node, text)
    if ok:
        _assign(run, node.variable, value)
        _go(run, node, "next")
        return
    st.attempts += 1
    if st.attempts > node.retries:
        if run.sc.target(node.id, "invalid") is not None:
            _go(run, node, "invalid")
        else:
            _handoff(run, "error", node.id,
                     note=f"No valid answer to “{render(node.prompt, st.variables)}” after {st.attempts} tries")
        return
    message = render(node.validation_message, st.variables) or default_text(run.sc.settings.language,
                                                                            "invalid_" + node.kind)
    _reprompt(run, node, message, run.sc.node_buttons[node.id])
    _schedule_ask_timeout(run, node)


def _rating_score(text: str, button_id: str | None) -> int | None:
    if button_id and button_id.startswith("rate-") and button_id[5:].isdigit():
        score = int(button_id[5:])
        return score if 1 <= score <= 5 else None
    value = text.strip()
    if value.isdigit() and 1 <= int(value) <= 5:
        return int(value)
    stars = value.replace("\ufe0f", "").replace(" ", "")
    if stars and set(stars) <= {"⭐", "★"} and len(stars) <= 5:
        return len(stars)
    return None


def _input_rating(run: _Run, node: ir.RatingNode, text: str, button_id: str | None) -> None:
    st, lang = run.st, run.sc.settings.language
    if st.stage == "comment":
        comment = "" if button_id == SKIP_BUTTON_ID or text.strip() in _SKIP_COMMENT else text.strip()
        _assign(run, "rating_comment", comment)
        _finish_rating(run, node, comment)
        return
    score = _rating_score(text, button_id)
    if score is None:
        _reprompt(run, node, default_text(lang, "rating_invalid"), run.sc.node_buttons[node.id])
        return
    _assign(run, "rating", score)
    if node.ask_comment:
        st.stage, st.misses = "comment", 0
        operator = tuple(b for b in run.sc.node_buttons[node.id] if b.id == OPERATOR_BUTTON_ID)
        prompt = render(node.comment_prompt, st.variables) or default_text(lang, "comment_prompt")
        _send(run, node, prompt, (Button(SKIP_BUTTON_ID, default_text(lang, "skip")), *operator))
        return
    _finish_rating(run, node, "")


def _finish_rating(run: _Run, node: ir.RatingNode, comment: str) -> None:
    v = run.st.variables
    run.out.append(Rating(int(v.get("rating") or 0), comment, node.id))
    _send(run, node, render(node.thanks_text, v) or default_text(run.sc.settings.language, "thanks"))
    _go(run, node, "next")


_INPUT: dict[type, Callable[[_Run, Any, str, str | None], None]] = {
    ir.ButtonsNode: _input_buttons,
    ir.AskNode: _input_ask,
    ir.RatingNode: _input_rating,
}


# --- JSON path -------------------------------------------------------------------------------------------


def json_path(document: Any, steps: tuple[str | int, ...]) -> Any:
    """Read a parsed JSON path (see loader.parse_json_path); a missing step gives None."""
    value = document
    for key in steps:
        if isinstance(key, int):
            if not isinstance(value, list) or not -len(value) <= key < len(value):
                return None
            value = value[key]
        elif isinstance(value, dict):
            value = value.get(key)
        else:
            return None
    return value
