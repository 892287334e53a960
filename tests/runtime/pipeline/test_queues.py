"""No head-of-line blocking: a slow HTTP node (held open by a loopback server until the test lets it go) does
not hold back another conversation's timer or a Telegram delivery, because they run on the `live` queue with
its own worker while the `io` worker waits. Real db_worker processes, one per queue, as `make run` starts them.
No timing: the timer's message and the delivery are checked while the HTTP request is still open."""

from __future__ import annotations

import pytest
from django.conf import settings
from django_tasks_db.models import DBTaskResult

from runtime import tasks
from runtime.models import Message
from tests.runtime.pipeline.conftest import http_document, make_channel, start, waiter_document
from tests.runtime.pipeline.live_workers import wait_for, wait_until
from tests.support.world import publish_document

pytestmark = pytest.mark.django_db(transaction=True)


def test_every_task_names_a_configured_queue():
    queues = {t.queue_name for t in (tasks.fire_timer, tasks.deliver_message, tasks.perform_http_request,
                                     tasks.purge_previews)}
    assert queues == set(settings.TASKS["default"]["QUEUES"]) == {"live", "io", "bulk"}
    assert tasks.perform_http_request.queue_name != tasks.fire_timer.queue_name == tasks.deliver_message.queue_name


def test_a_slow_http_node_does_not_hold_back_another_conversations_timer_or_delivery(
        workspace, owner, workers, holding_server, telegram):
    double, messenger = telegram
    slow = make_channel(workspace, publish_document(
        workspace, "orders", http_document(holding_server.url("/orders/42")), owner))
    waiter = make_channel(workspace, publish_document(workspace, "waiter", waiter_document(1), owner))
    held = holding_server.hold_next("/orders/42")
    env = {"HTTP_NODE_ALLOW_PRIVATE": 1, "TELEGRAM_API_BASE": double.url}
    io = workers("io", **env)
    live = workers("live", **env)

    blocked = start(slow, contact="slow-visitor")
    wait_for(held.arrived, "the HTTP node's request is in flight", io)

    waiting = start(waiter, contact="waiting-visitor")
    greeted = start(messenger, contact="4242")
    done = Message.objects.filter(conversation_id=waiting.conversation_id, text="Done waiting")
    hello = Message.objects.filter(conversation_id=greeted.conversation_id, text="Hello from the bot")
    wait_until(lambda: done.exists() and hello.filter(delivery=Message.Delivery.SENT).exists(),
               "the timer fired and the Telegram message was sent", io, live)

    # Both happened while the HTTP request was still open: the server has not answered it yet.
    assert not held.released.is_set() and not held.answered.is_set()
    assert DBTaskResult.objects.get(task_path="runtime.tasks.perform_http_request").status == "RUNNING"
    assert [c.body["text"] for c in double.calls("sendMessage")] == ["Hello from the bot"]
    shipped = Message.objects.filter(conversation_id=blocked.conversation_id, text="Your order is shipped.")
    assert not shipped.exists()

    held.release()
    wait_until(shipped.exists, "the slow conversation went on once its HTTP call answered", io)
