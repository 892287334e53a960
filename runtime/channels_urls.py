"""Channel management routes, included under /api/ from channels_app/urls.py."""

from django.urls import path

from runtime import channels_api as api

urlpatterns = [
    path("w/<slug:ws>/channels/", api.ChannelListView.as_view(), name="channel-list"),
    path("w/<slug:ws>/channels/<int:pk>/", api.ChannelDetailView.as_view(), name="channel-detail"),
    path("w/<slug:ws>/channels/settings/", api.ChannelSettingsView.as_view(), name="channel-settings"),
    path("w/<slug:ws>/channels/<int:pk>/rotate-secrets/", api.RotateSecretsView.as_view(), name="channel-rotate"),
    path("w/<slug:ws>/channels/<int:pk>/webhook/", api.WebhookView.as_view(), name="channel-webhook"),
    path("w/<slug:ws>/channels/<int:pk>/templates/", api.TemplateListView.as_view(), name="channel-templates"),
    path("w/<slug:ws>/channels/<int:pk>/templates/sync/", api.TemplateSyncView.as_view(), name="channel-templates-sync"),
]
