"""Every node type and every port, driven through `step` as a customer would."""

import json

import pytest

from runtime.engine import effects as fx
from runtime.engine.events import HttpResult, OutsideWindow, StepContext, TimerFired
from runtime.engine.state import State
from tests.runtime.enginekit import Bot
from tests.support.documents import document as doc
from tests.support.documents import node

OP = fx.OPERATOR_BUTTON_ID


def menu(**settings):
    return doc(
        [
            node("menu", "buttons", text="Hi {{contact_name|there}}!", variable="choice",
                 buttons=[{"id": "sales", "label": "Talk to sales"}, {"id": "help", "label": "Support"}]),
            node("s", "message", text="Sales: {{choice}}"),
            node("h", "end", text="Bye"),
            node("done", "end"),
        ],
        [("menu", "sales", "s"), ("menu", "help", "h"), ("s", "next", "done")],
        settings=settings,
    )


# --- message ---------------------------------------------------------------------------------------------


def test_message_sends_text_and_media_then_follows_next():
    bot = Bot(doc(
        [node("m", "message", text="Hello {{ref}}", media={"kind": "image", "url": "https://x.test/{{ref}}.png",
                                                          "caption": "For {{ref}}"}),
         node("e", "end", text="done")],
        [("m", "next", "e")],
    ))
    bot.start(ref="summer")
    sent = bot.of(fx.SendMessage)
    assert sent[0].text == "Hello summer"
    assert sent[0].media == fx.Media("image", "https://x.test/summer.png", "For summer")
    assert sent[0].buttons == ()
    assert sent[1].text == "done"
    assert bot.of(fx.End) == [fx.End("e")]
    assert bot.state.waiting == "ended"


def test_a_media_url_that_renders_to_another_scheme_is_never_sent():
    # Validation flags a literal javascript:/data: URL; one that comes from a variable is dropped at render time.
    for link in ("javascript:alert(1)", " JavaScript:alert(1)", "data:text/html,<script>alert(1)</script>",
                 "vbscript:x", "//evil.example/x.png", "file:///etc/passwd"):
        bot = Bot(doc([node("m", "message", text="See", media={"kind": "file", "url": "{{ref}}"})]))
        bot.start(ref=link)
        sent = bot.of(fx.SendMessage)
        assert sent[0].text == "See" and sent[0].media is None, link
    bot = Bot(doc([node("m", "message", text="See", media={"kind": "file", "url": "{{ref}}"})]))
    bot.start(ref="HTTPS://x.test/a.pdf")
    assert bot.of(fx.SendMessage)[0].media == fx.Media("file", "HTTPS://x.test/a.pdf", "")


def test_unconnected_next_ends_the_conversation():
    bot = Bot(doc([node("m", "message", text="Only me")]))
    bot.start()
    assert bot.texts == ["Only me"]
    assert bot.of(fx.End) == [fx.End("m")]


def test_message_outside_window_port_is_announced_and_taken_when_ctx_says_so():
    d = doc(
        [node("m", "message", text="Free text"), node("t", "end", text="template"), node("n", "end", text="next")],
        [("m", "next", "n"), ("m", "outside_window", "t")],
    )
    bot = Bot(d)
    bot.start()
    assert bot.of(fx.SendMessage)[0].outside_window_port == "outside_window"
    assert bot.texts == ["Free text", "next"]
    closed = Bot(d, StepContext(outside_window=True))
    closed.start()
    assert closed.texts == ["template"]


def test_outside_window_event_follows_the_port():
    bot = Bot(doc(
        [node("b", "buttons", text="Pick", buttons=[{"id": "x", "label": "X"}]), node("t", "end", text="tpl")],
        [("b", "outside_window", "t")],
    ))
    bot.start()
    bot.send(OutsideWindow("b"))
    assert bot.texts == ["tpl"]


# --- buttons ---------------------------------------------------------------------------------------------


def test_buttons_show_drawn_buttons_plus_operator_and_wait():
    bot = Bot(menu())
    bot.start()
    assert bot.texts == ["Hi there!"]
    assert bot.button_ids == ["sales", "help", OP]
    assert bot.buttons[-1] == "Call operator"
    assert bot.state.waiting == "input"


