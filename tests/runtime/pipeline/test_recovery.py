"""Work a killed worker leaves behind is recovered by the workers still running, on their own.

Real `db_worker` processes, SIGKILLed at a deterministic point: while the provider double or a loopback server
holds their request open, or (PostgreSQL) while the test holds the conversation row locked under a timer.
The lease is short (TASK_LEASE_SECONDS=2) so the running worker notices the dead one quickly.
"""

from __future__ import annotations

import threading

import pytest
from django.db import connection, transaction
from django_tasks_db.models import DBTaskResult

from runtime.models import Message
from runtime.services import UNKNOWN_OUTCOME, lock_conversation
from tests.runtime.pipeline.conftest import http_document, make_channel, start, waiter_document
from tests.runtime.pipeline.live_workers import wait_for, wait_until
from tests.support.world import publish_document

pytestmark = pytest.mark.django_db(transaction=True)
LEASE = 2


def _task(path: str) -> DBTaskResult:
    return DBTaskResult.objects.get(task_path=path)


def _finished(path: str, *procs) -> DBTaskResult:
    # The task's row is marked after its work committed: wait for it too.
    return wait_until(lambda: DBTaskResult.objects.filter(task_path=path, status__in=("SUCCESSFUL", "FAILED"))
                      .first(), f"{path} finished", *procs)


def test_an_http_node_cut_by_a_killed_worker_is_retried_by_a_running_one_with_the_same_key(
        workspace, owner, workers, holding_server):
    url = holding_server.url("/orders/42")
    channel = make_channel(workspace, publish_document(workspace, "orders", http_document(url), owner))
    held = holding_server.hold_next("/orders/42")
    result = start(channel)
    env = {"TASK_LEASE_SECONDS": LEASE, "HTTP_NODE_ALLOW_PRIVATE": 1}
    first = workers("io", **env)
    wait_for(held.arrived, "the first worker's request reached the server", first)
    assert _task("runtime.tasks.perform_http_request").status == "RUNNING"

    second = workers("io", **env)  # running and idle: the only task is the first worker's
    first.kill()
    held.release()  # answered into the dead worker's closed socket

    done = Message.objects.filter(conversation_id=result.conversation_id, text="Your order is shipped.")
    wait_until(done.exists, "a running worker re-ran the node", second)
    requests = holding_server.seen("/orders/42")
    assert len(requests) == 2
    keys = [r.headers.get("idempotency-key") for r in requests]
    assert keys[0] and keys[0] == keys[1], keys  # the receiving system can drop the second one
    assert str(result.conversation_id) in keys[0]
    task = _finished("runtime.tasks.perform_http_request", second)
    assert task.status == "SUCCESSFUL" and len(task.worker_ids) == 2 and task.worker_ids[0] != task.worker_ids[1]
    assert done.count() == 1


@pytest.mark.parametrize("resend", [False, True], ids=["default-policy", "resend-policy"])
def test_a_telegram_send_cut_by_a_killed_worker_ends_in_a_definite_state(workers, telegram, resend):
    double, channel = telegram
    held = double.hold_next("sendMessage")
    result = start(channel, contact="4242")
    message = Message.objects.get(conversation_id=result.conversation_id, text="Hello from the bot")
    assert message.delivery == Message.Delivery.PENDING
    env = {"TASK_LEASE_SECONDS": LEASE, "TELEGRAM_API_BASE": double.url, "DELIVERY_RESEND_UNKNOWN": int(resend)}
    first = workers("live", **env)
    wait_for(held.arrived, "the worker called sendMessage", first)
    message.refresh_from_db()
    assert message.delivery == Message.Delivery.SENDING  # committed before the provider was called
    first.kill()
    held.release()
    wait_for(held.answered, "Telegram processed the message")  # it reached the chat; our worker never heard back

    second = workers("live", **env)

    def settled() -> Message | None:
        message.refresh_from_db()
        return message if message.delivery not in (Message.Delivery.PENDING, Message.Delivery.SENDING) else None

    wait_until(settled, "the message reached a definite state", second)
    task = _finished("runtime.tasks.deliver_message", second)
    sends = double.calls("sendMessage")
    if resend:  # at-least-once, by choice: sent again, the customer got it twice
        assert (message.delivery, task.return_value, len(sends)) == ("sent", "sent", 2)
        assert message.external_id
    else:  # the default: never sent twice by us; operators see "delivery unknown"
        assert (message.delivery, task.return_value, len(sends)) == ("unknown", "unknown", 1)
        assert message.delivery_error == UNKNOWN_OUTCOME
    assert task.status == "SUCCESSFUL" and len(task.worker_ids) == 2


def test_a_timer_whose_worker_died_mid_run_fires(workspace, owner, workers):
    if connection.vendor != "postgresql":
        pytest.skip("needs row locks to stop a worker inside a timer (PostgreSQL); SQLite serialises the claim "
                    "itself — the HTTP and Telegram kill tests cover the same recovery on SQLite")
    channel = make_channel(workspace, publish_document(workspace, "waiter", waiter_document(1), owner))
    result = start(channel)
    locked, release = threading.Event(), threading.Event()

    def hold_the_conversation() -> None:
        try:
            with transaction.atomic():
                lock_conversation(result.conversation_id)
                locked.set()
                release.wait(120)
        finally:
            connection.close()

    holder = threading.Thread(target=hold_the_conversation, daemon=True)
    holder.start()
    wait_for(locked, "the test holds the conversation row")
    first = workers("live", TASK_LEASE_SECONDS=LEASE)
    # RUNNING while the row is locked: the worker is inside fire_timer, blocked on the lock.
    wait_until(lambda: _task("runtime.tasks.fire_timer").status == "RUNNING", "the worker took the timer", first)
    first.kill()
    release.set()
    holder.join(30)

    second = workers("live", TASK_LEASE_SECONDS=LEASE)
    done = Message.objects.filter(conversation_id=result.conversation_id, text="Done waiting")
    wait_until(done.exists, "the timer fired on the running worker", second)
    task = _finished("runtime.tasks.fire_timer", second)
    assert task.status == "SUCCESSFUL" and task.return_value is True and len(task.worker_ids) == 2
    assert done.count() == 1
