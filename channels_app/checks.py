"""System checks for unsafe production settings (run by `manage.py check --deploy` and at startup)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.compatibility)
def check_realtime_layer(app_configs: Any = None, **kwargs: Any) -> list[Warning]:
    backend = settings.CHANNEL_LAYERS.get("default", {}).get("BACKEND", "")
    if not settings.DEBUG and backend == "channels.layers.InMemoryChannelLayer":
        return [
            Warning(
                "DEBUG is off but the in-memory channel layer is in use.",
                hint="It works inside one process only and scans every channel on each send; set REDIS_URL "
                "to use the Redis PubSub layer in production.",
                id="botflow.W001",
            )
        ]
    return []


@register(Tags.security)
def check_private_http(app_configs: Any = None, **kwargs: Any) -> list[Warning]:
    if not settings.DEBUG and settings.HTTP_NODE_ALLOW_PRIVATE:
        return [
            Warning(
                "HTTP_NODE_ALLOW_PRIVATE is on with DEBUG off: scenarios can reach your internal network.",
                hint="Turn it off unless every scenario editor is trusted with intranet access.",
                id="botflow.W002",
            )
        ]
    return []
