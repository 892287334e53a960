"""The loopback endpoint task workers post their live events to (embedded default only; see forward.py)."""

from django.urls import path

from runtime.realtime import views

urlpatterns = [
    path("internal/events/", views.internal_events, name="internal-events"),
]
