"""Builder fixtures: users, workspaces and memberships made through builder.services."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from builder import services
from builder.models import Department, Role
from tests.builder.documents import full_document

PASSWORD = "Corr3ct-horse-battery"


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def make_user(db):
    def make(username: str):
        return get_user_model().objects.create_user(username=username, password=PASSWORD)

    return make


@pytest.fixture
def admin_user(make_user):
    return make_user("alice")


@pytest.fixture
def workspace(admin_user):
    ws = services.create_workspace("Acme", "acme", owner=admin_user)
    Department.objects.create(workspace=ws, name="Sales", slug="sales")
    Department.objects.create(workspace=ws, name="Support", slug="support")
    return ws


@pytest.fixture
def editor(make_user, workspace):
    user = make_user("eddie")
    services.add_member(workspace, user, Role.EDITOR)
    return user


@pytest.fixture
def operator(make_user, workspace):
    user = make_user("olga")
    services.add_member(workspace, user, Role.OPERATOR)
    return user


@pytest.fixture
def other_workspace(make_user):
    """A second tenant with its own admin and scenario."""
    owner = make_user("mallory")
    ws = services.create_workspace("Other", "other", owner=owner)
    services.create_scenario(ws, "Secret bot", user=owner, slug="secret")
    return ws


@pytest.fixture
def scenario(workspace, admin_user):
    services.create_scenario(workspace, "FAQ", user=admin_user, slug="faq")
    return services.create_scenario(workspace, "Welcome", user=admin_user, slug="welcome", document=full_document())


@pytest.fixture
def client_for():
    def make(user, *, csrf: bool = False) -> APIClient:
        client = APIClient(enforce_csrf_checks=csrf)
        client.force_login(user)
        return client

    return make


@pytest.fixture
def api(client_for, editor) -> APIClient:
    return client_for(editor)


def url(ws: str, scenario_id=None, suffix: str = "") -> str:
    base = f"/api/w/{ws}/scenarios/"
    return f"{base}{scenario_id}/{suffix}" if scenario_id else base
