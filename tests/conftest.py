"""Fixtures for the whole suite. Test data is built through the real service functions, not by poking models;
the helpers for it live in tests/support/."""

import os
import tempfile

import pytest

from tests.support.caches import clear_scenario_caches

# Shared fixtures: fast password hashing for every test, and `workspace` / `editor` for the folders that use them.
pytest_plugins = ["tests.support.fixtures"]


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    """SQLite tests use a per-process file database, not shared-cache memory.

    In shared-cache memory, two connections writing at once fail with "database table is locked" instead of
    waiting (busy_timeout does not apply), so thread race tests cannot run. A file behaves like production.
    """
    from django.conf import settings

    db = settings.DATABASES["default"]
    if db["ENGINE"] == "django.db.backends.sqlite3" and not db.get("TEST", {}).get("NAME"):
        name = os.path.join(tempfile.gettempdir(), f"botflow-test-{os.getpid()}.sqlite3")
        db.setdefault("TEST", {})["NAME"] = name


@pytest.fixture(autouse=True)
def _fresh_throttles(settings):
    """Each test starts with no throttle counts (builder.throttle): a key prefix of its own in the cache, so
    counts neither leak between tests nor need a flush of a shared Redis. The limits themselves stay on."""
    import uuid

    settings.CACHES = {"default": {**settings.CACHES["default"], "KEY_PREFIX": f"test-{uuid.uuid4().hex[:12]}"}}


@pytest.fixture(autouse=True)
def _fresh_scenario_cache():
    clear_scenario_caches()
    yield
    clear_scenario_caches()
