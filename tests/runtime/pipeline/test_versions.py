"""Version pinning: a conversation runs the version it started on, whatever is published later."""

from __future__ import annotations

from builder import services as builder
from tests.runtime.pipeline.conftest import conversation, make_channel, say, start, texts, welcome_document
from tests.support.world import publish_document


def _v2():
    doc = welcome_document("Welcome to v2!")
    ask = next(n for n in doc["nodes"] if n["id"] == "ask_email")
    ask["data"]["prompt"] = "E-mail for v2?"
    return doc


def test_conversation_keeps_its_version_and_new_ones_get_the_latest(workspace, owner):
    scenario = publish_document(workspace, "welcome", welcome_document("Welcome to v1!"), owner)
    v1 = scenario.published_version
    channel = make_channel(workspace, scenario)
    early = start(channel, contact="early")
    assert texts(early) == ["Welcome to v1!"]

    v2 = publish_document(workspace, "welcome", _v2(), owner).published_version
    assert v2.number == 2

    # The early customer continues on v1 …
    assert texts(say(channel, button="sales", contact="early")) == ["Your e-mail?"]
    assert conversation(early).version_id == v1.pk
    # … while a new customer starts on v2.
    late = start(channel, contact="late")
    assert texts(late) == ["Welcome to v2!"]
    assert texts(say(channel, button="sales", contact="late")) == ["E-mail for v2?"]
    assert conversation(late).version_id == v2.pk


def test_rollback_does_not_move_running_conversations(workspace, owner):
    scenario = publish_document(workspace, "welcome", welcome_document("Welcome to v1!"), owner)
    publish_document(workspace, "welcome", _v2(), owner)
    channel = make_channel(workspace, scenario)
    on_v2 = start(channel, contact="a")
    builder.rollback(scenario, 1, owner)  # publishes v1's document as v3
    assert texts(say(channel, button="sales", contact="a")) == ["E-mail for v2?"]
    assert texts(start(channel, contact="b")) == ["Welcome to v1!"]
    assert conversation(on_v2).version.number == 2