def test_contact_name_from_context():
    bot = Bot(menu(), StepContext(contact={"name": "Ann"}))
    bot.start()
    assert bot.texts == ["Hi Ann!"]


@pytest.mark.parametrize("how", ["press", "label", "messy label", "number"])
def test_each_button_port(how):
    bot = Bot(menu())
    bot.start()
    {"press": lambda: bot.press("sales", "Talk to sales"), "label": lambda: bot.say("Talk to sales"),
     "messy label": lambda: bot.say("  talk   TO sales "), "number": lambda: bot.say("1")}[how]()
    assert bot.texts == ["Sales: Talk to sales"]
    assert bot.vars["choice"] == "Talk to sales"
    bot2 = Bot(menu())
    bot2.start()
    bot2.say("2")
    assert bot2.texts == ["Bye"]


def test_unrecognised_text_reprompts_then_offers_operator_prominently():
    bot = Bot(menu(fallback_text="Use the buttons, please."))
    bot.start()
    bot.say("blah")
    assert bot.texts == ["Use the buttons, please."]
    assert bot.button_ids == ["sales", "help", OP]
    bot.say("blah again")
    assert bot.texts[0].startswith("Use the buttons, please.")
    assert "Call operator" in bot.texts[0] and "person" in bot.texts[0]
    assert bot.button_ids[0] == OP
    assert bot.state.waiting == "input"
    bot.say("Support")
    assert bot.texts == ["Bye"]


def test_operator_button_label_and_disable_from_settings():
    bot = Bot(menu(operator_button={"label": "Human please"}))
    bot.start()
    assert bot.buttons[-1] == "Human please"
    off = Bot(menu(operator_button={"enabled": False}))
    off.start()
    assert OP not in off.button_ids
    off.say("x")
    off.say("y")
    assert "operator" in off.texts[0]  # offers the keyword instead of a button
    off.say("operator")
    assert off.handoff.reason == "keyword"


def test_russian_defaults():
    bot = Bot(menu(language="ru"))
    bot.start()
    assert bot.buttons[-1] == "Позвать оператора"
    bot.say("что?")
    assert bot.texts == ["Пожалуйста, выберите один из вариантов."]


# --- ask -------------------------------------------------------------------------------------------------


def ask_doc(kind="email", variable="contact_email", retries=2, invalid=True, timeout=None, **data):
    nodes = [
        node("q", "ask", prompt="Your {{what|answer}}?", variable=variable, kind=kind, retries=retries,
             validation_message="Try again", timeout_seconds=timeout, **data),
        node("ok", "end", text="Got {{" + variable + "}}"),
        node("bad", "end", text="Invalid"),
        node("late", "end", text="Too slow"),
    ]
    edges = [("q", "next", "ok")]
    if invalid:
        edges.append(("q", "invalid", "bad"))
    if timeout:
        edges.append(("q", "timeout", "late"))
    return doc(nodes, edges)


def test_ask_valid_answer_stores_and_follows_next_and_updates_contact():
    bot = Bot(ask_doc())
    bot.start()
    assert bot.texts == ["Your answer?"]
    assert bot.button_ids == [OP]
    bot.say("Ann@Example.com")
    assert bot.texts == ["Got Ann@example.com"]
    assert bot.of(fx.UpdateContact) == [fx.UpdateContact((("email", "Ann@example.com"),))]


def test_ask_retries_then_invalid_port():
    bot = Bot(ask_doc(retries=2))
    bot.start()
    bot.say("nope")
    assert bot.texts == ["Try again"]
    bot.say("nope")
    assert bot.texts[0].startswith("Try again") and "Call operator" in bot.texts[0]
    bot.say("nope")
    assert bot.texts == ["Invalid"]


def test_ask_zero_retries_goes_invalid_at_once():
    bot = Bot(ask_doc(retries=0))
    bot.start()
    bot.say("nope")
    assert bot.texts == ["Invalid"]


def test_ask_without_invalid_port_hands_off_instead_of_looping():
    bot = Bot(ask_doc(retries=1, invalid=False))
    bot.start()
    bot.say("x")
    bot.say("y")
    assert bot.handoff is not None and bot.handoff.reason == "error"
    assert bot.state.waiting == "handoff"


