"""Effects carried out by the pipeline: contact tags and consent, rating, jumps, timers, delivery, release."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from runtime import services
from runtime.connectors import registry
from runtime.connectors.base import DeliveryError
from runtime.models import Conversation, Message
from runtime.services import append_message, fire_timer, lock_conversation, release_to_bot
from tests.runtime.pipeline.conftest import conversation, make_channel, say, start, texts, transcript
from tests.runtime.pipeline.tasks_helper import run_ready_tasks
from tests.support.documents import document, node
from tests.support.world import publish_document


def test_tag_and_rating_update_the_contact_and_the_transcript(workspace, owner):
    doc = document(
        [node("tagging", "tag", add=["lead", "vip"], remove=["cold"], consent="subscribe"),
         node("csat", "rating", prompt="Rate us", ask_comment=False, thanks_text="Thanks!"),
         node("bye", "end")],
        [("tagging", "next", "csat"), ("csat", "next", "bye")],
    )
    channel = make_channel(workspace, publish_document(workspace, "feedback", doc, owner))
    first = start(channel)
    assert texts(first) == ["Rate us"]
    contact = conversation(first).contact
    assert contact.tags == ["lead", "vip"] and contact.subscribed is True and contact.consent_changed_at

    rated = say(channel, button="rate-4")
    conv = conversation(rated)
    assert conv.contact.attributes["last_rating"]["score"] == 4
    note = Message.objects.get(conversation=conv, sender=Message.Sender.SYSTEM, payload__rating=4)
    assert note.direction == Message.Direction.INTERNAL and note.node_id == "csat"
    assert conv.mode == Conversation.Mode.CLOSED


def test_jump_to_another_scenario_runs_its_published_version(workspace, owner):
    faq_v1 = document([node("q", "buttons", text="FAQ v1", buttons=[{"id": "a", "label": "A"}]),
                       node("bye", "end")], [("q", "a", "bye")])
    faq = publish_document(workspace, "faq", faq_v1, owner)
    published = faq.published_version
    # A newer draft of the target that is not published must not be what the customer sees.
    from builder import services as builder

    builder.save_draft(faq, document([node("q", "message", text="FAQ draft"), node("bye", "end")],
                                     [("q", "next", "bye")]), faq.revision, owner)
    main = document([node("hello", "message", text="Hi!"), node("go", "jump", scenario="faq")],
                    [("hello", "next", "go")])
    channel = make_channel(workspace, publish_document(workspace, "main", main, owner))
    result = start(channel, ref="promo")
    assert texts(result) == ["Hi!", "FAQ v1"]
    conv = conversation(result)
    assert conv.scenario_id == faq.pk and conv.version_id == published.pk
    assert conv.state["node_id"] == "q" and conv.state["variables"]["ref"] == "promo"
    assert texts(say(channel, button="a")) == []
    assert conversation(result).mode == Conversation.Mode.CLOSED


def test_jump_ping_pong_is_bounded_and_hands_off(workspace, owner):
    ping = document([node("p", "message", text="ping"), node("j", "jump", scenario="pong")], [("p", "next", "j")])
    pong = document([node("p", "message", text="pong"), node("j", "jump", scenario="ping")], [("p", "next", "j")])
    builder_ping = publish_document(workspace, "ping", document([node("x", "end")]), owner)
    publish_document(workspace, "pong", pong, owner)
    publish_document(workspace, "ping", ping, owner)
    channel = make_channel(workspace, builder_ping)
    conv = conversation(start(channel))
    assert conv.mode == Conversation.Mode.QUEUED and conv.handoff["reason"] == "error"
    assert Message.objects.filter(conversation=conv, payload__error="jump_limit").exists()


def _wait_doc(seconds: int = 60):
    return document([node("hold", "message", text="Please wait"), node("pause", "wait", seconds=seconds),
                     node("done", "message", text="Done"), node("bye", "end")],
                    [("hold", "next", "pause"), ("pause", "next", "done"), ("done", "next", "bye")])


def test_wait_node_schedules_a_timer_that_fires_through_the_task(workspace, owner):
    channel = make_channel(workspace, publish_document(workspace, "waiter", _wait_doc(60), owner))
    result = start(channel)
    assert texts(result) == ["Please wait"]
    task = DBTaskResult.objects.get()
    assert task.task_path == "runtime.tasks.fire_timer"
    assert task.run_after >= timezone.now() + dt.timedelta(seconds=55)
    assert run_ready_tasks() == []  # not due yet
    with time_machine.travel(timezone.now() + dt.timedelta(seconds=61)):
        ran = run_ready_tasks()
    assert [t.status for t in ran] == ["SUCCESSFUL"] and ran[0].return_value is True
    assert [t for _, _, t in transcript(result.conversation_id)] == ["Please wait", "Done"]
    assert conversation(result).mode == Conversation.Mode.CLOSED


def test_stale_timer_is_a_noop(workspace, owner):
    doc = document(
        [node("ask", "ask", prompt="Name?", variable="name", kind="text", validation_message="?", retries=1,
              timeout_seconds=30),
         node("hi", "message", text="Hi {{name}}"), node("late", "message", text="Too slow"), node("bye", "end")],
        [("ask", "next", "hi"), ("ask", "timeout", "late"), ("hi", "next", "bye"), ("late", "next", "bye")],
        variables=[{"name": "name", "type": "string"}],
    )
    channel = make_channel(workspace, publish_document(workspace, "asker", doc, owner))
    result = start(channel)
    (timer_id, token), = conversation(result).pipeline["timers"].items()
    say(channel, "Ann")  # answered before the timeout: the timer is stale now
    assert fire_timer(result.conversation_id, timer_id, token) is False
    assert fire_timer(result.conversation_id, "made-up", None) is False
    assert [t for _, _, t in transcript(result.conversation_id)] == ["Name?", "Ann", "Hi Ann"]


def test_a_rescheduled_timer_only_fires_with_its_latest_token(workspace, owner):
    doc = document(
        [node("ask", "ask", prompt="Number?", variable="n", kind="number", validation_message="A number please",
              retries=3, timeout_seconds=30),
         node("ok", "message", text="Got {{n}}"), node("late", "message", text="Too slow"), node("bye", "end")],
        [("ask", "next", "ok"), ("ask", "timeout", "late"), ("ok", "next", "bye"), ("late", "next", "bye")],
        variables=[{"name": "n", "type": "number"}],
    )
    channel = make_channel(workspace, publish_document(workspace, "numbers", doc, owner))
    result = start(channel)
    old = dict(conversation(result).pipeline["timers"])
    say(channel, "not a number")  # re-prompt restarts the timeout
    new = conversation(result).pipeline["timers"]
    assert len(old) == 1 and len(new) == 1 and new != old
    for timer_id, token in old.items():
        assert fire_timer(result.conversation_id, timer_id, token) is False
    (timer_id, token), = new.items()
    assert fire_timer(result.conversation_id, timer_id, token) is True
    assert transcript(result.conversation_id)[-1][2] == "Too slow"
    assert conversation(result).mode == Conversation.Mode.CLOSED


def test_end_closes_and_forgets_pending_work(workspace, owner):
    channel = make_channel(workspace, publish_document(workspace, "waiter", _wait_doc(60), owner))
    result = start(channel)
    conv = conversation(result)
    with transaction.atomic():
        locked = lock_conversation(conv.pk)
        locked.mode = Conversation.Mode.CLOSED
        locked.save(update_fields=["mode"])
    (timer_id, token), = conv.pipeline["timers"].items()
    assert fire_timer(conv.pk, timer_id, token) is False  # closed conversations ignore timers


class FakeConnector:
    def __init__(self, failures: list[DeliveryError] | None = None) -> None:
        self.sent: list[str] = []
        self.failures = list(failures or [])

    def send(self, channel, message) -> str:
        if self.failures:
            raise self.failures.pop(0)
        self.sent.append(message.text)
        return f"provider-{message.pk}"


@pytest.fixture
def saved_registry():
    """Tests swap connectors; the real ones (registered at app start) come back afterwards."""
    saved = dict(registry._connectors)
    yield
    registry._connectors.clear()
    registry._connectors.update(saved)


@pytest.fixture
def telegram_connector(saved_registry):
    connector = FakeConnector()
    registry.register("telegram", connector)
    return connector


def test_messenger_messages_are_delivered_by_a_task(workspace, welcome, telegram_connector):
    channel = make_channel(workspace, welcome, kind="telegram")
    result = start(channel, contact="chat-42")
    message = result.messages[0]
    assert message.delivery == Message.Delivery.PENDING
    ran = run_ready_tasks()
    assert [t.task_path for t in ran] == ["runtime.tasks.deliver_message"]
    message.refresh_from_db()
    assert message.delivery == Message.Delivery.SENT and message.external_id == f"provider-{message.pk}"
    assert telegram_connector.sent == ["Welcome!"]


def test_delivery_retries_transient_errors_with_backoff_and_gives_up_on_permanent_ones(workspace, welcome,
                                                                                       telegram_connector):
    telegram_connector.failures = [DeliveryError("429 too many requests"), DeliveryError("blocked", retry=False)]
    channel = make_channel(workspace, welcome, kind="telegram")
    message = start(channel, contact="chat-42").messages[0]
    assert [t.return_value for t in run_ready_tasks()] == ["retrying"]
    retry = DBTaskResult.objects.ready().first()
    assert retry is None  # the retry waits for its backoff
    with time_machine.travel(timezone.now() + dt.timedelta(seconds=6)):
        assert [t.return_value for t in run_ready_tasks()] == ["failed"]
    message.refresh_from_db()
    assert message.delivery == Message.Delivery.FAILED and message.delivery_error == "blocked"


def test_web_messages_need_no_delivery_task(web):
    result = start(web)
    assert result.messages[0].delivery == Message.Delivery.SENT
    assert not DBTaskResult.objects.exists()


def test_append_message_continues_the_sequence(web, owner):
    result = start(web)
    with transaction.atomic():
        locked = lock_conversation(result.conversation_id)
        note = append_message(locked, sender="operator", text="internal note", direction="internal", user=owner)
        reply = append_message(locked, sender="operator", text="Hello from a person", direction="out", user=owner)
    assert (note.seq, reply.seq) == (2, 3)
    assert conversation(result).last_seq == 3
    assert say(web, button="sales").messages[0].seq == 4


def test_release_to_bot_resumes_at_the_chosen_node(web):
    start(web)
    queued = say(web, button="support")
    assert conversation(queued).mode == Conversation.Mode.QUEUED
    sent = release_to_bot(queued.conversation_id, "ask_email")
    assert [m.text for m in sent] == ["Your e-mail?"]
    conv = conversation(queued)
    assert conv.mode == Conversation.Mode.BOT and conv.state["node_id"] == "ask_email"
    assert texts(say(web, "ann@example.com")) == ["Thanks, ann@example.com!", "Bye!"]


def test_unknown_connector_marks_the_message_failed(workspace, welcome, saved_registry):
    registry.unregister("whatsapp")
    channel = make_channel(workspace, welcome, kind="whatsapp")
    message = start(channel, contact="+4400").messages[0]
    assert services.deliver(message.pk) == "failed"
    message.refresh_from_db()
    assert message.delivery == Message.Delivery.FAILED


def test_a_timer_abandoned_by_a_dead_worker_is_requeued_and_fires_once(workspace, owner):
    from django.core.management import call_command

    channel = make_channel(workspace, publish_document(workspace, "waiter", _wait_doc(1), owner))
    result = start(channel)
    task = DBTaskResult.objects.get()
    with time_machine.travel(timezone.now() - dt.timedelta(minutes=30)):
        task.claim("worker-that-died")  # claimed, then the process was killed before running it
    assert run_ready_tasks() == []
    call_command("recover_tasks")
    with time_machine.travel(timezone.now() + dt.timedelta(seconds=2)):
        ran = run_ready_tasks()
    assert [t.return_value for t in ran] == [True]
    # Re-running the same (already applied) timer is a no-op, so recovery can never fire it twice.
    (timer_id, token) = ran[0].args_kwargs["args"][1:]
    assert fire_timer(result.conversation_id, timer_id, token) is False
    assert [t for _, _, t in transcript(result.conversation_id)] == ["Please wait", "Done"]


def test_business_hours_of_the_handoff_department_reach_the_scenario(workspace, owner):
    from channels_app.services import create_department

    create_department(workspace, name="Night desk", slug="night", business_hours_spec={"timezone": "UTC", "weekly": {}})

    def doc(department: str):
        return document(
            [node("check", "condition", rules=[{"id": "open", "expression": "business_hours"}]),
             node("open", "message", text="We are open"), node("closed", "message", text="We are closed"),
             node("bye", "end")],
            [("check", "open", "open"), ("check", "else", "closed"), ("open", "next", "bye"),
             ("closed", "next", "bye")],
            settings={"operator_button": {"department": department}},
        )

    night = make_channel(workspace, publish_document(workspace, "night", doc("night"), owner))
    day = make_channel(workspace, publish_document(workspace, "day", doc("support"), owner))
    assert texts(start(night)) == ["We are closed"]  # a schedule with no opening hours is never open
    assert texts(start(day)) == ["We are open"]  # no schedule = always open


def test_whatsapp_messages_after_the_24_hour_window_take_the_outside_window_port(workspace, owner):
    doc = document(
        [node("hello", "message", text="Hi"), node("pause", "wait", seconds=60),
         node("reminder", "message", text="Free-form reminder"),
         node("template", "message", text="Template reminder"), node("bye", "end")],
        [("hello", "next", "pause"), ("pause", "next", "reminder"), ("reminder", "next", "bye"),
         ("reminder", "outside_window", "template"), ("template", "next", "bye")],
    )
    channel = make_channel(workspace, publish_document(workspace, "remind", doc, owner), kind="whatsapp")
    inside = say(channel, "hi", contact="+100")
    outside = say(channel, "hi", contact="+200")
    conversation(outside).contact.__class__.objects.filter(external_id="+200").update(
        last_inbound_at=timezone.now() - dt.timedelta(hours=25))
    for result in (inside, outside):
        (timer_id, token), = conversation(result).pipeline["timers"].items()
        assert fire_timer(result.conversation_id, timer_id, token) is True
    assert transcript(inside.conversation_id)[-1][2] == "Free-form reminder"
    assert transcript(outside.conversation_id)[-1][2] == "Template reminder"
