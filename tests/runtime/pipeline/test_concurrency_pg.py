"""Concurrency on PostgreSQL: duplicate deliveries at once, and per-conversation ordering when the widget,
an operator and a timer act on the same conversation at the same moment.

SQLite serialises every writer (BEGIN IMMEDIATE), so these races only exist, and are only tested, on
PostgreSQL (CI's PostgreSQL pass sets DATABASE_URL).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.conf import settings
from django.db import connection, transaction

from runtime.models import Contact, Conversation, Message
from runtime.services import append_message, fire_timer, lock_conversation
from tests.runtime.pipeline.conftest import make_channel, say, start
from tests.support.documents import document, node
from tests.support.world import publish_document

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not settings.IS_POSTGRES, reason="row-lock races need PostgreSQL (CI's PostgreSQL pass)"),
    pytest.mark.django_db(transaction=True),
]


def run_at_once(jobs: list[Callable[[], Any]]) -> list[Any]:
    """Run the jobs in threads released together by a barrier; re-raise the first failure."""
    barrier = threading.Barrier(len(jobs))
    results: list[Any] = [None] * len(jobs)
    errors: list[BaseException] = []

    def worker(i: int, job: Callable[[], Any]) -> None:
        try:
            barrier.wait(timeout=30)
            results[i] = job()
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    if errors:
        raise errors[0]
    return results


def test_concurrent_copies_of_a_first_message_are_processed_once(web):
    results = run_at_once([lambda: say(web, "hello", contact="new-visitor", external_id="wamid.1")
                           for _ in range(6)])
    assert sorted(r.duplicate for r in results) == [False] + [True] * 5
    assert len({r.conversation_id for r in results}) == 1
    assert Contact.objects.filter(external_id="new-visitor").count() == 1
    assert Conversation.objects.filter(contact__external_id="new-visitor").count() == 1
    texts = list(Message.objects.filter(conversation_id=results[0].conversation_id).order_by("seq")
                 .values_list("sender", "text"))
    assert texts == [("customer", "hello"), ("bot", "Welcome!")]


def test_concurrent_copies_in_a_running_conversation_are_processed_once(web):
    start(web)
    results = run_at_once([lambda: say(web, button="sales", external_id="tg-77") for _ in range(5)])
    assert sorted(r.duplicate for r in results) == [False] + [True] * 4
    conv = Conversation.objects.get(pk=results[0].conversation_id)
    assert conv.last_seq == 3 and conv.state["node_id"] == "ask_email"


def test_widget_operator_and_timer_at_once_keep_a_gapless_order(workspace, owner):
    doc = document(
        [node("ask", "ask", prompt="Say something", variable="said", kind="text", validation_message="?",
              retries=1, timeout_seconds=3600),
         node("echo", "message", text="got {{said}}"),
         node("late", "message", text="still there?")],
        [("ask", "next", "echo"), ("echo", "next", "ask"), ("ask", "timeout", "late"), ("late", "next", "ask")],
        variables=[{"name": "said", "type": "string"}],
    )
    channel = make_channel(workspace, publish_document(workspace, "echo", doc, owner))
    conv_id = start(channel).conversation_id
    (timer_id, token), = Conversation.objects.get(pk=conv_id).pipeline["timers"].items()

    def customer(prefix: str) -> Callable[[], None]:
        def run() -> None:
            for i in range(4):
                say(channel, f"{prefix}{i}")
        return run

    def operator() -> None:
        for i in range(4):
            with transaction.atomic():
                append_message(lock_conversation(conv_id), sender="operator", text=f"note {i}",
                               direction="internal", user=owner)

    def timer() -> bool:
        return fire_timer(conv_id, timer_id, token)

    results = run_at_once([customer("a"), customer("b"), operator, timer])
    rows = list(Message.objects.filter(conversation_id=conv_id).order_by("seq").values_list("seq", "sender", "text"))
    conv = Conversation.objects.get(pk=conv_id)
    assert [seq for seq, _, _ in rows] == list(range(1, conv.last_seq + 1))  # gapless, unique, none lost
    customer_texts = [t for _, s, t in rows if s == "customer"]
    assert sorted(customer_texts) == sorted([f"a{i}" for i in range(4)] + [f"b{i}" for i in range(4)])
    assert sorted(t for _, s, t in rows if s == "operator") == [f"note {i}" for i in range(4)]
    # Each turn is atomic under the row lock: a customer's message is immediately followed by its own echo.
    for index, (_, sender, text) in enumerate(rows):
        if sender == "customer":
            assert rows[index + 1][1:] == ("bot", f"got {text}")
    fired = results[3]
    assert ("still there?" in [t for _, _, t in rows]) is fired
