"""Play the fixture scenarios (fixtures/*.json export bundles) through the engine from YAML transcripts.

Transcript format (tests/runtime/transcripts/<name>.yaml):

    fixture: welcome_funnel.json        # bundle in fixtures/
    scenario: welcome                   # slug inside the bundle
    context: {contact: {name: Ann}, business_hours: false, operator_keywords: [...]}   # optional
    conversations:
      - name: sales path
        start: {ref: summer_promo, channel: telegram}      # optional; {} = plain start
        steps:
          - expect: ["Hi there", "What would you like"]   # bot messages of the last action, in order (substrings)
            buttons: [Talk to sales, ..., Call operator]   # labels of the last message's buttons
          - press: sales                                   # or say: text | timer: true | http: {status, body, error}
          - expect: [...]                                  # | release: node_id or null
            handoff: true                                  # or {reason, department}; false = no handoff
            end: true  vars: {name: value}  tags: {add: [...]}  rating: 4  jump: quiz  http_call: {method, url}

A cross-scenario jump to a slug found in any fixture bundle continues there (as the pipeline does).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from runtime.engine import effects as fx
from runtime.engine.events import (
    ButtonPress,
    Event,
    HttpResult,
    Released,
    Start,
    StepContext,
    Text,
    TimerFired,
)
from runtime.engine.interpreter import step
from runtime.engine.loader import compile_scenario
from runtime.engine.state import State

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "fixtures"
TRANSCRIPTS = Path(__file__).parent / "transcripts"


def all_scenarios() -> dict[str, dict[str, Any]]:
    out = {}
    for path in sorted(FIXTURES.glob("*.json")):
        bundle = json.loads(path.read_text(encoding="utf-8"))
        for item in bundle.get("scenarios", []):
            out[item["slug"]] = item["document"]
    return out


def transcript_files() -> list[Path]:
    return sorted(TRANSCRIPTS.glob("*.yaml"))


class Player:
    def __init__(self, slug: str, ctx: StepContext) -> None:
        self.docs = all_scenarios()
        self.slug, self.ctx = slug, ctx
        self.scenario = compile_scenario(self.docs[slug])
        self.state = State()
        self.effects: list[fx.Effect] = []

    def act(self, event: Event) -> None:
        result = step(self.scenario, self.state, event, self.ctx)
        self.state, self.effects = result.state, list(result.effects)
        jumps = [e for e in self.effects if isinstance(e, fx.JumpScenario)]
        if jumps and jumps[-1].scenario in self.docs:
            self.slug = jumps[-1].scenario
            self.scenario = compile_scenario(self.docs[self.slug])
            result = step(self.scenario, self.state, Start(ref="", channel=self.state.variables.get("channel", "web"),
                                                           node_id=jumps[-1].node_id), self.ctx)
            self.state = result.state
            self.effects += result.effects

    def of(self, kind: type) -> list[Any]:
        return [e for e in self.effects if isinstance(e, kind)]


def action(player: Player, entry: dict[str, Any]) -> Event | None:
    if "say" in entry:
        return Text(str(entry["say"]))
    if "press" in entry:
        return ButtonPress(str(entry["press"]))
    if "timer" in entry:
        return TimerFired(player.state.timer_id or "no-pending-timer")
    if "http" in entry:
        h = entry["http"] or {}
        return HttpResult(player.state.request_id or "no-pending-request", h.get("status"), h.get("body"),
                          h.get("error"))
    if "release" in entry:
        return Released(entry["release"])
    if "start" in entry:
        return Start(**(entry["start"] or {}))
    return None


def check(player: Player, entry: dict[str, Any], where: str) -> None:
    sent = player.of(fx.SendMessage)
    texts = [m.text for m in sent]
    if "expect" in entry:
        expected = entry["expect"] or []
        assert len(texts) == len(expected), f"{where}: bot said {texts!r}, expected {expected!r}"
        for got, want in zip(texts, expected, strict=True):
            assert str(want) in got, f"{where}: {got!r} does not contain {want!r}"
    if "buttons" in entry:
        labels = [b.label for b in sent[-1].buttons] if sent else []
        assert labels == entry["buttons"], f"{where}: buttons {labels!r}"
    if "handoff" in entry:
        handoffs = player.of(fx.Handoff)
        want = entry["handoff"]
        if want is False:
            assert not handoffs, f"{where}: unexpected {handoffs}"
        else:
            assert handoffs, f"{where}: expected a handoff, effects {player.effects}"
            if isinstance(want, dict):
                for key, value in want.items():
                    assert getattr(handoffs[-1], key) == value, f"{where}: handoff {handoffs[-1]}"
    if "end" in entry:
        assert bool(player.of(fx.End)) == entry["end"], f"{where}: effects {player.effects}"
    if "vars" in entry:
        for key, value in entry["vars"].items():
            assert player.state.variables.get(key) == value, f"{where}: {key}={player.state.variables.get(key)!r}"
    if "tags" in entry:
        tags = player.of(fx.SetTags)
        assert tags, f"{where}: no SetTags"
        for key, value in entry["tags"].items():
            got = getattr(tags[-1], key)
            assert (list(got) if isinstance(got, tuple) else got) == value, f"{where}: tags {tags[-1]}"
    if "rating" in entry:
        ratings = player.of(fx.Rating)
        assert ratings and ratings[-1].score == entry["rating"], f"{where}: ratings {ratings}"
    if "jump" in entry:
        assert [j.scenario for j in player.of(fx.JumpScenario)] == [entry["jump"]], where
    if "http_call" in entry:
        calls = player.of(fx.CallHttp)
        assert calls, f"{where}: no CallHttp"
        for key, value in entry["http_call"].items():
            if key == "body":
                assert json.loads(calls[-1].body) == value, f"{where}: body {calls[-1].body}"
            else:
                assert getattr(calls[-1], key) == value, f"{where}: {calls[-1]}"


def test_every_fixture_scenario_has_a_transcript():
    covered = {yaml.safe_load(p.read_text(encoding="utf-8"))["scenario"] for p in transcript_files()}
    assert set(all_scenarios()) <= covered


@pytest.mark.parametrize("path", transcript_files(), ids=lambda p: p.stem)
def test_transcript(path: Path):
    spec = yaml.safe_load(path.read_text(encoding="utf-8"))
    c = spec.get("context") or {}
    ctx = StepContext(business_hours=c.get("business_hours", True), contact=c.get("contact") or {},
                      operator_keywords=tuple(c.get("operator_keywords") or ()))
    for conversation in spec["conversations"]:
        player = Player(spec["scenario"], ctx)
        player.act(Start(**(conversation.get("start") or {})))
        for i, entry in enumerate(conversation["steps"]):
            where = f"{path.name} / {conversation['name']} / step {i + 1}"
            event = action(player, entry)
            if event is not None:
                player.act(event)
            check(player, entry, where)
