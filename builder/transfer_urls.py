"""Export/import routes, under the same /api/w/<workspace slug>/ prefix as the scenarios API."""

from django.urls import path

from builder import transfer_api

urlpatterns = [
    path(
        "api/w/<slug:ws>/scenarios/<uuid:scenario_id>/export/",
        transfer_api.ScenarioExportView.as_view(),
        name="scenario-export",
    ),
    path("api/w/<slug:ws>/export/", transfer_api.ExportView.as_view(), name="workspace-export"),
    path("api/w/<slug:ws>/import/", transfer_api.ImportView.as_view(), name="workspace-import"),
]
