"""Messenger webhooks, mounted at /webhooks/. The URL's id is the channel's public key."""

from django.urls import path

from runtime.connectors import views

urlpatterns = [
    path("telegram/<str:key>/", views.telegram_webhook, name="webhook-telegram"),
    path("whatsapp/<str:key>/", views.whatsapp_webhook, name="webhook-whatsapp"),
]
