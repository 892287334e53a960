"""All settings, from environment variables only, parsed strictly.

A malformed value stops startup with a message that names the variable. The embedded default
(no env at all) is SQLite in WAL mode + the in-memory channel layer + the database task backend;
DATABASE_URL / REDIS_URL switch to PostgreSQL / channels_redis's PubSub layer.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlparse

from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean: use 1/0, true/false, yes/no or on/off")


def env_int(name: str, default: int, minimum: int = 0) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not an integer") from None
    if value < minimum:
        raise ImproperlyConfigured(f"{name}={value} must be >= {minimum}")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_url(name: str, schemes: set[str]) -> str | None:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return None
    parsed = urlparse(raw)
    if parsed.scheme not in schemes or not (parsed.hostname or parsed.path):
        raise ImproperlyConfigured(
            f"{name}={raw!r} is not a valid URL: expected one of {sorted(schemes)}://host[:port]/…"
        )
    return raw


DEBUG = env_bool("DEBUG", default=True)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off")
    SECRET_KEY = "insecure-dev-only-key-do-not-use-in-production"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
# Without REDIS_URL, where task workers post their live events (runtime/realtime/forward.py); SITE_URL if empty.
INTERNAL_EVENTS_URL = os.environ.get("INTERNAL_EVENTS_URL", "").rstrip("/")

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "channels",
    "builder",
    "runtime",
    "channels_app",
    # After runtime: its `db_worker` (the package's worker plus a heartbeat and the recovery sweep) wins.
    "django_tasks",
    "django_tasks_db",
]

MIDDLEWARE = [
    # Django's SecurityMiddleware + our pages' Content-Security-Policy + a 400 for a JSON body holding a lone
    # surrogate (\ud800), before any view.
    "channels_app.security_headers.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "channels_app.urls"
ASGI_APPLICATION = "channels_app.asgi.application"
WSGI_APPLICATION = None

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
DATABASE_URL = env_url("DATABASE_URL", {"postgres", "postgresql", "sqlite"})
# Every SQLite database, from SQLITE_PATH or a sqlite:/// DATABASE_URL: WAL lets readers proceed during a
# write; IMMEDIATE takes the write lock at BEGIN so select_for_update-style sections serialise instead of
# failing with "database is locked".
SQLITE_OPTIONS = {
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=20000;",
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
}
if DATABASE_URL:
    import dj_database_url

    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=600, conn_health_checks=True)}
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        DATABASES["default"].setdefault("OPTIONS", {})
        # Persistent connections: one per thread, reused across requests and consumer calls.
        DATABASES["default"]["TEST"] = {"NAME": os.environ.get("TEST_DATABASE_NAME") or None}
    elif DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
        DATABASES["default"]["OPTIONS"] = {**SQLITE_OPTIONS, **DATABASES["default"].get("OPTIONS", {})}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.environ.get("SQLITE_PATH", str(BASE_DIR / "db.sqlite3")),
            "OPTIONS": dict(SQLITE_OPTIONS),
        }
    }
IS_POSTGRES = DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Channel layer ----------------------------------------------------------------------------
REDIS_URL = env_url("REDIS_URL", {"redis", "rediss", "unix"})
# Worker threads per process for websocket consumers' database work (one DB connection each).
ASGI_DB_THREADS = env_int("ASGI_DB_THREADS", 16, minimum=1)
REDIS_MAX_CONNECTIONS = env_int("REDIS_MAX_CONNECTIONS", 1000, minimum=10)
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            # channels_redis's PubSub layer, with outages noticed and the affected sockets resynced (layer.py).
            "BACKEND": "runtime.realtime.layer.RedisPubSubLayer",
            "CONFIG": {
                # redis-py's default pool (100) raises under load; size it explicitly. Bounded connects and
                # reads: an unreachable Redis fails a publish in seconds instead of holding the shard's lock.
                "hosts": [{"address": REDIS_URL, "max_connections": REDIS_MAX_CONNECTIONS,
                           "socket_connect_timeout": 2, "socket_timeout": 5}],
                "capacity": 1500,
                "expiry": 60,
            },
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

# --- Cache: throttles (builder/throttle.py). Redis when REDIS_URL is set, shared by every process; otherwise local
# memory, which counts per process (right for the embedded single-process default only).
if REDIS_URL:
    # Short socket timeouts: an unreachable Redis makes the throttles fail open at once instead of hanging.
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL,
                          "KEY_PREFIX": "botflow",
                          "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "botflow"}}

# --- Tasks (timers, outbound retries, broadcasts) ---------------------------------------------
# Queues by latency class, each with its own workers (`make run`, README "Scaling out"), so a slow HTTP node or a
# broadcast never holds back a timer or a delivery: live = deliveries and timers; io = HTTP nodes and
# integrations; bulk = broadcasts and cleanup. No "default": a task must name its queue (checked at import).
TASK_QUEUES = ["live", "io", "bulk"]
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": TASK_QUEUES}}
# Recovery (runtime/pipeline/leases.py): every worker renews a heartbeat row every TASK_LEASE_SECONDS / 3 and
# re-queues tasks left RUNNING by a worker whose heartbeat is older than the lease. A task whose workers died
# TASK_MAX_ATTEMPTS times is marked failed instead of being re-queued again (a task that kills its worker).
TASK_LEASE_SECONDS = env_int("TASK_LEASE_SECONDS", 60, minimum=2)
TASK_MAX_ATTEMPTS = env_int("TASK_MAX_ATTEMPTS", 5, minimum=1)
# A delivery whose worker died after handing the message to the provider and before its answer has an unknown
# outcome (Telegram and the WhatsApp Cloud API offer no idempotency key to ask again safely). False (default):
# mark it "unknown" and show it to operators; True: send it again (at-least-once, the customer may get it twice).
DELIVERY_RESEND_UNKNOWN = env_bool("DELIVERY_RESEND_UNKNOWN", default=False)
# Open inbox sockets: each server process renews its rows every PRESENCE_HEARTBEAT_SECONDS; the workers' sweep
# drops rows older than PRESENCE_EXPIRY_SECONDS (a crashed server), taking its operators offline.
PRESENCE_HEARTBEAT_SECONDS = env_int("PRESENCE_HEARTBEAT_SECONDS", 30, minimum=1)
PRESENCE_EXPIRY_SECONDS = env_int("PRESENCE_EXPIRY_SECONDS", 120, minimum=2)

# --- Auth, API ----------------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "/login/"
# Every password check (login page, admin, POST /api/auth/token/) is throttled: this many failures per account,
# or per client address, within LOGIN_LOCKOUT_SECONDS lock that account / address out for LOGIN_LOCKOUT_SECONDS.
AUTHENTICATION_BACKENDS = ["builder.auth_backends.ThrottledModelBackend"]
LOGIN_FAILURES_PER_ACCOUNT = env_int("LOGIN_FAILURES_PER_ACCOUNT", 5, minimum=1)
LOGIN_FAILURES_PER_IP = env_int("LOGIN_FAILURES_PER_IP", 20, minimum=1)
LOGIN_LOCKOUT_SECONDS = env_int("LOGIN_LOCKOUT_SECONDS", 900, minimum=1)
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/login/"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    # Signed in, then the caller's membership and role in the URL's workspace (builder.permissions: the one check).
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "builder.permissions.WorkspaceRole",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "builder.api_errors.exception_handler",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.LimitOffsetPagination",
    "PAGE_SIZE": 50,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Botflow API",
    "DESCRIPTION": "Scenarios, versions, export/import, conversations, inbox.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
}

# --- i18n ----------------------------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("ru", "Русский")]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static files (whitenoise: compressed, hashed names) ---------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
FRONTEND_DIST = BASE_DIR / "frontend" / "dist"
STATICFILES_DIRS = [FRONTEND_DIST] if FRONTEND_DIST.is_dir() else []
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG

# --- Security ---------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# HSTS only when the deployment says it serves TLS (a browser remembers it: never on by accident), and
# never with DEBUG. Django sends it on HTTPS requests; behind a TLS-terminating proxy set
# SECURE_PROXY_SSL_HEADER=1 so X-Forwarded-Proto: https marks a request as secure.
SECURE_HSTS_SECONDS = 0 if DEBUG else env_int("SECURE_HSTS_SECONDS", 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
if env_bool("SECURE_PROXY_SSL_HEADER", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Our HTML pages' Content-Security-Policy (channels_app/security_headers.py); CONTENT_SECURITY_POLICY= (empty)
# turns it off, any other value replaces it.
if "CONTENT_SECURITY_POLICY" in os.environ:
    CONTENT_SECURITY_POLICY = os.environ["CONTENT_SECURITY_POLICY"].strip()
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 6 * 1024 * 1024, minimum=1024)

# --- Product limits and knobs ------------------------------------------------------------------
IMPORT_MAX_BYTES = env_int("IMPORT_MAX_BYTES", 5 * 1024 * 1024, minimum=1024)
IMPORT_MAX_NODES = env_int("IMPORT_MAX_NODES", 10_000, minimum=1)
ENGINE_MAX_TRANSITIONS = env_int("ENGINE_MAX_TRANSITIONS", 100, minimum=1)
INBOUND_MAX_CHARS = env_int("INBOUND_MAX_CHARS", 4096, minimum=1)
INBOUND_RATE_PER_MINUTE = env_int("INBOUND_RATE_PER_MINUTE", 30, minimum=1)
# Widget abuse limits (shared across processes through the cache): sockets without a valid resume token may start
# this many conversations per client address per minute; a visitor may send this many messages and button presses
# per minute over all their sockets and reconnects (beyond it: an error frame, nothing stored).
WIDGET_NEW_CONVERSATIONS_PER_IP_PER_MINUTE = env_int("WIDGET_NEW_CONVERSATIONS_PER_IP_PER_MINUTE", 30, minimum=1)
WIDGET_MESSAGES_PER_MINUTE = env_int("WIDGET_MESSAGES_PER_MINUTE", 60, minimum=1)
HTTP_NODE_MAX_RESPONSE_BYTES = env_int("HTTP_NODE_MAX_RESPONSE_BYTES", 1024 * 1024, minimum=1024)
# Scenario HTTP nodes may not reach private/loopback addresses unless this is on (tests, intranets).
HTTP_NODE_ALLOW_PRIVATE = env_bool("HTTP_NODE_ALLOW_PRIVATE", default=False)
PREVIEW_TTL_SECONDS = env_int("PREVIEW_TTL_SECONDS", 3600, minimum=60)
# Field encryption for channel secrets (bot tokens, app secrets); derived from SECRET_KEY if unset.
FIELD_ENCRYPTION_KEY = os.environ.get("FIELD_ENCRYPTION_KEY", "")
# Messenger provider APIs (README "Connecting messengers"); tests and demos point them at the provider double.
TELEGRAM_API_BASE = env_url("TELEGRAM_API_BASE", {"http", "https"}) or "https://api.telegram.org"
WHATSAPP_API_BASE = env_url("WHATSAPP_API_BASE", {"http", "https"}) or "https://graph.facebook.com"
WHATSAPP_API_VERSION = os.environ.get("WHATSAPP_API_VERSION", "v21.0")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.channels.server": {"level": "WARNING"}},
}
