"""ASGI entry point: HTTP goes to Django; websockets to the routes in routing.py.

Each websocket route carries its own guard (routing.py): the inbox goes through
SameOriginValidator(AuthMiddlewareStack(...)) (channels_app/origin.py); the widget, embedded on customers' sites, checks the
Origin against its channel's allowed origins.
"""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "channels_app.settings")
django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from channels_app.routing import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": URLRouter(websocket_urlpatterns),
    }
)
