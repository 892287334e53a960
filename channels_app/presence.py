"""Operator presence and capacity.

Presence is set by the operator (online / away) and derived from open inbox sockets: the first socket (in any
process) brings an offline operator online, closing the last one takes them offline. Socket counts change with
F() expressions in single UPDATEs, so concurrent connects/disconnects in different processes lose no update.
"""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from builder.models import Membership
from channels_app import events
from channels_app.errors import ActionError
from channels_app.models import OperatorStatus
from channels_app.queue import INBOX_ROLES, auto_assign_for_operator
from runtime.models import Conversation

PRESENCES = {c.value for c in OperatorStatus.Presence}


def status_for(user: Any, workspace_id: int) -> OperatorStatus:
    """The operator's status row in the workspace, created on first use (safe against a concurrent create)."""
    try:
        with transaction.atomic():
            status, _ = OperatorStatus.objects.get_or_create(user_id=user.pk, workspace_id=workspace_id)
    except IntegrityError:
        status = OperatorStatus.objects.get(user_id=user.pk, workspace_id=workspace_id)
    return status


def presence_frame(status: OperatorStatus) -> dict[str, Any]:
    return {"user_id": status.user_id, "name": events.operator_display_name(status.user),
            "presence": status.presence, "capacity": status.capacity}


def _publish(status_pk: int) -> None:
    status = OperatorStatus.objects.select_related("user").get(pk=status_pk)
    events.publish_inbox(status.workspace_id, "presence", {"operator": presence_frame(status)})


def _assign_when_online(user_id: int, workspace_id: int) -> None:
    transaction.on_commit(lambda: auto_assign_for_operator(user_id, workspace_id), robust=True)


def socket_opened(user: Any, workspace_id: int) -> OperatorStatus:
    """An inbox socket connected: count it; an offline operator comes online (and may get chats assigned)."""
    status = status_for(user, workspace_id)
    with transaction.atomic():
        OperatorStatus.objects.filter(pk=status.pk).update(open_sockets=F("open_sockets") + 1,
                                                           last_seen_at=timezone.now())
        came_online = OperatorStatus.objects.filter(pk=status.pk, presence=OperatorStatus.Presence.OFFLINE).update(
            presence=OperatorStatus.Presence.ONLINE)
        if came_online:
            _publish(status.pk)
            _assign_when_online(user.pk, workspace_id)
    status.refresh_from_db()
    return status


def socket_closed(user: Any, workspace_id: int) -> None:
    """An inbox socket disconnected: uncount it; at zero open sockets the operator goes offline."""
    with transaction.atomic():
        OperatorStatus.objects.filter(user_id=user.pk, workspace_id=workspace_id, open_sockets__gt=0).update(
            open_sockets=F("open_sockets") - 1, last_seen_at=timezone.now())
        went_offline = OperatorStatus.objects.filter(
            user_id=user.pk, workspace_id=workspace_id, open_sockets=0,
        ).exclude(presence=OperatorStatus.Presence.OFFLINE).update(presence=OperatorStatus.Presence.OFFLINE)
        if went_offline:
            pk = OperatorStatus.objects.filter(user_id=user.pk, workspace_id=workspace_id).values_list(
                "pk", flat=True).first()
            if pk is not None:
                _publish(pk)


def set_presence(user: Any, workspace_id: int, presence: str) -> OperatorStatus:
    """The operator chose online / away / offline. Going online may assign waiting chats."""
    if presence not in PRESENCES:
        raise ActionError("invalid", f"presence must be one of {', '.join(sorted(PRESENCES))}")
    status = status_for(user, workspace_id)
    with transaction.atomic():
        changed = OperatorStatus.objects.filter(pk=status.pk).exclude(presence=presence).update(
            presence=presence, last_seen_at=timezone.now())
        if changed:
            _publish(status.pk)
            if presence == OperatorStatus.Presence.ONLINE:
                _assign_when_online(user.pk, workspace_id)
    status.refresh_from_db()
    return status


def set_capacity(user: Any, workspace_id: int, capacity: int) -> OperatorStatus:
    """Max concurrent live chats for auto-assignment (manual claims may exceed it)."""
    if not isinstance(capacity, int) or isinstance(capacity, bool) or not 0 <= capacity <= 1000:
        raise ActionError("invalid", "capacity must be an integer between 0 and 1000")
    status = status_for(user, workspace_id)
    with transaction.atomic():
        OperatorStatus.objects.filter(pk=status.pk).update(capacity=capacity)
        _publish(status.pk)
        _assign_when_online(user.pk, workspace_id)
    status.refresh_from_db()
    return status


def operators(workspace_id: int) -> list[dict[str, Any]]:
    """Presence list of the workspace's inbox members (members without a status row are offline)."""
    statuses = {s.user_id: s for s in OperatorStatus.objects.filter(workspace_id=workspace_id).select_related("user")}
    out = []
    memberships = Membership.objects.filter(workspace_id=workspace_id, role__in=INBOX_ROLES).select_related("user")
    loads: dict[int, int] = {}
    for user_id in Conversation.objects.filter(workspace_id=workspace_id, mode=Conversation.Mode.LIVE).values_list(
            "assignee_id", flat=True):
        loads[user_id] = loads.get(user_id, 0) + 1
    for membership in memberships.order_by("user__username"):
        status = statuses.get(membership.user_id)
        out.append({
            "user_id": membership.user_id, "name": events.operator_display_name(membership.user),
            "username": membership.user.get_username(), "role": membership.role,
            "presence": status.presence if status else OperatorStatus.Presence.OFFLINE,
            "capacity": status.capacity if status else OperatorStatus._meta.get_field("capacity").default,
            "load": loads.get(membership.user_id, 0),
        })
    return out