def test_ask_default_validation_message_per_kind():
    bot = Bot(doc([node("q", "ask", prompt="Phone?", variable="contact_phone", kind="phone")]))
    bot.start()
    bot.say("12")
    assert "international" in bot.texts[0]
    bot.say("+44 (20) 7946-0958")
    assert bot.vars["contact_phone"] == "+442079460958"
    assert bot.of(fx.UpdateContact) == [fx.UpdateContact((("phone", "+442079460958"),))]


def test_ask_choice_shows_choices_as_buttons_and_accepts_press_text_or_number():
    d = doc([node("q", "ask", prompt="Size?", variable="size", kind="choice", choices=["S", "M"]),
             node("e", "end", text="{{size}}")], [("q", "next", "e")])
    for action in (lambda b: b.press("choice-2"), lambda b: b.say("m"), lambda b: b.say("2")):
        bot = Bot(d)
        bot.start()
        assert bot.buttons == ["S", "M", "Call operator"]
        action(bot)
        assert bot.texts == ["M"]


def test_ask_number_stores_a_number():
    bot = Bot(ask_doc(kind="number", variable="age", min=18, max=99))
    bot.start()
    bot.say("17")
    assert bot.texts == ["Try again"]
    bot.say("42")
    assert bot.vars["age"] == 42


def test_ask_timeout_port_with_timer_and_stale_timer_ignored():
    bot = Bot(ask_doc(timeout=60))
    bot.start()
    (timer,) = bot.of(fx.ScheduleTimer)
    assert timer.seconds == 60 and timer.node_id == "q"
    bot.say("bad answer")  # re-prompt restarts the timer
    assert bot.of(fx.CancelTimer) == [fx.CancelTimer(timer.timer_id)]
    (timer2,) = bot.of(fx.ScheduleTimer)
    assert timer2.timer_id != timer.timer_id
    assert bot.send(TimerFired(timer.timer_id)) == ()
    bot.send(TimerFired(timer2.timer_id))
    assert bot.texts == ["Too slow"]


def test_ask_answer_cancels_pending_timeout():
    bot = Bot(ask_doc(timeout=60))
    bot.start()
    timer = bot.of(fx.ScheduleTimer)[0]
    bot.say("a@b.io")
    assert fx.CancelTimer(timer.timer_id) in bot.effects
    assert bot.send(TimerFired(timer.timer_id)) == ()


def test_ask_timeout_without_port_schedules_nothing():
    bot = Bot(doc([node("q", "ask", prompt="?", variable="v", kind="text", timeout_seconds=30)]))
    bot.start()
    assert bot.of(fx.ScheduleTimer) == []


# --- condition -------------------------------------------------------------------------------------------


def cond_doc():
    return doc(
        [
            node("c", "condition", rules=[{"id": "vip", "expression": 'ref == "vip"'},
                                          {"id": "tg", "expression": 'channel == "telegram"'},
                                          {"id": "broken", "expression": "nope +"}]),
            node("a", "end", text="vip"), node("b", "end", text="tg"), node("x", "end", text="else"),
            node("z", "end", text="broken"),
        ],
        [("c", "vip", "a"), ("c", "tg", "b"), ("c", "else", "x"), ("c", "broken", "z")],
    )


@pytest.mark.parametrize(
    ("ref", "channel", "expected"),
    [("vip", "telegram", "vip"), ("", "telegram", "tg"), ("", "web", "else")],
)
def test_condition_first_true_rule_wins_else_otherwise(ref, channel, expected):
    bot = Bot(cond_doc())
    bot.start(ref=ref, channel=channel)
    assert bot.texts == [expected]


def test_condition_business_hours_from_context():
    d = doc([node("c", "condition", rules=[{"id": "open", "expression": "business_hours"}]),
             node("o", "end", text="open"), node("x", "end", text="closed")],
            [("c", "open", "o"), ("c", "else", "x")])
    bot = Bot(d, StepContext(business_hours=False))
    bot.start()
    assert bot.texts == ["closed"]


# --- set_variable ----------------------------------------------------------------------------------------


