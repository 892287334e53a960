"""Settings are parsed strictly from the environment; a bad value stops startup naming the variable."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def load_settings(**env: str) -> subprocess.CompletedProcess:
    """Import the settings module in a fresh interpreter with exactly this environment."""
    clean = {k: v for k, v in os.environ.items() if k not in {
        "DEBUG", "SECRET_KEY", "DATABASE_URL", "REDIS_URL", "ALLOWED_HOSTS", "HTTP_NODE_ALLOW_PRIVATE"}}
    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='channels_app.settings'; django.setup();"
        "from django.conf import settings as s; from django.core.management import call_command;"
        "print(s.DATABASES['default']['ENGINE'], s.CHANNEL_LAYERS['default']['BACKEND']);"
        "call_command('check')"
    )
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env={**clean, **env}, capture_output=True,
                          text=True, timeout=60)


def test_embedded_default_is_sqlite_and_in_memory_layer():
    out = load_settings()
    assert out.returncode == 0, out.stderr
    assert "django.db.backends.sqlite3 channels.layers.InMemoryChannelLayer" in out.stdout


def test_database_and_redis_urls_switch_to_postgres_and_pubsub():
    out = load_settings(DATABASE_URL="postgres://u@127.0.0.1:5432/x", REDIS_URL="redis://127.0.0.1:6379/0")
    # Our layer is channels_redis's PubSub layer with outage reporting (runtime/realtime/layer.py).
    assert "django.db.backends.postgresql runtime.realtime.layer.RedisPubSubLayer" in out.stdout
    from channels_redis.pubsub import RedisPubSubChannelLayer

    from runtime.realtime.layer import RedisPubSubLayer

    assert issubclass(RedisPubSubLayer, RedisPubSubChannelLayer)


def test_a_sqlite_database_url_gets_the_same_sqlite_options(tmp_path):
    # Without WAL, IMMEDIATE and the busy timeout, concurrent writers fail with "database is locked".
    code = ("import json, os; os.environ['DJANGO_SETTINGS_MODULE']='channels_app.settings';"
            "from channels_app import settings as s; print(json.dumps(s.DATABASES['default']['OPTIONS']))")
    clean = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "SQLITE_PATH"}}
    options = {}
    for env in ({"DATABASE_URL": f"sqlite:///{tmp_path}/x.sqlite3"}, {"SQLITE_PATH": str(tmp_path / "y.sqlite3")}):
        out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env={**clean, **env}, capture_output=True,
                             text=True, timeout=60)
        assert out.returncode == 0, out.stderr
        options[next(iter(env))] = json.loads(out.stdout.strip().splitlines()[-1])
    assert options["DATABASE_URL"] == options["SQLITE_PATH"]
    assert options["DATABASE_URL"]["transaction_mode"] == "IMMEDIATE"
    assert "journal_mode=WAL" in options["DATABASE_URL"]["init_command"]


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"DEBUG": "maybe"}, "DEBUG='maybe' is not a boolean"),
        ({"DATABASE_URL": "mysql://x/y"}, "DATABASE_URL='mysql://x/y' is not a valid URL"),
        ({"REDIS_URL": "localhost:6379"}, "REDIS_URL='localhost:6379' is not a valid URL"),
        ({"DEBUG": "0"}, "SECRET_KEY must be set when DEBUG is off"),
        ({"INBOUND_MAX_CHARS": "lots"}, "INBOUND_MAX_CHARS='lots' is not an integer"),
    ],
)
def test_malformed_values_stop_startup_naming_the_variable(env, message):
    out = load_settings(**env)
    assert out.returncode != 0
    assert message in out.stderr


def test_check_warns_about_in_memory_layer_without_debug():
    out = load_settings(DEBUG="0", SECRET_KEY="x" * 50)
    assert "botflow.W001" in out.stderr


def test_no_warning_with_debug_on():
    out = load_settings(DEBUG="1")
    assert "botflow.W001" not in out.stderr + out.stdout
