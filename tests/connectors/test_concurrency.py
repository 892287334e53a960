"""A webhook delivered twice at the same moment is processed once (real threads, real connections)."""

from __future__ import annotations

import pytest
from django.test import Client

from runtime.models import Message
from tests.support.threads import run_together

from .conftest import make_world, payload, post_telegram, post_whatsapp


@pytest.fixture
def tworld(transactional_db, double):
    return make_world()


def _race(send, copies: int = 4) -> list[int]:
    statuses: list[int] = []
    run_together([lambda: statuses.append(send().status_code)] * copies)  # list.append is atomic
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
