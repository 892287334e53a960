from django.urls import path

from builder import api

scenario = "w/<slug:ws>/scenarios/<uuid:scenario_id>/"

urlpatterns = [
    path("auth/token/", api.TokenView.as_view(), name="api-token"),
    path("workspaces/", api.WorkspaceListView.as_view(), name="api-workspaces"),
    path("w/<slug:ws>/scenarios/", api.ScenarioListView.as_view(), name="api-scenarios"),
    path("w/<slug:ws>/templates/", api.TemplateListView.as_view(), name="api-templates"),
    path(scenario, api.ScenarioDetailView.as_view(), name="api-scenario"),
    path(scenario + "draft/", api.DraftView.as_view(), name="api-scenario-draft"),
    path(scenario + "validate/", api.ValidateView.as_view(), name="api-scenario-validate"),
    path(scenario + "publish/", api.PublishView.as_view(), name="api-scenario-publish"),
    path(scenario + "duplicate/", api.DuplicateView.as_view(), name="api-scenario-duplicate"),
    path(scenario + "versions/", api.VersionListView.as_view(), name="api-scenario-versions"),
    path(scenario + "versions/<int:number>/", api.VersionDetailView.as_view(), name="api-scenario-version"),
    path(scenario + "versions/<int:number>/rollback/", api.RollbackView.as_view(), name="api-scenario-rollback"),
    path(scenario + "diff/", api.DiffView.as_view(), name="api-scenario-diff"),
]
