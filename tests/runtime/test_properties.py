"""Property tests over generated scenarios: the operator escape is always one action away, and `step`
never raises, whatever the graph (cycles included) and whatever the customer does."""

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from runtime.engine import effects as fx
from runtime.engine import events as ev
from runtime.engine import ir
from runtime.engine.interpreter import step
from runtime.engine.loader import compile_scenario
from runtime.engine.state import INPUT, State
from runtime.engine.texts import DEFAULT_OPERATOR_KEYWORDS

OP = fx.OPERATOR_BUTTON_ID
TEXTS = ["1", "2", "5", "yes", "A", "b", "a@b.io", "+44 20 7946 0958", "2026-01-31", "42", "", "  ", "⭐⭐",
         "operator please", "{{x}}", "x" * 300]
EXPRESSIONS = ["true", "false", "score > 2", 'last_input == "A"', "contains(lower(last_input), 'a')", "1/0",
               "nope +", "__import__('os')"]


def data_for(draw, node_type, ids):
    text = st.sampled_from(["Hi {{contact_name|there}}", "Pick", "", "{{last_input}}"])
    if node_type == "message":
        return {"text": draw(text) or "x"}
    if node_type == "buttons":
        n = draw(st.integers(1, 3))
        return {"text": "Pick", "buttons": [{"id": f"b{i}", "label": draw(st.sampled_from(["A", "B", "yes", "1"]))}
                                            for i in range(n)]}
    if node_type == "ask":
        kind = draw(st.sampled_from(["text", "number", "email", "phone", "date", "choice"]))
        d = {"prompt": "Q?", "variable": draw(st.sampled_from(["v", "contact_email", "score"])), "kind": kind,
             "retries": draw(st.integers(0, 2))}
        if kind == "choice":
            d["choices"] = ["A", "B"]
        if draw(st.booleans()):
            d["timeout_seconds"] = 30
        return d
    if node_type == "condition":
        return {"rules": [{"id": f"r{i}", "expression": draw(st.sampled_from(EXPRESSIONS))}
                          for i in range(draw(st.integers(1, 3)))]}
    if node_type == "set_variable":
        return {"assignments": [draw(st.sampled_from([{"variable": "score", "expression": "score + 1"},
                                                      {"variable": "v", "value": "{{last_input}}"},
                                                      {"variable": "contact_name", "value": "Ann"}]))]}
    if node_type == "http_request":
        return {"method": "GET", "url": "https://api.test/{{v}}",
                "response_mapping": [{"variable": "v", "path": "$.a[0].b"}]}
    if node_type == "wait":
        return {"seconds": 5}
    if node_type == "jump":
        if draw(st.booleans()):
            return {"scenario": "other"}
        return {"node": draw(st.sampled_from(ids))}
    if node_type == "handoff":
        return {"message": draw(st.sampled_from(["", "Connecting"])), "department": None}
    if node_type == "rating":
        return {"prompt": "Rate", "ask_comment": draw(st.booleans())}
    if node_type == "tag":
        return {"add": ["t"]}
    if node_type == "template":  # WhatsApp template node (messengers issue)
        return {"template": "order_update", "language": "en", "variables": {"1": "{{v}}"}}
    return {"text": "bye"}


@st.composite
def documents(draw):
    n = draw(st.integers(1, 7))
    ids = [f"n{i}" for i in range(n)]
    types = [draw(st.sampled_from(sorted(ir.NODE_TYPES))) for _ in ids]
    nodes = [{"id": i, "type": t, "data": data_for(draw, t, ids)} for i, t in zip(ids, types, strict=True)]
    compiled_nodes = compile_scenario({"start": ids[0], "nodes": nodes, "edges": []}).nodes
    edges = []
    for node_id in ids:
        for port in ir.ports(compiled_nodes[node_id]):
            if draw(st.integers(0, 9)) < 8:  # mostly connected; some ports left open
                edges.append({"id": f"e{len(edges)}", "source": node_id, "source_port": port,
                              "target": draw(st.sampled_from(ids))})
    enabled = draw(st.booleans())
    keywords = draw(st.sampled_from([None, ["help me", "Оператор"]]))
    op = {"enabled": enabled, "department": draw(st.sampled_from([None, "support"]))}
    if keywords is not None:
        op["keywords"] = keywords
    doc = {"format": "botflow/scenario", "version": 1, "name": "gen", "start": ids[0],
           "variables": [{"name": "score", "type": "number", "default": 0}, {"name": "v", "type": "string"}],
           "settings": {"operator_button": op, "language": draw(st.sampled_from(["en", "ru"]))},
           "nodes": nodes, "edges": edges}
    return doc


