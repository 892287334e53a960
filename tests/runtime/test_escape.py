"""The "call operator" escape: by button and by every default keyword, from every interactive step."""

import pytest

from runtime.engine import effects as fx
from runtime.engine.events import StepContext
from runtime.engine.texts import DEFAULT_OPERATOR_KEYWORDS
from tests.runtime.enginekit import Bot
from tests.support.documents import document as doc
from tests.support.documents import node

OP = fx.OPERATOR_BUTTON_ID


def scenario(settings=None):
    return doc(
        [
            node("b", "buttons", text="Pick", buttons=[{"id": "go", "label": "Go"}]),
            node("q", "ask", prompt="Email?", variable="contact_email", kind="email", timeout_seconds=60),
            node("r", "rating", prompt="Rate", ask_comment=True),
            node("w", "wait", seconds=10),
            node("h", "http_request", method="GET", url="https://api.test/"),
            node("e", "end"),
        ],
        [("b", "go", "q"), ("q", "next", "r"), ("q", "timeout", "e"), ("r", "next", "w"), ("w", "next", "h"),
         ("h", "ok", "e")],
        settings=settings or {"operator_button": {"department": "support"}},
    )


def advance(bot, where):
    """Bring a fresh conversation to `where`."""
    bot.start()
    steps = {
        "buttons": [],
        "ask": [lambda: bot.press("go")],
        "rating": [lambda: bot.press("go"), lambda: bot.say("a@b.io")],
        "rating comment": [lambda: bot.press("go"), lambda: bot.say("a@b.io"), lambda: bot.say("4")],
        "wait": [lambda: bot.press("go"), lambda: bot.say("a@b.io"), lambda: bot.say("4"), lambda: bot.say("ok")],
        "http": [lambda: bot.press("go"), lambda: bot.say("a@b.io"), lambda: bot.say("4"), lambda: bot.say("ok"),
                 lambda: bot.fire()],
        "ended": [lambda: bot.press("go"), lambda: bot.say("a@b.io"), lambda: bot.say("4"), lambda: bot.say("ok"),
                  lambda: bot.fire(), lambda: bot.http(200, {})],
        "after misses": [lambda: bot.say("??"), lambda: bot.say("??")],
    }[where]
    for s in steps:
        s()


PLACES = ["buttons", "ask", "rating", "rating comment", "wait", "http", "ended", "after misses"]
INTERACTIVE = ["buttons", "ask", "rating", "rating comment", "after misses"]


@pytest.mark.parametrize("where", INTERACTIVE)
def test_interactive_steps_show_the_operator_button(where):
    bot = Bot(scenario())
    advance(bot, where)
    assert OP in bot.button_ids


@pytest.mark.parametrize("where", PLACES)
def test_operator_button_hands_off_from_anywhere(where):
    bot = Bot(scenario())
    advance(bot, where)
    bot.press(OP, "Call operator")
    assert bot.handoff == fx.Handoff("button", bot.state.node_id, "support")
    assert bot.state.waiting == "handoff"
    assert bot.state.timer_id is None and bot.state.request_id is None


@pytest.mark.parametrize("where", PLACES)
@pytest.mark.parametrize("keyword", DEFAULT_OPERATOR_KEYWORDS)
def test_each_default_keyword_hands_off_from_anywhere(where, keyword):
    bot = Bot(scenario({}))
    advance(bot, where)
    bot.say(keyword)
    assert bot.handoff is not None and bot.handoff.reason == "keyword"


@pytest.mark.parametrize("typed", ["OPERATOR", "  Operator!  ", "оператор?", "Человек...", "HUMAN 🙏", "agent."])
def test_keyword_match_ignores_case_spaces_punctuation(typed):
    bot = Bot(scenario({}))
    advance(bot, "buttons")
    bot.say(typed)
    assert bot.handoff.reason == "keyword"


@pytest.mark.parametrize("typed", ["I want an operator", "operators", "agent smith", "human resources"])
def test_keyword_must_be_the_whole_message(typed):
    bot = Bot(scenario({}))
    advance(bot, "buttons")
    bot.say(typed)
    assert bot.handoff is None


def test_pending_timer_is_cancelled_by_escape():
    bot = Bot(scenario())
    advance(bot, "wait")
    tid = bot.state.timer_id
    bot.say("operator")
    assert bot.effects[0] == fx.CancelTimer(tid)
    assert bot.fire(tid) == ()


def test_scenario_keywords_override_workspace_and_workspace_overrides_defaults():
    bot = Bot(scenario({"operator_button": {"keywords": ["helpme"]}}), StepContext(operator_keywords=("boss",)))
    advance(bot, "buttons")
    bot.say("operator")
    assert bot.handoff is None
    bot.say("HelpMe!")
    assert bot.handoff.reason == "keyword"

    ws = Bot(scenario({}), StepContext(operator_keywords=("boss",)))
    advance(ws, "buttons")
    ws.say("operator")
    assert ws.handoff is None
    ws.say("boss")
    assert ws.handoff.reason == "keyword"


def test_escape_department_from_settings():
    bot = Bot(scenario({"operator_button": {"department": "vip"}}))
    advance(bot, "ask")
    bot.press(OP)
    assert bot.handoff.department == "vip"


def test_a_drawn_button_named_like_a_keyword_follows_the_drawing():
    d = doc([node("b", "buttons", text="Who?", buttons=[{"id": "bot", "label": "Bot"}, {"id": "hum", "label": "Human"}]),
             node("mine", "handoff", department="vip", message="Our VIP team")],
            [("b", "hum", "mine")])
    bot = Bot(d)
    bot.start()
    bot.say("human!")
    assert bot.handoff == fx.Handoff("node", "mine", "vip", "Our VIP team", "")
    other = Bot(d)
    other.start()
    other.say("operator")
    assert other.handoff.reason == "keyword"
