"""Websocket routes.

The widget runs on customers' own sites, so its Origin is checked per channel against
`config["allowed_origins"]` (in WidgetConsumer.connect) instead of ALLOWED_HOSTS. The inbox is
session-authenticated and same-site only: AllowedHostsOriginValidator + AuthMiddlewareStack.
"""

from channels.auth import AuthMiddlewareStack
from channels.security.websocket import AllowedHostsOriginValidator
from django.urls import path

from channels_app.consumers import InboxConsumer, WidgetConsumer

websocket_urlpatterns: list = [
    path("ws/widget/<str:widget_key>/", WidgetConsumer.as_asgi()),
    path("ws/inbox/", AllowedHostsOriginValidator(AuthMiddlewareStack(InboxConsumer.as_asgi()))),
]