def test_set_variable_templates_expressions_types_and_contact():
    d = doc(
        [node("s", "set_variable", assignments=[
            {"variable": "greeting", "value": "Hi {{ref}}"},
            {"variable": "score", "value": "3"},
            {"variable": "score2", "expression": "score * 2"},
            {"variable": "flag", "value": "yes"},
            {"variable": "blob", "value": '{"a": [1]}'},
            {"variable": "kept", "expression": "1 / 0"},
            {"variable": "contact_name", "value": "Bob"},
        ]), node("e", "end", text="{{greeting}} {{score2}}")],
        [("s", "next", "e")],
        variables=[{"name": "greeting", "type": "string"}, {"name": "score", "type": "number"},
                   {"name": "score2", "type": "number"}, {"name": "flag", "type": "boolean"},
                   {"name": "blob", "type": "json"}, {"name": "kept", "type": "string", "default": "orig"}],
    )
    bot = Bot(d)
    bot.start(ref="promo")
    assert bot.texts == ["Hi promo 6"]
    assert bot.vars["score"] == 3 and bot.vars["flag"] is True and bot.vars["blob"] == {"a": [1]}
    assert bot.vars["kept"] == "orig"
    assert bot.of(fx.UpdateContact) == [fx.UpdateContact((("name", "Bob"),))]


# --- http_request ----------------------------------------------------------------------------------------


def http_doc(error_port=True):
    nodes = [
        node("h", "http_request", method="POST", url="https://api.test/orders/{{order_id}}?q={{q}}",
             headers=[{"name": "X-Ref", "value": "{{ref}}\r\nEvil: 1"}], body='{"id": "{{order_id}}"}',
             response_mapping=[{"variable": "status", "path": "$.order.status"},
                               {"variable": "first", "path": "$.items[0].name"},
                               {"variable": "missing", "path": "$.nope[3]"}],
             timeout_seconds=5),
        node("ok", "end", text="Status {{status}}, {{first}} ({{http_status}})"),
        node("err", "end", text="Failed {{http_status|none}}"),
    ]
    edges = [("h", "ok", "ok")] + ([("h", "error", "err")] if error_port else [])
    return doc(nodes, edges, variables=[{"name": "order_id", "type": "string", "default": 'A"1'},
                                        {"name": "q", "type": "string", "default": "a b"}])


def test_http_request_effect_is_rendered_safely():
    bot = Bot(http_doc())
    bot.start(ref="r")
    (call,) = bot.of(fx.CallHttp)
    assert call.method == "POST" and call.timeout_seconds == 5 and call.node_id == "h"
    assert call.url == "https://api.test/orders/A%221?q=a%20b"
    assert json.loads(call.body) == {"id": 'A"1'}
    assert call.headers == (("X-Ref", "r  Evil: 1"),)
    assert bot.state.waiting == "http" and bot.texts == []


def test_http_ok_maps_json_paths_into_variables():
    bot = Bot(http_doc())
    bot.start()
    bot.http(200, {"order": {"status": "shipped"}, "items": [{"name": "Mug"}]})
    assert bot.texts == ["Status shipped, Mug (200)"]
    assert bot.vars["missing"] is None and bot.vars["http_status"] == 200


@pytest.mark.parametrize(("status", "error"), [(500, None), (None, "timeout"), (200, "invalid_json"),
                                               (None, "refused_private_address"), (404, None)])
def test_http_failures_follow_error_port(status, error):
    bot = Bot(http_doc())
    bot.start()
    bot.http(status, None, error)
    assert bot.texts == [f"Failed {status if status is not None else 'none'}"]


def test_http_failure_without_error_port_hands_off():
    bot = Bot(http_doc(error_port=False))
    bot.start()
    bot.http(503)
    assert [type(e) for e in bot.effects] == [fx.Error, fx.Handoff]
    assert bot.handoff.reason == "error"


def test_stale_http_result_is_a_no_op():
    bot = Bot(http_doc())
    bot.start()
    rid = bot.state.request_id
    assert bot.send(HttpResult("h999", 200, {})) == ()
    bot.http(200, {}, request_id=rid)
    assert bot.state.waiting == "ended"
    assert bot.send(HttpResult(rid, 200, {})) == ()


# --- wait --------------------------------------------------------------------------------------------------


