"""Websocket routes. Consumers are added by the real-time work (widget, inbox)."""

websocket_urlpatterns: list = []
