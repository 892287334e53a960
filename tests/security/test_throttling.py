"""Throttles (README "What is throttled"): sign-in per account and per address with a lockout window and HTTP 429,
new widget conversations per address, and a widget visitor's message budget that survives reconnects.

Limits are lowered per test through settings; time moves with time-machine, never with sleeps.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest
import time_machine
from channels.db import database_sync_to_async
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from runtime.models import Contact, Conversation, Message
from tests.channels_app.conftest import make_world, refusal
from tests.security._widget import drain, inbound_texts, open_session, widget_socket
from tests.support.users import PASSWORD, make_user

LOCKOUT = 600


@pytest.fixture
def limits(settings):
    settings.LOGIN_FAILURES_PER_ACCOUNT = 3
    settings.LOGIN_FAILURES_PER_IP = 5
    settings.LOGIN_LOCKOUT_SECONDS = LOCKOUT
    return settings


@pytest.fixture
def users(db, limits):
    return [make_user(name) for name in ("eddie", "fay")]


def later(seconds: int) -> time_machine.travel:
    return time_machine.travel(timezone.now() + dt.timedelta(seconds=seconds), tick=True)


def login(username: str, password: str, ip: str = "192.0.2.10", **headers: str):
    return Client().post("/login/", {"username": username, "password": password}, REMOTE_ADDR=ip, **headers)


def token(username: str, password: str, ip: str = "192.0.2.10"):
    return APIClient().post("/api/auth/token/", {"username": username, "password": password}, format="json",
                            REMOTE_ADDR=ip)


# --- sign-in ------------------------------------------------------------------------------------------------------


def test_an_account_is_locked_after_failures_then_recovers_after_the_window(users):
    for _ in range(2):
        assert login("eddie", "wrong").status_code == 200
    assert login("eddie", "wrong").status_code == 429  # the failure that reaches the limit already says so
    # Even the right password is refused while locked, from any address, with a clear message and Retry-After.
    locked = login("eddie", PASSWORD, ip="198.51.100.1")
    assert locked.status_code == 429
    assert 0 < int(locked["Retry-After"]) <= LOCKOUT
    assert "Too many failed sign-in attempts" in locked.content.decode()
    assert "_auth_user_id" not in locked.wsgi_request.session
    # Other accounts are not affected.
    assert login("fay", PASSWORD).status_code == 302
    with later(LOCKOUT + 1):
        assert login("eddie", PASSWORD).status_code == 302


def test_the_lockout_message_is_in_the_visitors_language(users):
    for _ in range(3):
        login("eddie", "wrong")
    page = login("eddie", PASSWORD, HTTP_ACCEPT_LANGUAGE="ru")
    assert page.status_code == 429
    assert "Слишком много неудачных попыток входа" in page.content.decode()


def test_an_address_is_locked_after_failures_across_accounts(users):
    for i in range(5):
        login(f"nobody{i}", "guess", ip="203.0.113.50")
    blocked = login("fay", PASSWORD, ip="203.0.113.50")
    assert blocked.status_code == 429 and int(blocked["Retry-After"]) > 0
    # The same account from another address signs in.
    assert login("fay", PASSWORD, ip="203.0.113.51").status_code == 302
    with later(LOCKOUT + 1):
        assert login("fay", PASSWORD, ip="203.0.113.50").status_code == 302


def test_a_correct_password_clears_the_accounts_failures(users):
    for _ in range(2):
        login("eddie", "wrong")
    assert login("eddie", PASSWORD).status_code == 302
    for _ in range(2):
        login("eddie", "wrong")
    assert login("eddie", PASSWORD).status_code == 302


def test_the_token_endpoint_is_throttled_with_a_json_429(users):
    for _ in range(2):
        assert token("eddie", "wrong").status_code == 400
    assert token("eddie", "wrong").status_code == 429
    locked = token("eddie", PASSWORD)
    assert locked.status_code == 429
    assert 0 < int(locked["Retry-After"]) <= LOCKOUT
    [error] = locked.json()["errors"]
    assert error["code"] == "throttled" and "Try again in" in error["message"]
    with later(LOCKOUT + 1):
        assert token("eddie", PASSWORD).status_code == 200


def test_failures_on_the_token_endpoint_lock_the_login_page_too(users):
    """One count per account, whichever door the password is tried at (the admin login included)."""
    token("eddie", "wrong")
    login("eddie", "wrong")
    Client().post("/admin/login/", {"username": "eddie", "password": "wrong"}, REMOTE_ADDR="192.0.2.10")
    assert login("eddie", PASSWORD).status_code == 429
    assert token("eddie", PASSWORD).status_code == 429
    admin = Client()
    admin.post("/admin/login/", {"username": "eddie", "password": PASSWORD}, REMOTE_ADDR="192.0.2.99")
    assert "_auth_user_id" not in admin.session


# --- widget: new conversations per address ------------------------------------------------------------------------


@pytest.fixture
def world(transactional_db):
    return make_world()


@database_sync_to_async
def counts() -> tuple[int, int, int]:
    return Contact.objects.count(), Conversation.objects.count(), Message.objects.count()


@pytest.mark.django_db(transaction=True)
async def test_new_widget_conversations_are_limited_per_address(world, settings):
    settings.WIDGET_NEW_CONVERSATIONS_PER_IP_PER_MINUTE = 3
    sessions = []
    for _ in range(3):
        socket, session = await open_session(world.channel, ip="203.0.113.7")
        sessions.append(session)
        await socket.disconnect()
    before = await counts()

    error = await refusal(widget_socket(world.channel, ip="203.0.113.7"), "rate_limited", 4429)
    assert "wait a minute" in error["message"]
    assert await counts() == before  # nothing created

    # Another address starts a chat; a returning visitor from the limited address resumes theirs.
    other, _ = await open_session(world.channel, ip="203.0.113.8")
    await other.disconnect()
    back, resumed = await open_session(world.channel, f"token={sessions[0]['token']}&last_seq=0", ip="203.0.113.7")
    assert resumed["conversation_id"] == sessions[0]["conversation_id"]
    await back.disconnect()

    with later(61):
        again, session = await open_session(world.channel, ip="203.0.113.7")
        assert session["conversation_id"] not in {s["conversation_id"] for s in sessions}
        await again.disconnect()


# --- widget: a visitor's message budget survives reconnects --------------------------------------------------------


@pytest.mark.django_db(transaction=True)
async def test_reconnecting_does_not_reset_a_visitors_message_budget(world, settings):
    settings.WIDGET_MESSAGES_PER_MINUTE = 4
    first, session = await open_session(world.channel)
    for i in range(3):
        await first.send_json_to({"type": "message", "text": f"m{i}", "client_id": f"c{i}"})
    await drain(first)
    await first.disconnect()

    # A new socket starts a fresh per-socket bucket; the visitor's budget (1 left) is what it was.
    query = f"token={session['token']}&last_seq=0"
    second, _ = await open_session(world.channel, query)
    await drain(second)
    await second.send_json_to({"type": "message", "text": "m3", "client_id": "c3"})
    await second.send_json_to({"type": "message", "text": "m4", "client_id": "c4"})
    frames = await drain(second)
    [error] = [f for f in frames if f["type"] == "error"]
    assert error["code"] == "rate_limited" and error["client_id"] == "c4"
    # A parallel socket of the same visitor shares the budget.
    third, _ = await open_session(world.channel, query)
    await drain(third)
    await third.send_json_to({"type": "button", "button_id": "faq", "client_id": "c5"})
    assert [f["code"] for f in await drain(third) if f["type"] == "error"] == ["rate_limited"]
    assert await inbound_texts(session["conversation_id"]) == ["m0", "m1", "m2", "m3"]

    # Another visitor has a budget of their own; the next minute, this one may write again.
    other, other_session = await open_session(world.channel)
    await other.send_json_to({"type": "message", "text": "hi", "client_id": "c4"})
    await drain(other)
    assert await inbound_texts(other_session["conversation_id"]) == ["hi"]
    with later(61):
        await third.send_json_to({"type": "message", "text": "m6", "client_id": "c6"})
        await drain(third)
    assert await inbound_texts(session["conversation_id"]) == ["m0", "m1", "m2", "m3", "m6"]
    for socket in (second, third, other):
        await socket.disconnect()


def test_throttles_fail_open_when_the_cache_is_unreachable(users, settings, monkeypatch):
    """A Redis outage must not lock anyone out nor refuse customers' messages: nothing is throttled meanwhile."""
    import socket

    from builder import throttle

    monkeypatch.setattr(throttle, "_paused_until", throttle._paused_until)  # restored after the test
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed again: nothing listens there
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                   "LOCATION": f"redis://127.0.0.1:{port}/0",
                                   "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}}}
    for _ in range(4):
        assert login("eddie", "wrong").status_code == 200
    assert login("eddie", PASSWORD).status_code == 302
    assert not throttle.over_limit("widget-new", "203.0.113.7", 1, 60)