def wait_doc():
    return doc([node("w", "wait", seconds=3600), node("e", "end", text="Later!")], [("w", "next", "e")])


def test_wait_schedules_timer_and_continues_when_it_fires():
    bot = Bot(wait_doc())
    bot.start()
    (timer,) = bot.of(fx.ScheduleTimer)
    assert (timer.seconds, timer.node_id) == (3600, "w")
    assert bot.say("hello?") == ()  # the bot is waiting; text does not skip the wait
    bot.fire(timer.timer_id)
    assert bot.texts == ["Later!"]


def test_stale_and_repeated_timers_are_no_ops():
    bot = Bot(wait_doc())
    bot.start()
    tid = bot.state.timer_id
    assert bot.send(TimerFired("t-other")) == ()
    bot.fire(tid)
    state = bot.state.to_dict()
    assert bot.send(TimerFired(tid)) == ()
    assert bot.state.to_dict() == state


# --- jump --------------------------------------------------------------------------------------------------


def test_jump_within_scenario():
    bot = Bot(doc([node("j", "jump", node="e"), node("e", "end", text="landed")]))
    bot.start()
    assert bot.texts == ["landed"]


def test_jump_to_another_scenario_emits_effect_and_target_runs_from_start_event():
    bot = Bot(doc([node("j", "jump", scenario="faq", node="q1")]))
    bot.start(ref="x")
    assert bot.of(fx.JumpScenario) == [fx.JumpScenario("faq", "q1")]
    assert bot.state.waiting == "jump"
    # the pipeline loads "faq" and steps Start(node_id=...) with the same state: variables carry over
    from runtime.engine.events import Start
    from runtime.engine.interpreter import step
    from runtime.engine.loader import compile_scenario

    faq = compile_scenario(doc([node("intro", "message", text="FAQ"), node("q1", "end", text="Q1 for {{ref}}")]))
    result = step(faq, bot.state, Start(ref="", node_id="q1"))
    assert [e.text for e in result.effects if isinstance(e, fx.SendMessage)] == ["Q1 for x"]


# --- handoff -----------------------------------------------------------------------------------------------


def test_handoff_node_sends_message_and_hands_off_with_department_and_note():
    d = doc([node("h", "handoff", department="sales", message="Connecting…", note="Lead from {{ref}}")],
            settings={"operator_button": {"department": "support"}})
    bot = Bot(d)
    bot.start(ref="promo")
    assert bot.texts == ["Connecting…"]
    assert bot.handoff == fx.Handoff("node", "h", "sales", "Connecting…", "Lead from promo")
    assert bot.state.waiting == "handoff"
    assert bot.say("hello") == ()
    assert bot.press(OP) == ()


def test_handoff_department_defaults_to_settings():
    bot = Bot(doc([node("h", "handoff")], settings={"operator_button": {"department": "support"}}))
    bot.start()
    assert bot.handoff.department == "support"
    assert bot.texts == []


def test_released_resumes_at_node_or_start():
    d = menu()
    bot = Bot(d)
    bot.start()
    bot.press(OP)
    assert bot.state.waiting == "handoff"
    bot.release("h")
    assert bot.texts == ["Bye"]
    bot2 = Bot(d)
    bot2.start()
    bot2.say("human")
    bot2.release()
    assert bot2.texts == ["Hi there!"] and bot2.state.waiting == "input"
    bot3 = Bot(d)
    bot3.start()
    bot3.say("human")
    bot3.release("no-such-node")
    assert bot3.texts == ["Hi there!"]


# --- rating ------------------------------------------------------------------------------------------------


def rating_doc(ask_comment=True):
    return doc([node("r", "rating", prompt="Rate us", ask_comment=ask_comment, comment_prompt="Why?",
                     thanks_text="Thanks, {{rating}}!"),
                node("e", "end", text="bye")], [("r", "next", "e")])


def test_rating_buttons_and_comment():
    bot = Bot(rating_doc())
    bot.start()
    assert bot.buttons == ["⭐", "⭐⭐", "⭐⭐⭐", "⭐⭐⭐⭐", "⭐⭐⭐⭐⭐", "Call operator"]
    bot.press("rate-4")
    assert bot.texts == ["Why?"]
    assert OP in bot.button_ids
    bot.say("Fast answers")
    assert bot.of(fx.Rating) == [fx.Rating(4, "Fast answers", "r")]
    assert bot.texts == ["Thanks, 4!", "bye"]
    assert bot.vars["rating_comment"] == "Fast answers"


