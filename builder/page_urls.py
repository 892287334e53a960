from django.urls import path

from builder import views

urlpatterns = [
    path("", views.scenario_list, name="scenario-list"),
    path("editor/<uuid:scenario_id>/", views.editor, name="editor"),
    path("settings/", views.workspace_settings, name="workspace-settings"),
]
