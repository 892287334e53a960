"""Workspace scoping: the API's one membership and role check.

Every API route under `/api/w/<ws>/…` names its workspace with the URL kwarg `ws` (`WORKSPACE_KWARG`).
`WorkspaceRole` (a default permission class, see settings REST_FRAMEWORK) resolves the caller's membership
of it before the view runs and puts it on the view as `view.membership` / `view.workspace`; every query then
starts from there. A workspace the caller is not a member of is a 404 (not a 403), so nothing leaks.

Roles a view may require, per HTTP method: `MEMBER` (anyone in the workspace), `EDITOR` (editors and admins),
`ADMIN`. A view sets `read_role` (GET, HEAD, OPTIONS; default MEMBER), `write_role` (other methods; default
EDITOR), or `method_roles` for one method ({"POST": MEMBER}).
"""

from __future__ import annotations

from typing import Any

from django.http import Http404
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import SAFE_METHODS, BasePermission

from builder.models import Membership, Scenario

WORKSPACE_KWARG = "ws"
MEMBER, EDITOR, ADMIN = "member", "editor", "admin"
ROLE_REFUSALS = {
    EDITOR: "Operators cannot change this: it needs the editor or admin role.",
    ADMIN: "Only workspace admins can change this.",
}


def get_membership(user: Any, workspace_slug: str) -> Membership:
    """The caller's membership of the workspace; 404 (not 403) if there is none, so nothing leaks."""
    if not user or not user.is_authenticated:
        raise Http404
    membership = (
        Membership.objects.select_related("workspace").filter(user=user, workspace__slug=workspace_slug).first()
    )
    if membership is None:
        raise Http404
    return membership


def has_role(membership: Membership, role: str) -> bool:
    if role == ADMIN:
        return membership.can_manage
    if role == EDITOR:
        return membership.can_edit
    return True


def require_role(membership: Membership, role: str, message: str | None = None) -> None:
    """403 unless the membership has `role` (MEMBER, EDITOR or ADMIN)."""
    if not has_role(membership, role):
        raise PermissionDenied(message or ROLE_REFUSALS[role])


def required_role(view: Any, method: str) -> str:
    """The role `view` asks for `method` (see the module docstring)."""
    roles = getattr(view, "method_roles", None) or {}
    if method in roles:
        return roles[method]
    if method in SAFE_METHODS:
        return getattr(view, "read_role", MEMBER)
    return getattr(view, "write_role", EDITOR)


class WorkspaceRole(BasePermission):
    """The membership of the workspace in the URL, with the role the view asks for the request's method.

    Routes without a workspace (the token exchange, my workspaces) pass through: their other permission
    classes (signed in, or none for the token) decide.
    """

    def has_permission(self, request: Any, view: Any) -> bool:
        slug = view.kwargs.get(WORKSPACE_KWARG)
        if slug is None:
            return True
        membership = get_membership(request.user, slug)
        view.membership, view.workspace = membership, membership.workspace
        require_role(membership, required_role(view, request.method), getattr(view, "role_refusal", None))
        return True


def scenarios_for(membership: Membership):
    return Scenario.objects.filter(workspace=membership.workspace).select_related(
        "workspace", "updated_by", "published_version"
    )


def get_scenario(membership: Membership, scenario_id: Any) -> Scenario:
    """A scenario of the membership's workspace; another workspace's id (or a malformed one) is a 404."""
    scenario = scenarios_for(membership).filter(pk=scenario_id).first()
    if scenario is None:
        raise Http404
    return scenario
