"""Builder fixtures: users, workspaces and memberships made through the real services (tests/support)."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from builder import services
from builder.models import Role
from tests.support import users
from tests.support.documents import full_document
from tests.support.world import add_user, make_workspace


@pytest.fixture
def make_user(db):
    return users.make_user


@pytest.fixture
def admin_user(make_user):
    return make_user("alice")


@pytest.fixture
def owner(admin_user):
    """The owner of the shared `workspace` fixture (tests/support/fixtures.py)."""
    return admin_user


@pytest.fixture
def operator(workspace):
    return add_user(workspace, "olga", Role.OPERATOR)


@pytest.fixture
def other_workspace(make_user):
    """A second tenant with its own admin and scenario."""
    owner = make_user("mallory")
    ws = make_workspace("other", owner=owner)
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
