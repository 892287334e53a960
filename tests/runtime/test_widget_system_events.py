"""The widget's `message` frame names a system event, so the visitor reads "X joined the chat" and "The
conversation was resolved." in their own language (the server stores them in English); issue 12, item 4."""

from __future__ import annotations

from runtime.widget import widget_message


def _message(sender: str, payload: dict, text: str = "") -> dict:
    return {"seq": 3, "sender": sender, "direction": "out", "text": text, "payload": payload,
            "operator_name": "Ann Operator", "created_at": "2026-11-30T03:00:00Z"}


def test_a_system_event_carries_its_kind_and_the_operator_name():
    joined = widget_message(_message("system", {"event": "operator_joined", "operator": "Ann Operator"},
                                     "Ann Operator joined the chat"))
    assert joined["event"] == "operator_joined" and joined["event_operator"] == "Ann Operator"
    resolved = widget_message(_message("system", {"event": "resolved"}, "The conversation was resolved."))
    assert resolved["event"] == "resolved" and resolved["event_operator"] is None


def test_other_messages_carry_no_event():
    bot = widget_message(_message("bot", {"event": "resolved", "buttons": []}, "Hi"))
    assert "event" not in bot and "event_operator" not in bot
    plain_system = widget_message(_message("system", {}, "Out of hours"))
    assert "event" not in plain_system
