"""Websocket routes.

The widget runs on customers' own sites, so its Origin is checked per channel against
`config["allowed_origins"]` (in WidgetConsumer.connect) instead of ALLOWED_HOSTS. The inbox is
session-authenticated and same-origin only (scheme, host and port): SameOriginValidator + AuthMiddlewareStack.
"""

from channels.auth import AuthMiddlewareStack
from django.urls import path

from channels_app.consumers import InboxConsumer, WidgetConsumer
from channels_app.origin import SameOriginValidator

websocket_urlpatterns: list = [
    path("ws/widget/<str:widget_key>/", WidgetConsumer.as_asgi()),
    path("ws/inbox/", SameOriginValidator(AuthMiddlewareStack(InboxConsumer.as_asgi()))),
]
