"""Runtime API routes (included under /api/)."""

from django.urls import path

from runtime import api

urlpatterns = [
    path("w/<slug:ws>/scenarios/<uuid:scenario_id>/preview/", api.PreviewStartView.as_view(), name="scenario-preview"),
    path("w/<slug:ws>/scenarios/<uuid:scenario_id>/test-request/", api.TestRequestView.as_view(),
         name="scenario-test-request"),
    path("w/<slug:ws>/preview/<uuid:conversation_id>/", api.PreviewConversationView.as_view(), name="preview-turn"),
]
