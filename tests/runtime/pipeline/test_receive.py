"""receive(): the whole turn, dedupe, starts and restarts, modes, handoff, limits."""

from __future__ import annotations

from django.db import transaction
from django.test import override_settings
from django_tasks_db.models import DBTaskResult

from channels_app.models import AssignmentEvent
from runtime.engine.effects import OPERATOR_BUTTON_ID
from runtime.models import Contact, Conversation, Message
from runtime.pipeline.limits import SLOW_DOWN_TEXT
from tests.runtime.pipeline.conftest import conversation, make_channel, say, start, texts, transcript
from tests.support.documents import document, node
from tests.support.world import publish_document


def test_whole_turn_stores_messages_state_and_contact(web):
    first = start(web, ref="summer_promo")
    assert first.duplicate is False
    assert texts(first) == ["Welcome!"]
    welcome = first.messages[0]
    assert welcome.seq == 1 and welcome.node_id == "welcome" and welcome.direction == Message.Direction.OUT
    assert [b["id"] for b in welcome.payload["buttons"]] == ["sales", "support", OPERATOR_BUTTON_ID]

    pressed = say(web, button="sales")
    assert [(m.sender, m.text) for m in pressed.messages] == [("customer", "Sales"), ("bot", "Your e-mail?")]
    assert pressed.messages[0].payload == {"button_id": "sales"}
    assert pressed.messages[0].node_id == "welcome"  # the node the customer answered

    answered = say(web, "ann@example.com")
    assert texts(answered) == ["Thanks, ann@example.com!", "Bye!"]
    conv = conversation(answered)
    assert conv.mode == Conversation.Mode.CLOSED and conv.closed_at is not None
    assert conv.state["variables"]["email"] == "ann@example.com"
    assert conv.state["variables"]["ref"] == "summer_promo"
    assert conv.ref == "summer_promo" and conv.last_seq == 6
    assert [seq for seq, _, _ in transcript(conv.pk)] == [1, 2, 3, 4, 5, 6]
    assert conv.contact.last_inbound_at is not None


def test_a_message_after_the_end_starts_a_new_conversation(web):
    start(web)
    say(web, button="sales")
    ended = say(web, "ann@example.com")
    again = say(web, "hello again")
    assert again.conversation_id != ended.conversation_id
    assert [(s, t) for _, s, t in transcript(again.conversation_id)] == [("customer", "hello again"), ("bot", "Welcome!")]


def test_first_typed_message_starts_the_scenario_without_being_taken_as_an_answer(web):
    result = say(web, "hi there")
    assert [(m.sender, m.text) for m in result.messages] == [("customer", "hi there"), ("bot", "Welcome!")]
    assert conversation(result).state["waiting"] == "input"


def test_first_message_asking_for_a_person_hands_off_at_once(web):
    result = say(web, "Operator!")
    conv = conversation(result)
    assert conv.mode == Conversation.Mode.QUEUED
    assert conv.handoff["reason"] == "keyword" and conv.department.slug == "support"


def test_silent_restart_is_a_noop_and_a_visible_one_restarts_with_the_new_ref(web):
    start(web)
    say(web, button="sales")
    reconnect = start(web)
    assert reconnect.messages == []
    assert conversation(reconnect).state["node_id"] == "ask_email"

    restarted = say(web, "/start winter", is_start=True, ref="winter")
    assert restarted.conversation_id == reconnect.conversation_id
    assert texts(restarted) == ["Welcome!"]
    conv = conversation(restarted)
    assert conv.ref == "winter" and conv.state["variables"]["ref"] == "winter"


def test_duplicate_delivery_is_processed_once(web):
    start(web)
    first = say(web, button="sales", external_id="tg-update-1")
    again = say(web, button="sales", external_id="tg-update-1")
    assert again.duplicate is True and again.messages == []
    assert again.conversation_id == first.conversation_id
    assert Message.objects.filter(external_id="tg-update-1").count() == 1
    assert [t for _, _, t in transcript(first.conversation_id)] == ["Welcome!", "Sales", "Your e-mail?"]


def test_duplicate_of_a_message_from_a_closed_conversation_touches_nothing(web):
    start(web)
    say(web, button="sales")
    say(web, "ann@example.com", external_id="wa-1")  # ends the conversation
    conversations = Conversation.objects.count()
    again = say(web, "ann@example.com", external_id="wa-1")
    assert again.duplicate is True
    assert Conversation.objects.count() == conversations  # no new conversation was opened for the redelivery


