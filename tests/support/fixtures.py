"""Fixtures for every folder (tests/conftest.py loads this module as a plugin).

`workspace` and `editor` need an `owner` fixture, which a folder's conftest provides."""

from __future__ import annotations

from typing import Any

import pytest

from builder.models import Role, Workspace
from tests.support.users import FAST_HASHERS
from tests.support.world import add_departments, add_user, make_workspace


@pytest.fixture(autouse=True)
def fast_password_hashing(settings: Any) -> None:
    """The production hasher is slow on purpose; tests hash with MD5."""
    settings.PASSWORD_HASHERS = FAST_HASHERS


@pytest.fixture
def workspace(owner: Any) -> Workspace:
    """Acme, owned by `owner`, with the Support and Sales departments."""
    ws = make_workspace("acme", owner)
    add_departments(ws)
    return ws


@pytest.fixture
def editor(workspace: Workspace) -> Any:
    return add_user(workspace, "eddie", Role.EDITOR)
