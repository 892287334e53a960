"""Top-level routes. Each area owns its own include, so no two parts edit the same file."""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("", include("builder.transfer_urls")),
    path("api/", include("builder.api_urls")),
    path("api/", include("runtime.api_urls")),
    path("api/", include("channels_app.api_urls")),
    path("api/", include("runtime.channels_urls")),
    path("webhooks/", include("runtime.connectors.urls")),
    path("", include("runtime.realtime.urls")),  # task workers' live events (embedded default)
    path("", include("builder.auth_urls")),
    path("", include("builder.page_urls")),
    path("", include("channels_app.page_urls")),
]