def test_handoff_node_queues_with_context_and_stops_the_bot(web, workspace):
    start(web, ref="ads")
    handed = say(web, button="support")
    conv = conversation(handed)
    assert conv.mode == Conversation.Mode.QUEUED and conv.queued_at is not None
    assert conv.department.slug == "support"
    assert conv.handoff["reason"] == "node" and conv.handoff["node_id"] == "to_support"
    assert conv.handoff["note"] == "From ads"
    assert texts(handed).count("Connecting you…") == 1  # the handoff text reaches the customer once
    assert AssignmentEvent.objects.filter(conversation=conv, kind=AssignmentEvent.Kind.QUEUED).count() == 1

    # Queued: the customer's messages are stored (for the operator) but the bot does not answer.
    waiting = say(web, "hello? anyone?")
    assert [(m.sender, m.text) for m in waiting.messages] == [("customer", "hello? anyone?")]
    assert conversation(waiting).state == conv.state


def test_operator_button_hands_off_from_any_interactive_step(web):
    start(web)
    say(web, button="sales")
    result = say(web, button=OPERATOR_BUTTON_ID)
    conv = conversation(result)
    assert conv.mode == Conversation.Mode.QUEUED and conv.handoff["reason"] == "button"
    assert conv.handoff["node_id"] == "ask_email"


def test_reopen_queue_setting_puts_a_returning_customer_back_in_the_queue(workspace, web):
    workspace.settings = {**workspace.settings, "reopen": "queue"}
    workspace.save(update_fields=["settings"])
    start(web)
    say(web, button="sales")
    ended = say(web, "ann@example.com")
    back = say(web, "one more question")
    assert back.conversation_id == ended.conversation_id
    conv = conversation(back)
    assert conv.mode == Conversation.Mode.QUEUED and conv.handoff["reason"] == "reopened"
    assert conv.closed_at is None
    assert transcript(conv.pk)[-1][1:] == ("customer", "one more question")


@override_settings(INBOUND_MAX_CHARS=20)
def test_too_long_text_gets_a_polite_reply_and_is_not_processed(web):
    start(web)
    say(web, button="sales")
    result = say(web, "x" * 21 + "@example.com")
    assert [m.sender for m in result.messages] == ["customer", "system"]
    assert result.messages[1].text == "Your message is too long (max 20 characters). Please send a shorter message."
    conv = conversation(result)
    assert conv.state["node_id"] == "ask_email" and conv.state["attempts"] == 0  # not taken as an answer
    assert conv.mode == Conversation.Mode.BOT


@override_settings(INBOUND_RATE_PER_MINUTE=3)
def test_flood_gets_one_slow_down_reply_and_extra_messages_skip_the_engine(web):
    start(web)
    replies = [texts(say(web, f"msg {i}"), sender=None) for i in range(5)]
    # Three messages within the limit get the bot's re-prompt; the 4th gets the warning; the 5th nothing.
    assert all(len(r) == 2 for r in replies[:3])
    assert replies[3] == ["msg 3", SLOW_DOWN_TEXT]
    assert replies[4] == ["msg 4"]
    assert Message.objects.filter(direction="in", text__startswith="msg").count() == 5


def test_rolled_back_turn_leaves_no_timer_and_no_message(workspace, owner):
    doc = document([node("hold", "wait", seconds=30), node("done", "message", text="Done"), node("bye", "end")],
                   [("hold", "next", "done"), ("done", "next", "bye")])
    channel = make_channel(workspace, publish_document(workspace, "waiter", doc, owner))
    try:
        with transaction.atomic():
            start(channel)
            assert DBTaskResult.objects.count() == 1
            raise RuntimeError("the caller failed after the turn")
    except RuntimeError:
        pass
    assert DBTaskResult.objects.count() == 0
    assert Conversation.objects.count() == 0 and Contact.objects.count() == 0


def test_channel_without_a_published_scenario_hands_customers_to_people(workspace):
    channel = make_channel(workspace, None)
    result = say(channel, "hello")
    conv = conversation(result)
    assert conv.mode == Conversation.Mode.QUEUED and conv.handoff["reason"] == "no_scenario"


def test_nul_characters_from_any_channel_are_dropped_not_a_database_error(web):
    # PostgreSQL text cannot hold U+0000; a provider or a widget may still send one.
    start(web, contact="visi\x00tor-9", ref="pro\x00mo")
    result = say(web, "hel\x00lo", contact="visi\x00tor-9", external_id="m-\x00nul")
    stored = Message.objects.get(conversation_id=result.conversation_id, direction=Message.Direction.IN)
    assert stored.text == "hello" and stored.external_id == "m-nul"
    assert Contact.objects.filter(external_id="visitor-9").exists()
    assert conversation(result).ref == "promo"
