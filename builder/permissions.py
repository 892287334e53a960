"""Workspace scoping: every API query starts from the caller's membership of the workspace in the URL."""

from __future__ import annotations

from django.http import Http404
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import SAFE_METHODS

from builder.models import Membership, Scenario


def get_membership(user, workspace_slug: str) -> Membership:
    """The caller's membership of the workspace; 404 (not 403) if there is none, so nothing leaks."""
    if not user or not user.is_authenticated:
        raise Http404
    membership = (
        Membership.objects.select_related("workspace").filter(user=user, workspace__slug=workspace_slug).first()
    )
    if membership is None:
        raise Http404
    return membership


def check_can_edit(membership: Membership) -> None:
    if not membership.can_edit:
        raise PermissionDenied("Operators cannot change scenarios")


def member_for_request(request, workspace_slug: str) -> Membership:
    """Membership for a request; unsafe methods also need an editing role."""
    membership = get_membership(request.user, workspace_slug)
    if request.method not in SAFE_METHODS:
        check_can_edit(membership)
    return membership


def scenarios_for(membership: Membership):
    return Scenario.objects.filter(workspace=membership.workspace).select_related(
        "workspace", "updated_by", "published_version"
    )


def get_scenario(membership: Membership, scenario_id) -> Scenario:
    """A scenario of the membership's workspace; another workspace's id (or a malformed one) is a 404."""
    scenario = scenarios_for(membership).filter(pk=scenario_id).first()
    if scenario is None:
        raise Http404
    return scenario