@pytest.mark.parametrize(("typed", "score"), [("5", 5), (" 1 ", 1), ("⭐⭐⭐", 3)])
def test_rating_typed_without_comment(typed, score):
    bot = Bot(rating_doc(ask_comment=False))
    bot.start()
    bot.say(typed)
    assert bot.of(fx.Rating) == [fx.Rating(score, "", "r")]
    assert bot.texts == [f"Thanks, {score}!", "bye"]


def test_rating_invalid_reprompts_and_skip_comment():
    bot = Bot(rating_doc())
    bot.start()
    bot.say("9")
    assert bot.texts == ["Please rate from 1 to 5."]
    bot.say("2")
    bot.press("rating-skip")
    assert bot.of(fx.Rating) == [fx.Rating(2, "", "r")]


def test_rating_default_thanks():
    bot = Bot(doc([node("r", "rating", prompt="Rate")]))
    bot.start()
    bot.say("5")
    assert bot.texts == ["Thank you for your feedback!"]


# --- tag / end ---------------------------------------------------------------------------------------------


def test_tag_emits_set_tags_and_follows_next():
    bot = Bot(doc([node("t", "tag", add=["lead"], remove=["cold"], consent="subscribe"), node("e", "end")],
                  [("t", "next", "e")]))
    bot.start()
    assert bot.of(fx.SetTags) == [fx.SetTags(("lead",), ("cold",), "subscribe")]
    assert bot.of(fx.End) == [fx.End("e")]


def test_end_then_new_message_restarts_from_start_keeping_variables():
    bot = Bot(menu())
    bot.start(ref="promo")
    bot.say("Support")
    assert bot.texts == ["Bye"] and bot.of(fx.End) and bot.state.waiting == "ended"
    bot.say("hi again")
    assert bot.texts == ["Hi there!"]
    assert bot.vars["choice"] == "Support" and bot.vars["ref"] == "promo"


def test_text_on_a_fresh_state_starts_the_scenario():
    bot = Bot(menu())
    bot.say("hello")
    assert bot.texts == ["Hi there!"]


# --- transition limit ------------------------------------------------------------------------------------


def test_transition_limit_never_hangs():
    d = doc([node("a", "message", text="a"), node("b", "set_variable", assignments=[{"variable": "x", "value": "1"}])],
            [("a", "next", "b"), ("b", "next", "a")])
    bot = Bot(d, StepContext(max_transitions=10))
    bot.start()
    errors = bot.of(fx.Error)
    assert [e.code for e in errors] == ["transition_limit"]
    assert bot.handoff.reason == "error"
    assert isinstance(bot.effects[-1], fx.Handoff)
    assert len(bot.texts) == 5
    assert bot.state.waiting == "handoff"


def test_default_transition_limit_is_100():
    d = doc([node("a", "jump", node="b"), node("b", "jump", node="a")])
    bot = Bot(d)
    bot.start()
    assert [e.code for e in bot.of(fx.Error)] == ["transition_limit"]


# --- state -------------------------------------------------------------------------------------------------


def test_state_round_trips_through_json():
    bot = Bot(ask_doc(timeout=60))
    bot.start(ref="x")
    bot.say("bad")
    data = json.loads(json.dumps(bot.state.to_dict()))
    restored = State.from_dict(data)
    assert restored == bot.state
    assert State.from_dict({}) == State()
    assert State.from_dict({"waiting": "bogus", "extra": 1}).waiting == "idle"


def test_start_at_missing_node_reports_and_starts_from_start():
    from runtime.engine.events import Start

    bot = Bot(menu())
    bot.send(Start(node_id="ghost"))
    assert [e.code for e in bot.of(fx.Error)] == ["node_missing"]
    assert bot.texts == ["Hi there!"]


def test_button_label_with_punctuation_and_last_input():
    bot = Bot(menu())
    bot.start()
    bot.say("Support!")
    assert bot.texts == ["Bye"]
    assert bot.vars["last_input"] == "Support"
