"""Worlds for tests, made through the real service functions (never by creating rows directly): a workspace
with its owner, members, the Support and Sales departments, published scenarios and channels.

Each folder's conftest composes its own `World` from these pieces."""

from __future__ import annotations

import json
from typing import Any

from builder import services as builder_services
from builder.models import Department, Role, Scenario, Workspace
from channels_app.services import create_department
from tests.support.users import make_user


def make_workspace(slug: str, owner: Any) -> Workspace:
    """A workspace named after `slug`, `owner` its admin."""
    return builder_services.create_workspace(slug.title(), slug, owner=owner)


def add_user(workspace: Workspace, username: str, role: str = Role.OPERATOR, **fields: Any) -> Any:
    """A new user who is a member of `workspace` with `role`."""
    user = make_user(username, **fields)
    builder_services.add_member(workspace, user, role)
    return user


def add_departments(workspace: Workspace, *, assignment: str = Department.Assignment.OFF,
                    **support_fields: Any) -> tuple[Department, Department]:
    """Support (with `support_fields`: business hours and their message) and Sales."""
    support = create_department(workspace, name="Support", slug="support", assignment=assignment, **support_fields)
    sales = create_department(workspace, name="Sales", slug="sales", assignment=assignment)
    return support, sales


def publish_document(workspace: Workspace, slug: str, doc: dict[str, Any], user: Any = None, *,
                     name: str | None = None, note: str = "") -> Scenario:
    """Create the scenario (or save a new draft of it) and publish it; the caller's `doc` is not shared."""
    doc = json.loads(json.dumps(doc))
    scenario = Scenario.objects.filter(workspace=workspace, slug=slug).first()
    if scenario is None:
        scenario = builder_services.create_scenario(workspace, name or slug.title(), slug=slug, document=doc,
                                                    user=user)
    else:
        builder_services.save_draft(scenario, doc, scenario.revision, user)
    builder_services.publish(scenario, user, note)
    scenario.refresh_from_db()
    return scenario