def test_the_async_sign_in_path_is_throttled_too(users):
    from asgiref.sync import async_to_sync
    from django.contrib.auth import aauthenticate
    from django.test import RequestFactory

    for _ in range(3):
        login("eddie", "wrong")
    request = RequestFactory().post("/login/", REMOTE_ADDR="192.0.2.10")
    assert async_to_sync(aauthenticate)(request, username="eddie", password=PASSWORD) is None
    assert async_to_sync(aauthenticate)(request, username="fay", password=PASSWORD) is not None


# --- settings ------------------------------------------------------------------------------------------------------


def _settings_in_subprocess(**env: str) -> subprocess.CompletedProcess[str]:
    code = ("import os; os.environ['DJANGO_SETTINGS_MODULE']='channels_app.settings';"
            "from channels_app import settings as s;"
            "print(s.CACHES['default']['BACKEND'], s.WIDGET_MESSAGES_PER_MINUTE, s.LOGIN_FAILURES_PER_ACCOUNT)")
    clean = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "DATABASE_URL"}}
    return subprocess.run([sys.executable, "-c", code], cwd=Path(__file__).resolve().parents[2],
                          env={**clean, **env}, capture_output=True, text=True, timeout=60)


def test_the_cache_is_shared_redis_with_redis_url_and_limits_are_parsed_strictly():
    assert "locmem.LocMemCache 60 5" in _settings_in_subprocess().stdout
    shared = _settings_in_subprocess(REDIS_URL="redis://127.0.0.1:6379/9", WIDGET_MESSAGES_PER_MINUTE="120")
    assert "redis.RedisCache 120 5" in shared.stdout, shared.stderr
    bad = _settings_in_subprocess(WIDGET_MESSAGES_PER_MINUTE="lots")
    assert bad.returncode != 0 and "WIDGET_MESSAGES_PER_MINUTE='lots' is not an integer" in bad.stderr
    zero = _settings_in_subprocess(LOGIN_FAILURES_PER_ACCOUNT="0")
    assert zero.returncode != 0 and "LOGIN_FAILURES_PER_ACCOUNT=0 must be >= 1" in zero.stderr
