"""A webhook delivered twice at the same moment is processed once (real threads, real connections)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection
from django.test import Client

from runtime.models import Message

from .conftest import make_world, payload, post_telegram, post_whatsapp


@pytest.fixture
def tworld(transactional_db, double):
    return make_world()


def _race(send, copies: int = 4) -> list[int]:
    barrier = threading.Barrier(copies)
    statuses: list[int] = []
    lock = threading.Lock()

    def worker() -> None:
        try:
            barrier.wait()
            status = send().status_code
            with lock:
                statuses.append(status)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(copies)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return statuses


def test_concurrent_telegram_replays_are_processed_once(tworld):
    statuses = _race(lambda: post_telegram(Client(), tworld, payload("telegram_message")))
    assert statuses == [200, 200, 200, 200]
    assert Message.objects.filter(direction="in", external_id="tg:10000").count() == 1
    assert Message.objects.filter(direction="out", sender="bot").count() == 1


def test_concurrent_whatsapp_replays_are_processed_once(tworld):
    statuses = _race(lambda: post_whatsapp(Client(), tworld, payload("whatsapp_text")))
    assert statuses == [200, 200, 200, 200]
    assert Message.objects.filter(direction="in").count() == 1
    assert Message.objects.filter(direction="out", sender="bot").count() == 1
