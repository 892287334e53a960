"""Users and passwords for tests (hashed with MD5: `fast_password_hashing` in tests/support/fixtures.py)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.test import Client

PASSWORD = "Corr3ct-horse-battery"
FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def make_user(username: str, *, password: str | None = PASSWORD, **extra: Any) -> Any:
    """A user through the real manager; password=None makes one that can only be logged in with force_login."""
    return get_user_model().objects.create_user(username=username, password=password, **extra)


def session_cookie(user: Any) -> str:
    """A logged-in session id for `user`, for websocket and browser tests."""
    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value