def scenarios():
    return documents().map(compile_scenario)


def customer_actions(state, last_buttons):
    """Every kind of event a customer, a timer, an HTTP call or an operator can produce here."""
    events = [ev.Text(t) for t in TEXTS]
    events += [ev.ButtonPress(b.id, b.label) for b in last_buttons if b.id != OP]
    events += [ev.ButtonPress("stale-button"), ev.TimerFired("t-stale"), ev.HttpResult("h-stale", 200, {})]
    if state.timer_id:
        events.append(ev.TimerFired(state.timer_id))
    if state.request_id:
        events += [ev.HttpResult(state.request_id, 200, {"a": [{"b": "x"}]}), ev.HttpResult(state.request_id, None, None,
                                                                                       "timeout")]
    events += [ev.Released(None), ev.Start(ref="r", channel="telegram"), ev.OutsideWindow(state.node_id or "n0")]
    return events


def check_step(sc, state, event, ctx):
    result = step(sc, state, event, ctx)
    assert not [e for e in result.effects if isinstance(e, fx.Error) and e.code == "internal_error"], result.effects
    json.dumps(result.state.to_dict())  # JSON-safe
    assert State.from_dict(json.loads(json.dumps(result.state.to_dict()))) == result.state
    return result


def assert_escape(sc, state, ctx, keyword):
    """From an interactive step, one action reaches a person."""
    if sc.settings.operator_enabled:
        pressed = step(sc, state, ev.ButtonPress(OP), ctx)
        assert any(isinstance(e, fx.Handoff) and e.reason == "button" for e in pressed.effects)
    typed = step(sc, state, ev.Text(keyword), ctx)
    assert any(isinstance(e, fx.Handoff) and e.reason == "keyword" for e in typed.effects), (keyword, state)


@settings(max_examples=120, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(sc=scenarios(), data=st.data())
def test_escape_is_one_action_away_and_step_never_raises(sc, data):
    ctx = ev.StepContext(max_transitions=30, outside_window=data.draw(st.booleans()),
                      business_hours=data.draw(st.booleans()), contact={"name": "Ann"})
    keywords = sc.settings.operator_keywords or DEFAULT_OPERATOR_KEYWORDS
    result = check_step(sc, State(), ev.Start(ref="x"), ctx)
    state, buttons = result.state, ()
    for _ in range(12):
        sent = [e for e in result.effects if isinstance(e, fx.SendMessage)]
        if sent:
            buttons = sent[-1].buttons
        if state.waiting == INPUT:
            assert (OP in [b.id for b in buttons]) == sc.settings.operator_enabled
            assert_escape(sc, state, ctx, data.draw(st.sampled_from(keywords)))
        events = customer_actions(state, buttons)
        result = check_step(sc, state, data.draw(st.sampled_from(events)), ctx)
        state = result.state


@settings(max_examples=40, deadline=None, database=None)
@given(sc=scenarios(), data=st.data())
def test_every_event_at_every_visited_state_is_handled(sc, data):
    ctx = ev.StepContext(max_transitions=30)
    state = check_step(sc, State(), ev.Start(), ctx).state
    for _ in range(5):
        events = customer_actions(state, ())
        for event in events:
            check_step(sc, state, event, ctx)
        state = check_step(sc, state, data.draw(st.sampled_from(events)), ctx).state


JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 5) | st.text(max_size=5),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3),
    max_leaves=8,
)


@settings(max_examples=150, deadline=None, database=None)
@given(doc=documents(), data=st.data())
def test_loader_refuses_broken_documents_only_with_scenario_error(doc, data):
    """Corrupt one field of a generated document: compile either works or raises ScenarioError."""
    from runtime.engine.loader import ScenarioError

    target = data.draw(st.sampled_from(["doc", "node", "data", "edge"]))
    key = data.draw(st.sampled_from(["start", "nodes", "edges", "settings", "variables", "id", "type", "data",
                                     "text", "buttons", "rules", "assignments", "seconds", "url", "kind"]))
    value = data.draw(JSON)
    if target == "doc":
        doc[key] = value
    elif target == "node" and doc["nodes"]:
        doc["nodes"][0][key] = value
    elif target == "data":
        doc["nodes"][0]["data"][key] = value
    elif doc["edges"]:
        doc["edges"][0][data.draw(st.sampled_from(["source", "source_port", "target", "id"]))] = value
    try:
        compile_scenario(doc)
    except ScenarioError as exc:
        assert exc.code and exc.message
